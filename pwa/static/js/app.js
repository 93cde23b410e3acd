// The app's entry: language, device id, the chrome (status bar, navigation), routing,
// the service worker and automatic sync. Screens live in ui/, one per file.

import { probe, session } from "./api.js";
import { probeNow, startProbing, subscribe } from "./connectivity.js";
import { clearMirror, deviceId, setMeta, tx } from "./db.js";
import { setLocale } from "./i18n.js";
import { Router } from "./router.js";
import { Scheduler, onAnnounce } from "./sync.js";
import { mountChrome, refreshStatus } from "./ui/chrome.js";
import { registerWorker } from "./ui/update.js";

const configTag = document.querySelector('meta[name="onsite-config"]');

/** What every screen shares: the signed-in user, config, sync scheduler, navigation. */
export const app = {
  config: configTag ? JSON.parse(configTag.content) : { service_phone: "", fees: {} },
  user: null,
  scheduler: null,
  router: null,

  /** Call after recording anything: sync soon, update the status bar. */
  changed() {
    refreshStatus();
    if (navigator.onLine) this.scheduler?.poke();
    else requestBackgroundSync();
  },

  /** Navigate inside the app. */
  go(path, opts) {
    return this.router.go(path, opts);
  },

  /** Set (or clear) the signed-in user, kept on the device for offline starts. */
  async setUser(user) {
    this.user = user;
    await setMeta("user", user);
  },
};

async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register("onsite-outbox");
  } catch { /* no Background Sync here: the timer and `online` cover it */ }
}

async function checkSession() {
  if (!navigator.onLine || !app.user) return;
  try {
    const s = await session();
    if (!s.user) {
      await setMeta("auth_needed", true);
      await clearMirror(); // no customer data on a phone whose sign-in was refused
      refreshStatus();
    }
  } catch { /* offline: the local session stands */ }
}

async function boot() {
  performance.mark("onsite:boot");
  // One read for what a start needs (a write only on the very first start, for the device id).
  const start = await tx(["meta"], "readonly", async (t) => ({
    locale: await t.meta("locale"), user: await t.meta("user"), device: await t.meta("device_id"),
  }));
  if (!start.device) await deviceId();
  setLocale(start.locale || "zh-CN");
  app.user = start.user;
  app.scheduler = new Scheduler();
  app.router = new Router(document.getElementById("main"), app);
  mountChrome(app);
  onAnnounce((detail) => {
    refreshStatus();
    if (detail.pulled && ["jobs", "job", "ready"].includes(app.router.current)) app.router.refresh();
  });
  // Connectivity from real requests (connectivity.js): redraw on every change; when requests
  // succeed again after failures, sync at once with the backoff reset.
  subscribe((change) => {
    refreshStatus();
    if (change.recovered && app.user) app.scheduler.recovered(change);
  });
  startProbing({ probe });
  addEventListener("online", () => { refreshStatus(); probeNow(); if (app.user) app.scheduler.run("online"); });
  addEventListener("offline", () => refreshStatus());
  await app.router.start();
  // The first screen is drawn: now the rest (worker, first sync, session check), off the critical path.
  const later = globalThis.requestIdleCallback || ((fn) => setTimeout(fn, 50));
  later(() => {
    registerWorker(app);
    if (app.user) {
      app.scheduler.run("start");
      checkSession();
    }
  }, { timeout: 1000 });
}

boot().catch((err) => {
  console.error(err);
  document.getElementById("main").textContent = String(err?.message || err);
});
