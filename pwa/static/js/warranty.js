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

/** {covered, why, decision, reason}: why is "decision" | "human_damage" | "consumable" | "in_warranty" | "out_of_warranty". */
export function warrantyState(wo, product, records) {
  const reason = voidReason(records);
  const decision = wo?.warranty_decision || null;
  if (decision) return { covered: decision === "covered", why: "decision", decision, reason };
  if (!product?.in_warranty) return { covered: false, why: "out_of_warranty", decision, reason };
  if (reason) return { covered: false, why: reason, decision, reason };
  return { covered: true, why: "in_warranty", decision, reason };
}

/** The warranty_void event's fields; null when human damage has no photo (the server would refuse it). */
export function voidEvent(reason, photoId = null, note = null) {
  if (!VOID_REASONS.includes(reason)) return null;
  if (NEEDS_PHOTO.has(reason) && !photoId) return null;
  return { kind: "warranty_void", note: note || null, data: { reason, photo_id: photoId || null } };
}
