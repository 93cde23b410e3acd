// Rescheduling (改约) with the customer's consent, or asking the office to reassign (改派)
// when the customer does not agree. Used from every step where a visit can fall through.

import { recordVisit, updateWorkOrder } from "../records.js";
import { t } from "../i18n.js";
import { isoWithOffset } from "../wire.js";
import { h, formValues } from "./dom.js";
import { act, check, field, notify } from "./visitkit.js";
import { bindDraft, clearDraft } from "./drafts.js";

const TO_SCHEDULED = new Set(["assigned", "en_route", "on_site", "awaiting_parts"]);

function localInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

/** The reschedule form and the reassignment request for one job. */
export function rescheduleCard(ctx, bundle, { reasonHint = "" } = {}) {
  const { wo } = bundle;
  const start = new Date(Date.now() + 24 * 3600 * 1000);
  start.setMinutes(0, 0, 0);
  const form = h("form", { class: "card", id: "reschedule-form", novalidate: true },
    h("h2", { id: "reschedule" }, t("reschedule_title")),
    field("new_start", t("new_start"), { type: "datetime-local", value: localInput(start), required: true }),
    field("new_end", t("new_end"), { type: "datetime-local", value: localInput(new Date(start.getTime() + 3600 * 1000)), required: true }),
    field("reason", t("reschedule_reason"), { value: reasonHint, required: true, maxlength: 500 }),
    check("consent", t("customer_consents_reschedule")),
    h("p", { class: "error", role: "alert", id: "reschedule-error" }),
    h("div", { class: "actions" },
      h("button", { class: "btn primary block", type: "submit", id: "reschedule-save" }, t("reschedule_save")),
      h("button", { class: "btn block", type: "button", id: "reassign", onclick: () => reassign() }, t("ask_reassignment"))));
  const errorEl = form.querySelector("#reschedule-error");
  const key = `reschedule:${wo.id}`;
  bindDraft(key, form);

  const reassign = () => {
    const v = formValues(form);
    if (!v.reason.trim()) return (errorEl.textContent = t("reason_required"));
    return act(ctx, async () => {
      await recordVisit(wo.id, "visit_event", { kind: "reassignment_requested", note: v.reason.trim(), data: { customer_consent: false } });
      await clearDraft(key);
      notify(t("reassignment_sent"));
    });
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    const s = new Date(v.new_start);
    const en = new Date(v.new_end);
    if (!v.reason.trim()) return (errorEl.textContent = t("reason_required"));
    if (Number.isNaN(s.getTime()) || Number.isNaN(en.getTime()) || en <= s) return (errorEl.textContent = t("bad_window"));
    if (!v.consent) return (errorEl.textContent = t("consent_required"));
    errorEl.textContent = "";
    return act(ctx, async () => {
      const newStart = isoWithOffset(s);
      const newEnd = isoWithOffset(en);
      await recordVisit(wo.id, "visit_event", {
        kind: "rescheduled", note: v.reason.trim(),
        data: { new_start: newStart, new_end: newEnd, reason: v.reason.trim(), customer_consent: true },
      });
      const changes = { appointment_start: newStart, appointment_end: newEnd };
      if (TO_SCHEDULED.has(bundle.wo.status)) changes.status = "scheduled";
      await updateWorkOrder(wo.id, changes);
      await clearDraft(key);
      notify(t("rescheduled_ok"));
    }, { button: form.querySelector("#reschedule-save") });
  });
  return form;
}
