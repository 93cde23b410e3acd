// The visit, step by step (domain.md, seed 003): which steps there are and which are
// done, derived from the records alone so a reload or another device agrees.

import { live } from "./records.js";

/** The visit's steps in order; each is a screen under /app/jobs/<id>/<step>. The quote and
 * the customer's consent come before the repair [seed 003 §三(五)2, §三(七)1; issue #13]. */
export const STEPS = [
  "accept", "kit", "travel", "door", "enter", "diagnosis", "quote", "parts", "checks", "outcome", "handover", "complete",
];

/** The standard kit list checked before departure [seed 003 §三(三)1]. */
export const KIT = [
  "kit_tools", "kit_parts", "kit_gloves", "kit_shoe_covers", "kit_floor_cloth",
  "kit_forms", "kit_receipts", "kit_fee_schedule", "kit_note_slips", "kit_id_badge",
];

/** Checks on entering the home [seed 003 §三(四)3]. */
export const ENTRY_CHECKS = ["introduced", "identity_confirmed", "badge_shown"];

/** The checks after the work: the test run [seed 003 §三(五)2(4)] and the customer's training [§三(六)]. */
export const AFTER_CHECKS = ["test_run", "training"];

/** The built-in per job-type checklists, used until the phone has pulled the server's
 * (sync entity `job_checklist`, from server/domain/checklists.json; a test checks the two agree).
 * An installation confirms where the unit goes first and checks it after [seed 003 §三(五)2];
 * a replacement explains the conditions [§三(五)2(3)]; a consultation carries no parts. */
export const CHECKLISTS = {
  repair: { kit: KIT, entry: ENTRY_CHECKS, checks: AFTER_CHECKS },
  installation: {
    kit: KIT, entry: [...ENTRY_CHECKS, "install_location_confirmed"], checks: ["install_location_respected", ...AFTER_CHECKS],
  },
  replacement: { kit: KIT, entry: ENTRY_CHECKS, checks: ["replacement_terms_explained", ...AFTER_CHECKS] },
  consultation: { kit: KIT.filter((k) => k !== "kit_parts"), entry: ENTRY_CHECKS, checks: AFTER_CHECKS },
};

/** This job's checklists: the synced record for its type when there is one, else the built-in lists. */
export function checklistFor(wo, synced = null) {
  if (synced && Array.isArray(synced.kit) && Array.isArray(synced.entry) && Array.isArray(synced.checks)) {
    return { kit: synced.kit, entry: synced.entry, checks: synced.checks };
  }
  return CHECKLISTS[wo?.type] || CHECKLISTS.repair;
}

/** The checks on entering for this job (the synced checklist's when given). */
export function entryChecks(wo, synced = null) {
  return checklistFor(wo, synced).entry;
}

/** Outcomes of the visit and the visit event each records. */
export const OUTCOMES = {
  fixed: "fixed",
  return_to_factory: "returned_to_factory",
  awaiting_parts: "awaiting_parts",
  refused: "refused",
  not_fixed: "not_fixed", // 未修复: the server's outcome vocabulary (server/models Outcome), one for one
};

/** Work-order status once the visit is completed, by outcome. */
export const STATUS_AFTER = {
  fixed: "completed",
  refused: "completed",
  not_fixed: "completed",
  awaiting_parts: "awaiting_parts",
  return_to_factory: "returned_to_factory",
};

const DOOR_OUTCOMES = ["door_answered", "note_left", "rescheduled"];

/** Visit events of one kind. */
export function events(records, kind) {
  return live(records).filter((r) => r.entity === "visit_event" && r.kind === kind);
}

/** True when an event of `kind` was recorded. */
export function has(records, kind) {
  return events(records, kind).length > 0;
}

/** The latest checklist answer per step. */
export function answers(records) {
  const out = {};
  for (const r of live(records)) if (r.entity === "checklist_answer") out[r.step] = r;
  return out;
}

