import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSummary, canonicalJson, sha256Hex, summarySha256 } from "../../pwa/static/js/summary.js";

// Computed with server/domain/signed_summary.py (canonical_json, summary_sha256).
const VECTOR = {
  summary: {
    v: 1, work_order_id: "7d3c1a52-0000-4000-8000-000000000001", ticket_no: "SR-20261123-0001", outcome: "fixed",
    diagnoses: [{ id: "a1", fault_cause: "压缩机启动电容损坏 \"C2\"\n", repair_method: null }],
    parts: [{ id: "b1", part_number: "PCB-220", serial_fitted: "SN-新-001", serial_removed: null, quantity: 1, unit_price: "180.00", under_warranty: false }],
    fees: [{ id: "c1", lines: [{ kind: "call_out", description: "上门费", amount: "50.00" }, { kind: "part", description: "主控板 ×1 😀\t\u001f/", amount: "180.00" }], total: "230.00", consented: true }],
  },
  json: '{"diagnoses":[{"fault_cause":"压缩机启动电容损坏 \\"C2\\"\\n","id":"a1","repair_method":null}],"fees":[{"consented":true,"id":"c1","lines":[{"amount":"50.00","description":"上门费","kind":"call_out"},{"amount":"180.00","description":"主控板 ×1 😀\\t\\u001f/","kind":"part"}],"total":"230.00"}],"outcome":"fixed","parts":[{"id":"b1","part_number":"PCB-220","quantity":1,"serial_fitted":"SN-新-001","serial_removed":null,"under_warranty":false,"unit_price":"180.00"}],"ticket_no":"SR-20261123-0001","v":1,"work_order_id":"7d3c1a52-0000-4000-8000-000000000001"}',
  sha256: "1a5ef2bcd1ae72272618f70b8f3e061d42c22c12db7859ab0a9373739f7496f5",
};

test("canonical JSON matches Python's json.dumps(sort_keys, compact, ensure_ascii=False)", async () => {
  assert.equal(canonicalJson(VECTOR.summary), VECTOR.json);
  assert.equal(await summarySha256(VECTOR.summary), VECTOR.sha256);
});

test("keys sort by code point, integer-like keys included (JSON.stringify would not)", () => {
  assert.equal(canonicalJson({ b: 1, 10: 2, 9: 3, a: [true, null] }), '{"10":2,"9":3,"a":[true,null],"b":1}');
  assert.equal(canonicalJson({ "\u{1F600}": 1, "\uFFFF": 2 }), '{"\uFFFF":2,"\u{1F600}":1}');
});

test("sha256 of bytes and of text", async () => {
  assert.equal(await sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(await sha256Hex(new Uint8Array([97, 98, 99])), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("the summary holds customer-visible diagnoses, live parts and fees, sorted by id, money normalised", () => {
  const wo = { id: "wo", ticket_no: "SR-9", outcome: undefined };
  const records = [
    { id: "d2", entity: "diagnosis", fault_cause: "shown", customer_visible: true },
    { id: "d1", entity: "diagnosis", fault_cause: "internal", customer_visible: false },
    { id: "d0", entity: "diagnosis", fault_cause: "voided", customer_visible: true, deleted: true },
    { id: "p2", entity: "part_fitted", part_number: "B", quantity: 2, unit_price: 12.5, under_warranty: 0 },
    { id: "p1", entity: "part_fitted", part_number: "A", serial_fitted: "S1", unit_price: "0", under_warranty: true },
    { id: "p0", entity: "part_fitted", part_number: "R", unit_price: "1.00", rejected: true },
    { id: "f1", entity: "fee_quote", lines: [{ kind: "labour", description: "工时", amount: "80" }], total: 80, consented: false },
    { id: "e1", entity: "visit_event", kind: "fixed" },
  ];
  assert.deepEqual(buildSummary(wo, records), {
    v: 1, work_order_id: "wo", ticket_no: "SR-9", outcome: null,
    diagnoses: [{ id: "d2", fault_cause: "shown", repair_method: null }],
    parts: [
      { id: "p1", part_number: "A", serial_fitted: "S1", serial_removed: null, quantity: 1, unit_price: "0.00", under_warranty: true },
      { id: "p2", part_number: "B", serial_fitted: null, serial_removed: null, quantity: 2, unit_price: "12.50", under_warranty: false },
    ],
    fees: [{ id: "f1", lines: [{ kind: "labour", description: "工时", amount: "80.00" }], total: "80.00", consented: false }],
  });
});

test("any change to signed content changes the hash", async () => {
  const base = structuredClone(VECTOR.summary);
  const h0 = await summarySha256(base);
  base.parts[0].serial_fitted = "SN-新-002";
  assert.notEqual(await summarySha256(base), h0);
});
