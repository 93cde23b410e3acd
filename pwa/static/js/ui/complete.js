// Step 12: the service card (the company's service phone, never a personal one), a
// follow-up flagged when the fault is not fully fixed, and completion of the job.

import { recordMany, recordVisit, updateWorkOrder } from "../records.js";
import { t } from "../i18n.js";
import { STATUS_AFTER, has, needsFollowUp, paymentDue } from "../visit.js";
import { isoWithOffset } from "../wire.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { followUpRequestCard } from "./followup.js";
import { actionButton, loadJob, stepPage } from "./visitkit.js";

const FOLLOW_UP_HOURS = 3;

/** The completion screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records, signed } = bundle;
  const phone = ctx.app.config.service_phone;
  const cardGiven = has(records, "service_card_given");
  const flagged = has(records, "follow_up_flagged");
  const completed = has(records, "completed");
  // Completion needs the customer's signature or their recorded refusal to sign (seed 003 §三(十一)).
  const declined = has(records, "sign_off_declined");
  const followUp = needsFollowUp(wo);
  const flag = () => recordVisit(wo.id, "visit_event", {
    kind: "follow_up_flagged",
    note: t("follow_up_note", { outcome: t(`outcome_${wo.outcome}`) }),
    data: { due: isoWithOffset(new Date(Date.now() + FOLLOW_UP_HOURS * 3600 * 1000)), outcome: wo.outcome },
  });
  // The money is accounted for before the job closes: paid, or "not collected" with its reason for the office.
  const blockers = [!wo.outcome && t("complete_needs_outcome"), !signed && !declined && t("complete_needs_signoff"),
    paymentDue(records) && t("complete_needs_payment")].filter(Boolean);
  return stepPage(bundle, "complete",
    h("div", { class: "card", id: "service-card" },
      h("h2", {}, t("service_card")),
      h("p", {}, t("service_card_hint")),
      h("a", { class: "bigtel", href: `tel:${phone.replace(/[^\d+]/g, "")}`, id: "service-phone" }, icon("phone"), " ", phone),
      actionButton(ctx, cardGiven ? [icon("check"), " ", t("service_card_given")] : t("service_card_given"), () => recordMany(wo.id, [
        { entity: "checklist_answer", fields: { step: "service_card", value: "given", note: null } },
        { entity: "visit_event", fields: { kind: "service_card_given", note: null } },
      ]), { id: "card-given", primary: !cardGiven, disabled: cardGiven })),
    followUp ? h("div", { class: "card warnbox", id: "follow-up" },
      h("h2", {}, t("follow_up")),
      h("p", {}, t("follow_up_hint", { hours: FOLLOW_UP_HOURS })),
      actionButton(ctx, flagged ? [icon("check"), " ", t("follow_up_flagged")] : t("flag_follow_up"), flag, { id: "flag-follow-up", disabled: flagged })) : null,
    followUpRequestCard(ctx, bundle), // another visit booked from the field (issue #15)
    blockers.length && !completed ? h("ul", { class: "warnbox", id: "complete-blockers" }, blockers.map((b) => h("li", {}, b))) : null,
    completed ? h("p", { class: "okmsg", id: "completed" }, icon("check"), " ", t("job_completed")) : actionButton(ctx, t("complete_job"), async () => {
      if (followUp && !flagged) await flag();
      await recordVisit(wo.id, "visit_event", { kind: "completed", note: null });
      if (wo.status === "on_site") await updateWorkOrder(wo.id, { status: STATUS_AFTER[wo.outcome] || "completed" });
    }, { id: "complete-job", primary: true, disabled: blockers.length > 0 }));
}
