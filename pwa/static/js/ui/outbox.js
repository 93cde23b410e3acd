// The sync screen: the state of sync, what waits in the outbox and the entries the server
// rejected with its reason (to fix and resend, or to dismiss), grouped by job (ticket,
// customer, product) and said in the technician's words: "Checklist: Repair tools ✓",
// "Part fitted: 2 × Drain pump", "Appointment confirmed", never a code (issue #15).

import { getAll } from "../db.js";
import { dismissRejected, pendingEntries, rejectedEntries, resendRejected } from "../outbox.js";
import { allJobs } from "../records.js";
import { onAnnounce, syncStatus } from "../sync.js";
import { CATALOGUES, dateTime, locale, money, reason, t } from "../i18n.js";
import { errorText } from "./chrome.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { REPRICE_CODES } from "./quote.js";
import { act, notify } from "./visitkit.js";

const CONN_WORDS = { online: "online", auth: "online", offline: "offline", server: "conn_server", refused: "conn_refused" };

/** The catalogue's words for the first of `keys` it has, else null (never the code itself). */
function word(...keys) {
  const catalogue = CATALOGUES[locale()] || CATALOGUES["zh-CN"];
  const key = keys.find((k) => k && k in catalogue);
  return key ? t(key) : null;
}

// Checklist answers that mean "done / fine" and "not done / a problem".
const GOOD = new Set(["ok", "yes", "done", "given", "resolved", "rang_bell_knocked_2x3", "none"]);
const BAD = new Set(["missing", "failed", "no"]);

/** The job an entry belongs to (a work order's own changes are keyed by its id). */
export function jobOf(entry) {
  if (entry.entity === "work_order") return entry.entityId || entry.fields?.id || null;
  const id = entry.fields?.work_order_id;
  return typeof id === "string" ? id : null;
}

/**
 * What an outbox entry is, in the UI language: an array of text and icons, e.g.
 * ["检查项：维修工具 ", <check icon>]. `parts` maps part numbers to catalogue parts.
 */
export function describe(entry, parts = new Map()) {
  const f = entry.fields && typeof entry.fields === "object" ? entry.fields : {};
  const noun = word(`entity_${entry.entity}`) || t("entity_unknown");
  const voiding = entry.op === "delete" ? `${t("op_delete")} · ` : "";
  const label = (text, ...rest) => [voiding, text, ...rest];
  switch (entry.entity) {
    case "visit_event":
      return label(word(`event_${f.kind}`) || noun);
    case "checklist_answer": {
      const item = word(`check_${f.step}`, f.step, `step_${f.step}`);
      const mark = GOOD.has(f.value) ? [" ", icon("check")] : BAD.has(f.value) ? [" ", icon("cross"), " ", word(`check_value_${f.value}`) || ""] : [];
      return label(`${noun}${t("colon")}${item || t("entity_unknown")}`, ...mark);
    }
    case "part_fitted": {
      const part = parts.get(f.part_number);
      const name = part ? (locale() === "en" && part.name_en ? part.name_en : part.name) : f.part_number;
      return label(`${noun}${t("colon")}${t("quantity_of", { n: Number(f.quantity) || 1, name: name || "" })}`);
    }
    case "fee_quote":
      return label(`${noun}${t("colon")}${f.total != null ? money(f.total) : ""}`, f.consented ? [" ", icon("check"), " ", word("event_fee_consented")] : "");
    case "payment":
      return label(`${noun}${t("colon")}${word(`pay_method_${f.method}`) || ""} ${f.amount != null ? money(f.amount) : ""}`.trim());
    case "diagnosis":
      return label(`${noun}${t("colon")}${String(f.fault_cause || "").slice(0, 40)}`);
    case "photo":
      return label(f.caption ? `${noun}${t("colon")}${String(f.caption).slice(0, 40)}` : noun);
    case "work_order": {
      const change = [
        f.status ? word(`status_${f.status}`) : null,
        f.outcome ? word(`outcome_${f.outcome}`) : null,
      ].filter(Boolean).join(" · ");
      return label(change ? `${noun}${t("colon")}${change}` : `${noun} · ${t(`op_${entry.op}`)}`);
    }
    default:
      return label(noun);
  }
}

