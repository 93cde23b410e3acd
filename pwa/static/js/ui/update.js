// The service worker: registered from the root scope; when a new version has installed,
// an "update available" prompt; accepting it flushes drafts, activates the new worker and
// reloads once. Updating only replaces cached files: IndexedDB (the outbox and every
// record) is never touched.

import { t } from "../i18n.js";
import { flushDrafts } from "./drafts.js";
import { h } from "./dom.js";
import { notify } from "./visitkit.js";

let accepted = false;
const FLUSH_WAIT_MS = 2000;
const ASK_EVERY_MS = 2000; // asking the waiting worker again while the old one still runs
const GIVE_UP_MS = 25_000;

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

function showPrompt(worker) {
  const area = document.getElementById("toasts");
  if (!area || area.querySelector("#update-toast")) return;
  const sw = navigator.serviceWorker;
  const shownWith = sw.controller;
  const apply = async () => {
    button.disabled = true;
    // Drafts are saved as they are typed; the flush only writes the last keystrokes. A write
    // that never settles must not leave the user tapping a dead button.
    await Promise.race([flushDrafts(), sleep(FLUSH_WAIT_MS)]);
    accepted = true;
    // Ask the worker waiting now (a later install replaces the one the prompt was shown for),
    // and again until the new version controls the page: the browser may hold the switch while
    // the old worker finishes an event (a background sync). The reload normally comes from
    // "controllerchange"; if the page missed it, the changed controller says so.
    for (let waited = 0; waited < GIVE_UP_MS; waited += ASK_EVERY_MS) {
      if (sw.controller !== shownWith) { location.reload(); return; }
      const reg = await sw.getRegistration();
      (reg?.waiting ?? worker).postMessage({ type: "skip-waiting" });
      await sleep(ASK_EVERY_MS);
    }
    accepted = false;
    button.disabled = false;
    notify(t("update_failed"), { error: true });
  };
  const button = h("button", { class: "btn primary", id: "update-apply", type: "button", onclick: apply }, t("update_apply"));
  area.append(h("div", { class: "toast", id: "update-toast", role: "status" },
    h("span", {}, t("update_available")), button));
}

/** Register /sw.js and watch for new versions. */
export async function registerWorker() {
  const sw = navigator.serviceWorker;
  if (!sw) return null;
  sw.addEventListener("controllerchange", () => {
    if (!accepted) return; // the first install claiming the page is not an update
    accepted = false;
    location.reload();
  });
  let reg;
  try {
    reg = await sw.register("/sw.js", { scope: "/", type: "module", updateViaCache: "none" });
  } catch (err) {
    console.warn("service worker not registered", err);
    return null;
  }
  const watch = (worker) => {
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && sw.controller) showPrompt(worker);
    });
  };
  if (reg.waiting && sw.controller) showPrompt(reg.waiting);
  watch(reg.installing);
  reg.addEventListener("updatefound", () => watch(reg.installing));
  // Look for a new version now and then; browsers also check on navigation.
  setInterval(() => { if (navigator.onLine) reg.update().catch(() => {}); }, 30 * 60 * 1000);
  return reg;
}
