// The 3-hour call-back after a visit not fully fixed (seed 003 §三(九)1: 由维修工3小时后回访):
// pulled read-only from the server onto the repairing technician's phone; the outcome is a
// `call_back_done` visit event recorded into the outbox, so it works offline like any record.

import { byIndex } from "../db.js";
import { live, recordVisit } from "../records.js";
import { dateTime, t } from "../i18n.js";
import { h, formValues } from "./dom.js";
import { act, field } from "./visitkit.js";

const OUTCOMES = ["satisfied", "dissatisfied", "unreachable"];

/** The call-backs of a job that are still to be made (none already answered on this phone). */
export function openCallBacks(records) {
  const rows = live(records);
  const answered = new Set(rows.filter((r) => r.entity === "visit_event" && r.kind === "call_back_done")
    .map((r) => r.data?.call_back_id));
  return rows.filter((r) => r.entity === "call_back" && r.status === "open" && !answered.has(r.id));
}

/** For the job list: work order id -> the earliest due time of its call-backs still to make. */
export async function dueCallBacks() {
  const [calls, events] = await Promise.all([byIndex("records", "entity", "call_back"), byIndex("records", "entity", "visit_event")]);
  const due = new Map();
  for (const call of openCallBacks([...calls, ...events])) {
    const prev = due.get(call.work_order_id);
    if (!prev || call.due_at < prev) due.set(call.work_order_id, call.due_at);
  }
  return due;
}

function answeredHere(records, call) {
  return live(records).find((r) => r.entity === "visit_event" && r.kind === "call_back_done" && r.data?.call_back_id === call.id);
}

function outcomeForm(ctx, wo, call) {
  const form = h("form", { class: "callback-form", "data-call-back": call.id, novalidate: true },
    h("label", {}, t("callback_outcome"),
      h("select", { name: "outcome", required: true, id: `callback-outcome-${call.id}` },
        h("option", { value: "" }, t("callback_choose")),
        OUTCOMES.map((o) => h("option", { value: o }, t(`callback_outcome_${o}`))))),
    field("note", t("callback_note"), { multiline: true, maxlength: 2000, id: `callback-note-${call.id}` }),
    h("p", { class: "error", role: "alert" }),
    h("button", { class: "btn primary block", type: "submit" }, t("callback_save")));
  const errorEl = form.querySelector(".error");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!v.outcome) return (errorEl.textContent = t("callback_choose_outcome"));
    // Seed 003 §三(九)1: a dissatisfied customer's reason is written down for the after-sales department.
    if (v.outcome === "dissatisfied" && !v.note.trim()) return (errorEl.textContent = t("callback_reason_required"));
    errorEl.textContent = "";
    return act(ctx, () => recordVisit(wo.id, "visit_event", {
      kind: "call_back_done", note: v.note.trim() || null, data: { call_back_id: call.id, outcome: v.outcome },
    }));
  });
  return form;
}

/** The job screen's call-back card: due time, the customer's number, and the outcome form. */
export function callBackCard(ctx, bundle) {
  const { wo, records } = bundle;
  const calls = live(records).filter((r) => r.entity === "call_back");
  if (!calls.length) return null;
  return h("div", { class: "card", id: "call-backs" },
    h("h2", {}, t("callback_title")),
    h("ul", { class: "records" }, calls.map((call) => {
      const mine = answeredHere(records, call);
      const overdue = call.status === "open" && new Date(call.due_at) < new Date();
      return h("li", { "data-call-back": call.id, "data-status": mine ? "recorded" : call.status },
        h("strong", {}, t("callback_due", { time: dateTime(call.due_at) })), " ",
        overdue && !mine ? h("span", { class: "badge bad" }, t("callback_overdue")) : null,
        call.status !== "open"
          ? h("div", { class: "sub" }, t("callback_done", { outcome: t(`callback_outcome_${call.outcome}`) }))
          : mine
            ? h("div", { class: "sub" }, t("callback_recorded", { outcome: t(`callback_outcome_${mine.data.outcome}`) }))
            : outcomeForm(ctx, wo, call));
    })));
}
