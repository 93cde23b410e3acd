// "Ready to go offline": before leaving, check that today's jobs with their customers and
// products, the catalogue and van stock are on the device, the app is cached, storage is
// persistent, and how much space is used. Persistent storage is the browser's to grant:
// refused, it is a caution (what it means, and to keep syncing), not a blocker, and the
// request button says pending, granted or refused.

import { getAll, getMeta, requestPersistence, setMeta } from "../db.js";
import { allJobs } from "../records.js";
import { syncStatus } from "../sync.js";
import { bytes, dateTime, t } from "../i18n.js";
import { ACTIVE, isToday } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";

// The last answer to the persistence request on this page ("granted" / "refused"), kept
// across the redraw that follows it.
let persistAnswer = null;

// A check: ok (true), failed (false) or "caution" (not as it should be, yet no blocker).
function item(ok, label, detail, id) {
  const look = ok === "caution" ? "warn" : ok ? "ok" : "bad";
  return h("li", { class: look, id, "data-ok": String(ok !== false), "data-state": look },
    h("span", { class: ["badge", look] }, icon(ok === "caution" ? "warn" : ok ? "check" : "cross")), " ", label,
    detail ? h("div", { class: "sub" }, detail) : null);
}

/** The readiness check screen. */
export async function render(ctx) {
  const jobs = (await allJobs()).filter(({ wo }) => ACTIVE.has(wo.status) && isToday(wo.appointment_start));
  const complete = jobs.filter((j) => j.customer && (!j.wo.product_id || j.product));
  const [parts, stock, status] = await Promise.all([getAll("part"), getAll("van_stock"), syncStatus()]);
  const persisted = (await navigator.storage?.persisted?.().catch(() => null)) ?? (await getMeta("persisted"));
  await setMeta("persisted", !!persisted);
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  const cached = !!navigator.serviceWorker?.controller;
  const recent = status.lastSyncAt && Date.now() - status.lastSyncAt < 12 * 3600 * 1000;
  const checks = [
    item(jobs.length > 0 && complete.length === jobs.length, t("ready_jobs", { n: jobs.length }), jobs.length ? t("ready_jobs_detail", { ok: complete.length, n: jobs.length }) : t("no_jobs_today"), "ready-jobs"),
    item(parts.length > 0, t("ready_catalogue", { n: parts.length }), null, "ready-catalogue"),
    item(stock.length > 0, t("ready_van_stock", { n: stock.length }), null, "ready-stock"),
    item(cached, t("ready_app_cached"), null, "ready-app"),
    item(!!recent && !status.error, t("ready_synced"), status.lastSyncAt ? dateTime(status.lastSyncAt) : t("never_synced"), "ready-synced"),
    item(persisted ? true : "caution", t(persisted ? "ready_persistent" : "ready_not_persistent"),
      persisted ? null : t("ready_not_persistent_detail"), "ready-persistent"),
  ];
  const allGood = checks.every((li) => li.dataset.ok === "true");
  const answer = persisted && persistAnswer === "refused" ? null : persistAnswer;
  const persistState = h("p", { class: ["persist-state", answer === "refused" ? "warnbox" : "sub"], id: "persist-state", role: "status" },
    answer ? t(`persist_${answer}`) : "");
  const persistButton = persisted ? null : h("button", {
    type: "button", class: "btn block", id: "request-persist",
    onclick: async () => {
      persistButton.disabled = true;
      persistState.className = "persist-state sub";
      persistState.textContent = t("persist_pending");
      persistAnswer = (await requestPersistence()) ? "granted" : "refused";
      await ctx.refresh();
    },
  }, t("request_persistence"));
  return h("section", { class: "screen", id: "ready" },
    h("h1", { tabindex: "-1" }, t("ready_title")),
    h("p", { class: allGood ? "okmsg" : "warnbox", id: "ready-verdict", "data-ready": String(allGood) }, t(allGood ? "ready_yes" : "ready_no")),
    h("ul", { class: "records", id: "ready-list" }, checks),
    persistButton,
    persistState,
    h("p", { id: "storage-used" }, t("storage_used", {
      used: bytes(estimate?.usage), quota: bytes(estimate?.quota),
    })),
    h("button", {
      type: "button", class: "btn primary block", id: "ready-sync",
      onclick: async () => { await ctx.app.scheduler.run("prime"); await ctx.refresh(); },
    }, t("sync_now")));
}
