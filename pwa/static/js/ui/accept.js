// Step 1: accept the task, confirm the appointment with the customer, or reschedule with
// their consent, or ask the office to reassign [003 (二)].

import { recordVisit, updateWorkOrder } from "../records.js";
import { dateTime, t } from "../i18n.js";
import { has } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { rescheduleCard } from "./reschedule.js";
import { actionButton, callLink, loadJob, stepPage } from "./visitkit.js";

/** The accept / confirm / reschedule screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, records } = bundle;
  const accepted = has(records, "accepted");
  const confirmed = has(records, "appointment_confirmed");
  return stepPage(bundle, "accept",
    h("p", { class: "note" }, t("accept_hint")),
    h("p", { class: "big" }, t("appointment"), ": ", dateTime(wo.appointment_start), " – ", dateTime(wo.appointment_end)),
    h("div", { class: "actions" },
      actionButton(ctx, accepted ? [icon("check"), " ", t("accepted")] : t("accept_job"), () => recordVisit(wo.id, "visit_event", { kind: "accepted" }),
        { id: "accept-job", primary: !accepted, done: accepted }),
      customer ? callLink(customer.phone) : null,
      actionButton(ctx, confirmed ? [icon("check"), " ", t("appointment_confirmed")] : t("confirm_appointment"), async () => {
        await recordVisit(wo.id, "visit_event", { kind: "appointment_confirmed", data: { appointment_start: wo.appointment_start } });
        if (wo.status === "assigned") await updateWorkOrder(wo.id, { status: "scheduled" });
      }, { id: "confirm-appointment", primary: accepted && !confirmed, done: confirmed })),
    rescheduleCard(ctx, bundle));
}
