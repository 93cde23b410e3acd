// The sync screen: the state of sync, what waits in the outbox, and the entries the
// server rejected with its reason, to fix and resend or to dismiss.

import { dismissRejected, pendingEntries, rejectedEntries, resendRejected } from "../outbox.js";
import { syncStatus } from "../sync.js";
import { dateTime, reason, t } from "../i18n.js";
import { errorText } from "./chrome.js";
import { h } from "./dom.js";
import { REPRICE_CODES } from "./quote.js";
import { act, notify } from "./visitkit.js";

const CONN_WORDS = { online: "online", auth: "online", offline: "offline", server: "conn_server", refused: "conn_refused" };

function describe(entry) {
  const f = entry.fields || {};
  const what = f.kind || f.step || f.part_number || f.status || f.outcome || f.fault_cause || "";
  return `#${entry.seq} ${t(`entity_${entry.entity}`)} · ${t(`op_${entry.op}`)}${what ? ` · ${String(what).slice(0, 40)}` : ""}`;
}

function fieldErrors(error) {
  const out = [];
  const walk = (obj, prefix = "") => {
    for (const [k, v] of Object.entries(obj || {})) {
      if (Array.isArray(v)) out.push(`${prefix}${k}: ${v.join(" ")}`);
      else if (v && typeof v === "object") walk(v, `${prefix}${k}.`);
    }
  };
  walk(error?.errors);
  return out;
}

function fixForm(ctx, row) {
  const given = row.entry.fields;
  const editable = given && typeof given === "object" && !Array.isArray(given) ? given : {}; // damaged on the phone: nothing to edit
  const inputs = Object.entries(editable).map(([name, value]) => {
    const isText = typeof value === "string" || value === null;
    const id = `fix-${row.id.slice(0, 8)}-${name}`;
    return h("label", { class: "field", for: id }, h("span", {}, name),
      h("input", { type: "text", id, name, value: isText ? (value ?? "") : JSON.stringify(value), "data-json": isText ? null : "true" }));
  });
  const form = h("form", { class: "card", hidden: true }, inputs,
    h("button", { type: "submit", class: "btn primary block" }, t("resend")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const fields = {};
    try {
      for (const input of form.querySelectorAll("input")) {
        const original = editable[input.name];
        fields[input.name] = input.dataset.json ? JSON.parse(input.value) : (input.value === "" && original === null ? null : input.value);
      }
    } catch {
      return notify(t("fix_bad_json"), { error: true });
    }
    return act(ctx, () => resendRejected(row.id, fields));
  });
  return form;
}

/** The sync screen. */
export async function render(ctx) {
  const [status, pending, rejected] = await Promise.all([syncStatus(), pendingEntries(200), rejectedEntries()]);
  const syncButton = h("button", {
    type: "button", class: "btn primary block", id: "sync-now",
    onclick: async () => {
      syncButton.disabled = true;
      const r = await ctx.app.scheduler.run("manual");
      notify(r?.ok ? t("sync_ok") : errorText(r?.error), { error: !r?.ok });
      await ctx.refresh();
    },
  }, t("sync_now"));
  return h("section", { class: "screen", id: "sync" },
    h("h1", { tabindex: "-1" }, t("sync_title")),
    h("dl", { class: "facts card" },
      h("dt", {}, t("connection")), h("dd", { id: "sync-online", "data-connection": status.connection }, t(CONN_WORDS[status.connection])),
      h("dt", {}, t("pending")), h("dd", { id: "sync-pending" }, String(status.pending)),
      h("dt", {}, t("last_sync")), h("dd", { id: "sync-last" }, status.lastSyncAt ? dateTime(status.lastSyncAt) : t("never_synced")),
      status.error ? [h("dt", {}, t("last_error")), h("dd", { class: status.error.kind === "offline" ? "sub" : "error", id: "sync-error" }, errorText(status.error))] : null),
    status.authNeeded ? h("a", { class: "btn block", href: "/app/login" }, t("sign_in_again")) : null,
    syncButton,
    h("h2", {}, t("rejected_title", { n: rejected.length })),
    rejected.length ? h("ul", { class: "records", id: "rejected-list" }, rejected.map((row) => {
      const form = fixForm(ctx, row);
      return h("li", { "data-id": row.id },
        h("strong", {}, describe(row.entry)),
        h("p", { class: "error" }, reason(row.error)),
        // A stale or mismatched quote is fixed by pricing it again on the quote step.
        row.entry.entity === "fee_quote" && REPRICE_CODES.has(row.error?.code) && row.entry.fields?.work_order_id
          ? h("a", { class: "btn primary block reprice", href: `/app/jobs/${row.entry.fields.work_order_id}/quote` }, t("reprice")) : null,
        fieldErrors(row.error).map((e) => h("p", { class: "sub" }, e)),
        h("div", { class: "actions two" },
          h("button", { type: "button", class: "btn", onclick: () => { form.hidden = !form.hidden; } }, t("fix")),
          h("button", { type: "button", class: "btn danger", onclick: () => act(ctx, () => dismissRejected(row.id)) }, t("dismiss"))),
        form);
    })) : h("p", { class: "sub" }, t("none")),
    h("h2", {}, t("outbox_title", { n: pending.length })),
    pending.length ? h("ol", { class: "records", id: "outbox-list" }, pending.map((e) => h("li", {},
      describe(e), h("div", { class: "sub" }, dateTime(e.at))))) : h("p", { class: "sub" }, t("outbox_empty")));
}
