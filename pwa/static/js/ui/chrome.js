// The parts of the screen that are always there: the sync status bar at the top (the
// connection as judged from real requests: online, offline, server unreachable, sync
// refused; entries waiting, last successful sync, rejected entries) and the navigation.

import { syncStatus } from "../sync.js";
import { reason, t, time } from "../i18n.js";
import { h, replace } from "./dom.js";
import { icon } from "./icons.js";

const NAV = [
  ["/app/jobs", "nav_jobs", "jobs"],
  ["/app/ready", "nav_ready", "ready"],
  ["/app/sync", "nav_sync", "outbox"],
  ["/app/settings", "nav_settings", "settings"],
];
// The connection pill: its words and look per state (sync.syncStatus's `connection`).
const CONN_KEY = { online: "online", auth: "online", offline: "offline", server: "conn_server", refused: "conn_refused" };
const PILL = { online: ["on"], auth: ["on"], offline: ["off"], server: ["off", "server"], refused: ["on", "warn"] };
// An icon beside the words where the state needs attention (shape as well as colour).
const PILL_ICON = { offline: "cloud_off", server: "warn", refused: "warn" };
let app = null;

/** A sync error in the technician's words (never a raw "network: Failed to fetch"). */
export function errorText(error) {
  if (!error) return "";
  if (error.kind === "offline") return t("error_offline");
  if (error.kind === "server") return error.status ? t("error_server_status", { status: error.status }) : t("error_server");
  if (error.kind === "auth") return t("sign_in_again");
  if (error.kind === "refused") return t("error_refused", { reason: reason(error) });
  return t("error_client", { reason: error.message || "" });
}
let pendingRefresh = null;

/** Build the status bar and navigation (again after a language switch). */
export function mountChrome(a) {
  app = a || app;
  const nav = document.getElementById("nav");
  replace(nav, h("ul", {}, NAV.map(([href, key, screen]) =>
    h("li", {}, h("a", { href, "data-screen": screen }, t(key))))));
  document.getElementById("app-title").textContent = t("app_name");
  document.addEventListener("onsite-rendered", markCurrent);
  markCurrent();
  return refreshStatus();
}

function markCurrent() {
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.screen === document.body.dataset.screen) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

/** Redraw the status bar from the outbox and sync metadata. */
export function refreshStatus() {
  pendingRefresh ??= Promise.resolve().then(async () => {
    pendingRefresh = null;
    const s = await syncStatus();
    const bar = document.getElementById("status");
    if (!bar) return;
    bar.dataset.online = String(s.online);
    bar.dataset.pending = String(s.pending);
    bar.dataset.rejected = String(s.rejected);
    bar.dataset.syncing = String(!!s.syncing);
    bar.dataset.connection = s.connection;
    const refused = s.connection === "refused";
    replace(bar,
      h("span", { class: ["pill", ...PILL[s.connection]], id: "net-state", title: refused ? errorText(s.error) : null },
        PILL_ICON[s.connection] ? icon(PILL_ICON[s.connection]) : null, t(CONN_KEY[s.connection])),
      refused ? h("span", { class: "reason", id: "conn-reason" }, errorText(s.error).slice(0, 80)) : null,
      h("span", { id: "pending-count" }, t("pending_n", { n: s.pending })),
      h("span", { id: "last-sync" }, s.lastSyncAt ? t("last_sync_at", { time: time(s.lastSyncAt) }) : t("never_synced")),
      s.rejected ? h("span", { class: "pill warn", id: "rejected-count" }, t("rejected_n", { n: s.rejected })) : null,
      s.authNeeded && app?.user ? h("span", { class: "pill warn", id: "auth-needed" }, t("sign_in_again")) : null,
      s.syncing ? h("span", { class: "spinner", "aria-label": t("syncing") }) : null,
    );
  });
  return pendingRefresh;
}
