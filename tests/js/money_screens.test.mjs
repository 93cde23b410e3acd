// The pure parts of the quote and payment screens (ui/quote.js, ui/payment.js), and the
// synced fee schedule read from the records store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDb } from "./helpers.mjs";
import { priced, sameAs, travelMinutes, REPRICE_CODES } from "../../pwa/static/js/ui/quote.js";
import { checkPayment, paymentFields } from "../../pwa/static/js/ui/payment.js";
import { syncedFeeSchedule } from "../../pwa/static/js/records.js";
import { scheduleFrom } from "../../pwa/static/js/fees.js";
import { tx } from "../../pwa/static/js/db.js";
import { t } from "../../pwa/static/js/i18n.js";

const ev = (kind, at) => ({ id: crypto.randomUUID(), entity: "visit_event", kind, at });
const schedule = scheduleFrom({ revision: 4, call_out: "50.00", labour_per_hour: "80.00" }, null,
  [{ part_number: "PCB-220", name: "主控板", price: "180.00", trade_in_credit: "20.00" }]);
const describe = { text: (k, p) => t(k, p, "en"), partName: () => "Main board" };

test("travel time is prefilled from departed to arrived", () => {
  assert.equal(travelMinutes([]), 0);
  assert.equal(travelMinutes([ev("departed", "2026-11-30T09:00:00+08:00"), ev("arrived", "2026-11-30T09:37:20+08:00")]), 37);
  assert.equal(travelMinutes([ev("departed", "2026-11-30T09:00:00+08:00")]), 0, "not arrived yet");
});

test("the plan is priced with the customer's words; a recorded quote stands while the plan is unchanged", () => {
  const plan = { work_minutes: 20, travel_minutes: 10, parts: [{ part_number: "PCB-220", quantity: 1, trade_in: true, serial_removed: null }], adjustments: [] };
  const quote = priced({ plan, schedule, covered: false, product: null, describe });
  assert.equal(quote.total, "250.00"); // 50 + 2 quarter hours 40 + 180 - 20 trade-in
  assert.deepEqual(quote.lines.map((l) => l.description), ["Call-out fee", "Labour (20 min)", "Main board ×1", "Trade-in credit: Main board ×1"]);
  const recorded = { ...plan, lines: quote.lines.map((l) => ({ ...l, amount: Number(l.amount) })), total: 250 };
  assert.ok(sameAs(recorded, plan, quote), "amounts as the pull may return them still compare");
  assert.ok(!sameAs(recorded, { ...plan, work_minutes: 25 }, quote), "more work time: quote again");
  const replacing = { ...plan, parts: [{ ...plan.parts[0], serial_removed: "SN-OLD-1" }] };
  const partFree = priced({ plan: replacing, schedule, covered: false, describe,
    product: { repair_history: [{ parts: [{ serial_fitted: "SN-OLD-1", warranty_end: "2999-12-31" }] }] } });
  assert.equal(partFree.total, "90.00", "the board it replaces is still in its own warranty: free, no trade-in");
  assert.ok(REPRICE_CODES.has("sync.fee_schedule_stale") && REPRICE_CODES.has("sync.quote_mismatch"));
});

test("payment: the agreed total, a receipt or an invoice with its title, or not collected with a note", () => {
  const quote = { total: "320.00" };
  assert.deepEqual(checkPayment({ method: "", receipt: "none" }).length, 1);
  assert.equal(checkPayment({ method: "cash", receipt: "invoice", invoice_title: " " }).length, 1);
  assert.equal(checkPayment({ method: "not_collected", receipt: "none", note: "" }).length, 1);
  assert.deepEqual(checkPayment({ method: "wechat", receipt: "receipt" }), []);
  assert.deepEqual(paymentFields("wo", quote, { method: "wechat", receipt: "invoice", invoice_title: " 上海某公司 ", note: "" }),
    { work_order_id: "wo", method: "wechat", amount: "320.00", receipt: "invoice", invoice_title: "上海某公司", note: null });
  assert.deepEqual(paymentFields("wo", quote, { method: "not_collected", receipt: "receipt", invoice_title: "", note: "客户说月底转账" }),
    { work_order_id: "wo", method: "not_collected", amount: "0.00", receipt: "none", invoice_title: null, note: "客户说月底转账" });
});

test("the synced fee schedule is read from the records store, newest revision", async () => {
  await freshDb();
  assert.equal(await syncedFeeSchedule(), null);
  await tx(["records"], "readwrite", async (s) => {
    await s.put("records", { id: "fs1", entity: "fee_schedule", revision: 1, call_out: "50.00", labour_per_hour: "80.00", synced: true });
    await s.put("records", { id: "fs2", entity: "fee_schedule", revision: 2, call_out: "60.00", labour_per_hour: "80.00", synced: true });
  });
  assert.equal((await syncedFeeSchedule()).call_out, "60.00");
});
