import { test } from "node:test";
import assert from "node:assert/strict";
import { voidEvent, voidReason, warrantyState } from "../../pwa/static/js/warranty.js";

const voided = (reason, extra = {}) => ({ id: crypto.randomUUID(), entity: "visit_event", kind: "warranty_void", data: { reason }, ...extra });
const inWarranty = { in_warranty: true };

test("in warranty the visit is free unless human damage or a consumable is recorded", () => {
  assert.deepEqual(warrantyState({}, inWarranty, []), { covered: true, why: "in_warranty", decision: null, reason: null });
  assert.equal(warrantyState({}, inWarranty, [voided("consumable")]).why, "consumable");
  assert.equal(warrantyState({}, inWarranty, [voided("consumable"), voided("human_damage")]).why, "human_damage");
  assert.equal(warrantyState({}, inWarranty, [voided("human_damage", { deleted: true })]).covered, true, "a voided record does not count");
  assert.equal(warrantyState({}, inWarranty, [voided("human_damage", { rejected: true })]).covered, true, "nor a rejected one");
  assert.equal(warrantyState({}, { in_warranty: false }, []).why, "out_of_warranty");
  assert.equal(warrantyState({}, null, []).covered, false, "no product on file: chargeable");
});

test("the office's decision wins either way", () => {
  const covered = warrantyState({ warranty_decision: "covered" }, { in_warranty: false }, [voided("human_damage")]);
  assert.deepEqual(covered, { covered: true, why: "decision", decision: "covered", reason: "human_damage" });
  assert.equal(warrantyState({ warranty_decision: "chargeable" }, inWarranty, []).covered, false);
});

test("human damage needs its photo; a consumable does not", () => {
  assert.equal(voidEvent("human_damage"), null);
  assert.deepEqual(voidEvent("human_damage", "p1", "摔裂"), { kind: "warranty_void", note: "摔裂", data: { reason: "human_damage", photo_id: "p1" } });
  assert.deepEqual(voidEvent("consumable"), { kind: "warranty_void", note: null, data: { reason: "consumable", photo_id: null } });
  assert.equal(voidEvent("worn"), null);
  assert.equal(voidReason([]), null);
});