/** Entries grouped by job, in the order of their first entry: [{woId, rows}]. */
function byJob(rows, entryOf) {
  const groups = new Map();
  for (const row of rows) {
    const id = jobOf(entryOf(row)) || "";
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(row);
  }
  return [...groups].map(([woId, items]) => ({ woId, rows: items }));
}

/** A job's heading: ticket number, customer and product (or "other entries"). */
function jobHeading(woId, jobs) {
  const job = jobs.get(woId);
  if (!job) return [h("h3", {}, woId ? t("sync_job_unknown") : t("sync_other_entries"))];
  const { wo, customer, product } = job;
  return [
    h("h3", {}, h("a", { href: `/app/jobs/${wo.id}` }, wo.ticket_no || t("sync_job_unknown"))),
    h("p", { class: "sub" }, [customer?.name, product ? [product.name, product.model].filter(Boolean).join(" ") : null].filter(Boolean).join(" · ")),
  ];
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
    return h("label", { class: "field", for: id }, h("span", {}, word(name) || name),
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

// The lists follow sync as it runs (entries sent, refused, pulled): redraw shortly after sync
// says something changed, unless the technician is correcting a refused entry.
let following = null;
function follow(ctx) {
  following?.();
  let timer = null;
  const stop = onAnnounce(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const screen = document.getElementById("sync");
      if (!screen) return; // another screen: nothing to redraw (the next sync screen replaces this listener)
      const typing = screen.querySelector("form:not([hidden])") || (screen.contains(document.activeElement) && document.activeElement.matches("input"));
      if (!typing) ctx.refresh();
    }, 300);
  });
  following = () => { clearTimeout(timer); stop(); };
}

/** The sync screen. */
export async function render(ctx) {
  follow(ctx);
  const [status, pending, rejected, jobList, partList] = await Promise.all([
    syncStatus(), pendingEntries(200), rejectedEntries(), allJobs(), getAll("part"),
  ]);
  const jobs = new Map(jobList.map((j) => [j.wo.id, j]));
  const parts = new Map(partList.map((p) => [p.part_number, p]));
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
    rejected.length ? h("div", { id: "rejected-list" }, byJob(rejected, (row) => row.entry).map(({ woId, rows }) =>
      h("section", { class: "sync-job card", "data-job": woId }, jobHeading(woId, jobs),
        h("ul", { class: "records" }, rows.map((row) => {
          const form = fixForm(ctx, row);
          return h("li", { "data-id": row.id },
            h("strong", { class: "what" }, describe(row.entry, parts)),
            h("p", { class: "error why" }, reason(row.error)),
            // A stale or mismatched quote is fixed by pricing it again on the quote step.
            row.entry.entity === "fee_quote" && REPRICE_CODES.has(row.error?.code) && row.entry.fields?.work_order_id
              ? h("a", { class: "btn primary block reprice", href: `/app/jobs/${row.entry.fields.work_order_id}/quote` }, t("reprice")) : null,
            fieldErrors(row.error).map((e) => h("p", { class: "sub" }, e)),
            h("div", { class: "actions two" },
              h("button", { type: "button", class: "btn", onclick: () => { form.hidden = !form.hidden; } }, t("fix")),
              h("button", { type: "button", class: "btn danger", onclick: () => act(ctx, () => dismissRejected(row.id)) }, t("dismiss"))),
            form);
        }))))) : h("p", { class: "sub" }, t("none")),
    h("h2", {}, t("outbox_title", { n: pending.length })),
    pending.length ? h("div", { id: "outbox-list" }, byJob(pending, (e) => e).map(({ woId, rows }) =>
      h("section", { class: "sync-job card", "data-job": woId }, jobHeading(woId, jobs),
        h("ol", {}, rows.map((e) => h("li", { "data-seq": e.seq },
          h("span", { class: "what" }, describe(e, parts)), h("div", { class: "sub" }, dateTime(e.at)))))))) : h("p", { class: "sub" }, t("outbox_empty")));
}
