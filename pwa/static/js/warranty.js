// Who pays for the visit, as the phone shows it: the rule of server/services/coverage.py
// (money_contract.md "Coverage"). The office's decision wins; else the product in warranty
// and no live `warranty_void` (human damage with its photo, or a consumable: seed 000 §二(一)1).

export const VOID_REASONS = ["human_damage", "consumable"];
export const NEEDS_PHOTO = new Set(["human_damage"]);

/** The reason of the live warranty_void events among a job's records (human damage first), or null. */
export function voidReason(records) {
  const reasons = records
    .filter((r) => r.entity === "visit_event" && r.kind === "warranty_void" && !r.deleted && !r.rejected)
    .map((r) => r.data?.reason)
    .filter(Boolean);
  if (!reasons.length) return null;
  return reasons.includes("human_damage") ? "human_damage" : reasons[0];
}

/** The service area's day (UTC+8, server/domain/service_day.py) as an ISO date. */
export function serviceDay(now = new Date()) {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** The product is in warranty on the service day (its end date, as the server judges; else the pull's flag). */
export function productInWarranty(product, now = new Date()) {
  const end = product?.warranty_end;
  if (end) return serviceDay(now) <= end;
  return !!product?.in_warranty; // an older pull without the end date
}

/**
 * {covered, why, decision, reason}: why is "decision" | "human_damage" | "consumable" |
 * "in_warranty" | "out_of_warranty". The one rule the badge, the diagnosis screen and the
 * prices (fees.js visitCovered) share.
 */
export function warrantyState(wo, product, records, now = new Date()) {
  const reason = voidReason(records || []);
  const decision = wo?.warranty_decision || null;
  if (decision) return { covered: decision === "covered", why: "decision", decision, reason };
  if (!productInWarranty(product, now)) return { covered: false, why: "out_of_warranty", decision, reason };
  if (reason) return { covered: false, why: reason, decision, reason };
  return { covered: true, why: "in_warranty", decision, reason };
}

/** The warranty_void event's fields; null when human damage has no photo (the server would refuse it). */
export function voidEvent(reason, photoId = null, note = null) {
  if (!VOID_REASONS.includes(reason)) return null;
  if (NEEDS_PHOTO.has(reason) && !photoId) return null;
  return { kind: "warranty_void", note: note || null, data: { reason, photo_id: photoId || null } };
}
