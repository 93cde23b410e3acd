import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb } from "./helpers.mjs";
import { getMeta, put, get, getAll } from "../../pwa/static/js/db.js";
import { enqueue, pendingEntries, pendingCount, acknowledge, rejectedEntries, resendRejected, dismissRejected } from "../../pwa/static/js/outbox.js";
import { recordVisit, updateWorkOrder, voidRecord, SealedError, jobBundle } from "../../pwa/static/js/records.js";
import { parsePushResponse } from "../../pwa/static/js/wire.js";

const WO = "11111111-1111-4111-8111-111111111111";
beforeEach(async () => {
  await freshDb();
  await put("work_order", { id: WO, entity: "work_order", version: 3, ticket_no: "SR-1", status: "assigned", outcome: null });
});

function response(entries, status = "applied", extra = {}) {
  return parsePushResponse({
    last_seq: Math.max(...entries.map((e) => e.seq)),
    results: entries.map((e) => ({ seq: e.seq, id: e.id, status, version: 1, error: null, conflict: null, ...extra })),
  });
}

test("seqs count up from 1 with no gaps, in the same transaction as the entry", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  await recordVisit(WO, "checklist_answer", { step: "kit_tools", value: "ok" });
  await enqueue([{ entity: "visit_event", entityId: crypto.randomUUID(), op: "create", fields: { work_order_id: WO, kind: "departed" } }]);
  const entries = await pendingEntries();
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3]);
  assert.equal(await getMeta("seq"), 3);
  assert.equal(new Set(entries.map((e) => e.id)).size, 3, "each mutation has its own id");
  assert.match(entries[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
});

test("a failed transaction adds no entry and burns no seq", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  await assert.rejects(updateWorkOrder("no-such-order", { status: "scheduled" }));
  await recordVisit(WO, "visit_event", { kind: "kit_checked" });
  assert.deepEqual((await pendingEntries()).map((e) => e.seq), [1, 2]);
});

test("entries leave the outbox only when acknowledged, rejected ones move aside with the reason", async () => {
  const a = await recordVisit(WO, "visit_event", { kind: "accepted" });
  const b = await recordVisit(WO, "diagnosis", { fault_cause: "", customer_visible: true });
  await recordVisit(WO, "visit_event", { kind: "departed" });
  const sent = (await pendingEntries()).slice(0, 2);
  const parsed = parsePushResponse({
    last_seq: 2,
    results: [
      { seq: 1, id: sent[0].id, status: "applied", version: 1, error: null, conflict: null },
      { seq: 2, id: sent[1].id, status: "rejected", version: null, error: { message: "Invalid fields: fault_cause", errors: { fields: { fault_cause: ["Required."] } } }, conflict: null },
    ],
  });
  assert.deepEqual(await acknowledge(sent, parsed), { accepted: 1, rejected: 1 });
  assert.deepEqual((await pendingEntries()).map((e) => e.seq), [3], "the unsent entry stays");
  assert.equal((await get("records", a.id)).synced, true);
  assert.equal((await get("records", b.id)).rejected, true);
  const [rej] = await rejectedEntries();
  assert.equal(rej.entry.entity_id, b.id);
  assert.equal(rej.error.message, "Invalid fields: fault_cause");
});

test("a response without a result for an entry leaves it queued (nothing marked pushed that was not)", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  await recordVisit(WO, "visit_event", { kind: "departed" });
  const sent = await pendingEntries();
  const partial = parsePushResponse({ last_seq: 1, results: [{ seq: 1, id: sent[0].id, status: "applied", version: 1 }] });
  await acknowledge(sent, partial);
  assert.deepEqual((await pendingEntries()).map((e) => e.seq), [2]);
  // A result whose id does not match the entry sent is not an acknowledgement of it.
  const wrong = parsePushResponse({ last_seq: 2, results: [{ seq: 2, id: crypto.randomUUID(), status: "applied", version: 1 }] });
  await acknowledge(await pendingEntries(), wrong);
  assert.equal(await pendingCount(), 1);
});

test("a rejected entry can be fixed and resent as a new mutation with the next seq", async () => {
  const d = await recordVisit(WO, "diagnosis", { fault_cause: "", customer_visible: true });
  const sent = await pendingEntries();
  await acknowledge(sent, response(sent, "rejected", { error: { message: "bad" } }));
  const [rej] = await rejectedEntries();
  const again = await resendRejected(rej.id, { work_order_id: WO, fault_cause: "电容损坏", customer_visible: true });
  assert.equal(again.seq, 2);
  assert.notEqual(again.id, sent[0].id);
  assert.equal(again.entity_id, d.id, "the same record, created again");
  assert.equal((await rejectedEntries()).length, 0);
  const record = await get("records", d.id);
  assert.equal(record.fault_cause, "电容损坏");
  assert.equal(record.rejected, false);
});

