import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FeeError, canonicalQuote, cents, computeQuote, consentedQuantities, describeLines, labourCents, money,
  partCovered, partPrice, pyStrip, scheduleFrom, serviceDay, visitCovered, withinConsent,
} from "../../pwa/static/js/fees.js";

const schedule = { revision: 2, call_out: "50.00", labour_per_hour: "80.00", parts: { "P-1": ["280.00", "30.00"], "P-2": ["15.50", "0.00"] } };
const fails = (fn, code) => assert.throws(fn, (err) => err instanceof FeeError && err.code === code);

test("cents and money: integer cents, half up, two decimals out", () => {
  assert.equal(cents("12.34"), 1234);
  assert.equal(cents("0.005"), 1);
  assert.equal(cents("0.004"), 0);
  assert.equal(cents("-1.005"), -101);
  assert.equal(cents("7"), 700);
  assert.equal(money(-5), "-0.05");
  assert.equal(money(123456), "1234.56");
});

test("labour is charged per started quarter hour", () => {
  assert.equal(labourCents("80.00", 0), 0);
  assert.equal(labourCents("80.00", 1), 2000);
  assert.equal(labourCents("80.00", 15), 2000);
  assert.equal(labourCents("80.00", 16), 4000);
  assert.equal(labourCents("80.00", -3), 0);
  assert.equal(labourCents("99.99", 15), 2500, "24.9975 rounds half up to 25.00");
});

test("out of warranty: call-out, labour, parts, trade-in, waiver and discount in a fixed order", () => {
  const q = computeQuote(schedule, {
    covered: false, work_minutes: 50,
    parts: [{ part_number: "P-1", quantity: 1, trade_in: true }, { part_number: "P-2", quantity: 2, trade_in: true }],
    adjustments: [{ kind: "discount", reason: " 促销 ", amount: "10.00" }, { kind: "waiver", line: "call_out", reason: "老顾客" }],
  });
  assert.deepEqual(q.lines.map((l) => [l.kind, l.ref, l.quantity, l.amount]), [
    ["call_out", "", 1, "50.00"], ["labour", "", 50, "80.00"], ["part", "P-1", 1, "280.00"], ["trade_in", "P-1", 1, "-30.00"],
    ["part", "P-2", 2, "31.00"], ["waiver", "call_out", 1, "-50.00"], ["discount", "", 1, "-10.00"],
  ]);
  assert.equal(q.lines.at(-1).reason, "促销", "reasons are stripped");
  assert.equal(q.total, "351.00");
  assert.equal(canonicalQuote(describeLines(q, { text: (k) => k, partName: (n) => n })), canonicalQuote(q), "descriptions are not priced");
});

test("in warranty everything is quoted at 0.00 and no trade-in is credited", () => {
  const q = computeQuote(schedule, { covered: true, work_minutes: 90, parts: [{ part_number: "P-1", quantity: 1, trade_in: true }] });
  assert.deepEqual(q.lines.map((l) => l.amount), ["0.00", "0.00", "0.00"]);
  assert.equal(q.total, "0.00");
  const partly = computeQuote(schedule, { covered: false, parts: [{ part_number: "P-1", covered: true }] });
  assert.equal(partly.total, "50.00", "a part replacing one still in its own warranty is free");
});

test("quotes that cannot be priced are refused with the server's reason", () => {
  fails(() => computeQuote(schedule, { covered: false, parts: [{ part_number: "NOPE" }] }), "fees.unknown_part");
  fails(() => computeQuote(schedule, { covered: false, parts: [{ part_number: "P-1", quantity: 0 }] }), "fees.bad_quantity");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [{ kind: "waiver", line: "call_out", reason: "\u3000" }] }), "fees.reason_required");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [{ kind: "waiver", line: "part", reason: "x" }] }), "fees.bad_waiver");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [
    { kind: "waiver", line: "labour", reason: "x" }, { kind: "waiver", line: "labour", reason: "y" }] }), "fees.bad_waiver");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [{ kind: "discount", amount: "50.01", reason: "x" }] }), "fees.bad_discount");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [{ kind: "discount", amount: null, reason: "x" }] }), "fees.bad_discount");
  fails(() => computeQuote(schedule, { covered: false, adjustments: [{ kind: "gift", reason: "x" }] }), "fees.bad_adjustment");
  const big = { ...schedule, call_out: "0.00", parts: { X: ["1.00", "5.00"] } };
  fails(() => computeQuote(big, { covered: false, parts: [{ part_number: "X", trade_in: true }] }), "fees.negative_total");
});