/** The latest consented, not voided fee quote, or null. */
export function consentedQuote(records) {
  return live(records).filter((r) => r.entity === "fee_quote" && r.consented).pop() || null;
}

/** The latest live fee quote (consented or refused), or null. */
export function latestQuote(records) {
  return live(records).filter((r) => r.entity === "fee_quote").pop() || null;
}

/** The live payment of the visit, or null. */
export function paymentOf(records) {
  return live(records).filter((r) => r.entity === "payment").pop() || null;
}

/** True when the customer agreed to pay something and no payment (or "not collected") is recorded yet. */
export function paymentDue(records) {
  const quote = consentedQuote(records);
  return !!quote && Number(quote.total) > 0 && !paymentOf(records);
}

/** True when the customer refused the quote and the visit ends without a repair. */
export function endedRefused(wo) {
  return wo.outcome === "refused";
}

/** step -> done? for one visit. */
export function stepsDone(wo, records) {
  const rows = live(records);
  const a = answers(records);
  const any = (entity) => rows.some((r) => r.entity === entity);
  return {
    accept: has(records, "accepted") || has(records, "appointment_confirmed"),
    kit: has(records, "kit_checked"),
    // Arriving late is done only once the apology is recorded [003 (四)3(1); issue #15].
    travel: has(records, "arrived") && (!events(records, "arrived").at(-1)?.data?.late || has(records, "late_apology")),
    door: DOOR_OUTCOMES.some((k) => has(records, k)),
    enter: has(records, "entered"),
    diagnosis: any("diagnosis"),
    // A refused quote ends the visit with outcome `refused`: no repair, so no parts or test run.
    quote: !!consentedQuote(records) || has(records, "escalated") || endedRefused(wo),
    parts: any("part_fitted") || a.parts_none?.value === "none" || endedRefused(wo),
    checks: (has(records, "test_run_ok") && has(records, "training_done")) || endedRefused(wo),
    outcome: !!wo.outcome,
    handover: any("sign_off") || has(records, "sign_off_declined"),
    complete: has(records, "completed"),
  };
}

/** The first step not done yet (or the last one). */
export function nextStep(wo, records) {
  const done = stepsDone(wo, records);
  return STEPS.find((s) => !done[s]) || STEPS[STEPS.length - 1];
}

/** The step after `step`, or null at the end. */
export function stepAfter(step) {
  const i = STEPS.indexOf(step);
  return i >= 0 && i < STEPS.length - 1 ? STEPS[i + 1] : null;
}

/** True when arriving at `arrivedAt` is later than the appointment start plus `graceMinutes`:
 * the server's one on-time rule (config ON_TIME_GRACE_MINUTES, handed over in the shell config),
 * the same one its KPIs judge the arrival by. */
export function isLate(wo, arrivedAt = new Date(), graceMinutes = 0) {
  return !!wo.appointment_start && arrivedAt.getTime() > new Date(wo.appointment_start).getTime() + graceMinutes * 60000;
}

/** True when the visit ended without the fault fully fixed (a follow-up call is due) [003]. */
export function needsFollowUp(wo) {
  return !!wo.outcome && wo.outcome !== "fixed";
}

/** Sort key for today's list: appointment time, then priority. */
export function byAppointment(a, b) {
  const rank = { urgent: 0, important: 1, normal: 2 };
  const ta = a.wo.appointment_start ? Date.parse(a.wo.appointment_start) : Infinity;
  const tb = b.wo.appointment_start ? Date.parse(b.wo.appointment_start) : Infinity;
  return ta - tb || (rank[a.wo.priority] ?? 3) - (rank[b.wo.priority] ?? 3) || a.wo.ticket_no.localeCompare(b.wo.ticket_no);
}

/** True when the date is the device's today. */
export function isToday(iso, now = new Date()) {
  if (!iso) return false;
  const d = new Date(iso);
  return d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
}

/** Statuses in which the technician still has something to do on the job. */
export const ACTIVE = new Set(["assigned", "scheduled", "en_route", "on_site", "awaiting_parts"]);