test("a rejected entry can be dismissed", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  const sent = await pendingEntries();
  await acknowledge(sent, response(sent, "rejected", { error: { message: "no" } }));
  await dismissRejected(sent[0].id);
  assert.equal((await rejectedEntries()).length, 0);
});

test("work-order updates send the version last pulled, and revert when rejected", async () => {
  await updateWorkOrder(WO, { status: "scheduled" });
  await updateWorkOrder(WO, { status: "en_route" });
  const [first, second] = await pendingEntries();
  assert.equal(first.base_version, 3);
  assert.equal(second.base_version, 3, "a second offline edit has still seen only version 3 (issue #12, finding 4)");
  assert.deepEqual(first.fields, { status: "scheduled" });
  assert.equal((await get("work_order", WO)).status, "en_route");
  await acknowledge([first], response([first], "applied", { version: 9 }));
  assert.equal((await get("work_order", WO)).version, 3, "the version a push produced is not the version pulled");
  await acknowledge([second], response([second], "rejected", { error: { message: "cannot go" } }));
  const wo = await get("work_order", WO);
  assert.equal(wo.status, "scheduled", "the rejected change is undone locally");
  assert.equal(wo.version, 3);
});

test("a corrected copy of a rejected update also sends the version last pulled", async () => {
  await put("work_order", { id: WO, entity: "work_order", version: 3, server_version: 3, ticket_no: "SR-1", status: "assigned", outcome: null });
  await updateWorkOrder(WO, { outcome: "fixed" });
  const [sent] = await pendingEntries();
  await acknowledge([sent], response([sent], "rejected", { error: { message: "no" } }));
  await updateWorkOrder(WO, { status: "scheduled" });
  await resendRejected(sent.id, { outcome: "not_fixed" });
  assert.deepEqual((await pendingEntries()).map((e) => e.base_version), [3, 3]);
});

test("an update that changes nothing queues nothing", async () => {
  await updateWorkOrder(WO, { status: "assigned", outcome: null });
  assert.equal(await pendingCount(), 0);
});

test("after the customer signs, signed content is sealed on the device", async () => {
  const part = await recordVisit(WO, "part_fitted", { part_number: "PCB-220", quantity: 1, unit_price: "0.00", under_warranty: true });
  await updateWorkOrder(WO, { outcome: "fixed" });
  await recordVisit(WO, "sign_off", { signer_name: "张伟", rating_quality: 5, rating_attitude: 5, signature_sha256: "a".repeat(64), summary_sha256: "b".repeat(64) });
  await assert.rejects(recordVisit(WO, "part_fitted", { part_number: "X", quantity: 1, unit_price: "1.00", under_warranty: false }), SealedError);
  await assert.rejects(recordVisit(WO, "fee_quote", { lines: [], total: "0.00", consented: true }), SealedError);
  await assert.rejects(recordVisit(WO, "diagnosis", { fault_cause: "x", customer_visible: true }), SealedError);
  await assert.rejects(voidRecord(part.id), SealedError);
  await assert.rejects(updateWorkOrder(WO, { outcome: "refused" }), SealedError);
  await assert.rejects(recordVisit(WO, "sign_off", { signer_name: "again", rating_quality: 1, rating_attitude: 1, signature_sha256: "c".repeat(64), summary_sha256: "d".repeat(64) }), SealedError);
  // Internal notes and later steps are still allowed.
  await recordVisit(WO, "diagnosis", { fault_cause: "内部备注", customer_visible: false });
  await recordVisit(WO, "visit_event", { kind: "service_card_given" });
  await updateWorkOrder(WO, { status: "completed" });
  const bundle = await jobBundle(WO);
  assert.equal(bundle.records.length, 4);
});

test("voiding a record before sign-off queues a delete", async () => {
  const d = await recordVisit(WO, "diagnosis", { fault_cause: "x", customer_visible: true });
  await voidRecord(d.id);
  const entries = await pendingEntries();
  assert.deepEqual(entries.map((e) => e.op), ["create", "delete"]);
  assert.equal((await get("records", d.id)).deleted, true);
});

test("a photo's blob is stored with its record and referenced by the entry", async () => {
  const bytes = new TextEncoder().encode("jpeg bytes").buffer;
  await recordVisit(WO, "photo", { blob_sha256: "e".repeat(64), caption: "铭牌" }, { blob: { sha256: "e".repeat(64), type: "image/jpeg", bytes } });
  const [entry] = await pendingEntries();
  assert.deepEqual(entry.blobs, ["e".repeat(64)]);
  const [blob] = await getAll("blobs");
  assert.equal(blob.uploaded, false);
  assert.equal(blob.type, "image/jpeg");
});