test("Python's strip, not JS trim", () => {
  assert.equal(pyStrip("\x1c a \x85"), "a");
  assert.equal(pyStrip("\ufeffa"), "\ufeffa");
});

test("the schedule: the synced record, else the shell config at revision 0; parts from the catalogue", () => {
  const parts = [{ part_number: "P-1", price: "280.00", trade_in_credit: "30.00" }, { part_number: "P-9", price: "5.00" }];
  const synced = scheduleFrom({ revision: 7, call_out: "60.00", labour_per_hour: "90.00" }, { call_out: "50.00" }, parts);
  assert.equal(synced.revision, 7);
  assert.deepEqual(synced.parts.get("P-9"), ["5.00", "0.00"]);
  const fallback = scheduleFrom(null, { call_out: "50.00", labour_per_hour: "80.00" }, parts);
  assert.deepEqual([fallback.revision, fallback.call_out, fallback.labour_per_hour], [0, "50.00", "80.00"]);
});

test("coverage: the office's decision, else the warranty on the service day and no void event", () => {
  const now = new Date("2026-11-30T20:00:00Z"); // already 1 December in the service area
  assert.equal(serviceDay(now), "2026-12-01");
  const product = { warranty_end: "2026-12-01" };
  assert.equal(visitCovered({}, product, [], now), true);
  assert.equal(visitCovered({}, { warranty_end: "2026-11-30" }, [], now), false);
  assert.equal(visitCovered({}, { warranty_end: null }, [], now), false, "no proof of purchase");
  assert.equal(visitCovered({ warranty_decision: "chargeable" }, product, [], now), false);
  assert.equal(visitCovered({ warranty_decision: "covered" }, { warranty_end: "2020-01-01" }, [], now), true);
  const voidEvent = { id: "v", entity: "visit_event", kind: "warranty_void", data: { reason: "consumable", photo_id: null } };
  assert.equal(visitCovered({}, product, [voidEvent], now), false);
  assert.equal(visitCovered({}, product, [{ ...voidEvent, deleted: true }], now), true, "a voided void does not count");
  const history = { repair_history: [{ parts: [{ part_number: "P-1", serial_fitted: "S1", warranty_end: "2026-12-01" }, { serial_fitted: "S2", warranty_end: "2026-11-30" }] }] };
  assert.equal(partCovered(history, "S1", now), true);
  assert.equal(partCovered(history, "S2", now), false);
  assert.equal(partCovered(history, null, now), false);
  assert.deepEqual(partPrice({ price: "280" }, { covered: false }), { unit_price: "280.00", under_warranty: false });
  assert.deepEqual(partPrice({ price: "280" }, { partIsCovered: true }), { unit_price: "0.00", under_warranty: true });
});

test("consent covers a chargeable part up to the quoted quantity", () => {
  const quote = { parts: [{ part_number: "P-1", quantity: 2 }] };
  assert.deepEqual([...consentedQuantities(quote)], [["P-1", 2]]);
  assert.equal(withinConsent(quote, "P-1", 1, [{ part_number: "P-1", quantity: 1 }]), true);
  assert.equal(withinConsent(quote, "P-1", 2, [{ part_number: "P-1", quantity: 1 }]), false);
  assert.equal(withinConsent(quote, "P-2", 1, []), false);
  assert.equal(withinConsent(null, "P-1", 1, []), false);
});
