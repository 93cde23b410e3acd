import { test } from "node:test";
import assert from "node:assert/strict";
import { STEPS, stepsDone, nextStep, isLate, needsFollowUp, byAppointment, isToday, stepAfter, latestQuote, paymentOf, paymentDue } from "../../pwa/static/js/visit.js";
import { money, addMoney, isoWithOffset, mutation } from "../../pwa/static/js/wire.js";

const ev = (kind, extra = {}) => ({ id: crypto.randomUUID(), entity: "visit_event", kind, ...extra });

test("steps are done from the records alone; the next step is the first not done", () => {
  const wo = { outcome: null };
  assert.equal(nextStep(wo, []), "accept");
  const records = [ev("accepted"), ev("kit_checked"), ev("departed"), ev("arrived"), ev("knock_started")];
  const done = stepsDone(wo, records);
  assert.deepEqual(STEPS.filter((s) => done[s]), ["accept", "kit", "travel"]);
  assert.equal(nextStep(wo, records), "door", "knocking started is not the door step done");
  records.push(ev("no_one_home"));
  assert.equal(stepsDone(wo, records).door, false, "no one home needs the note left");
  records.push(ev("note_left"));
  assert.equal(stepsDone(wo, records).door, true);
  records.push(ev("entered", { deleted: true }));
  assert.equal(stepsDone(wo, records).enter, false, "voided records do not count");
  assert.equal(stepAfter("complete"), null);
});

test("the quote step needs consent (or an escalation)", () => {
  const wo = {};
  assert.equal(stepsDone(wo, [{ id: "q", entity: "fee_quote", consented: false }]).quote, false);
  assert.equal(stepsDone(wo, [{ id: "q", entity: "fee_quote", consented: true }]).quote, true);
  assert.equal(stepsDone(wo, [ev("escalated")]).quote, true);
  assert.equal(stepsDone(wo, [{ id: "q", entity: "fee_quote", consented: true, rejected: true }]).quote, false);
});

test("late arrival, follow-up and today's order", () => {
  const wo = { appointment_start: "2026-11-23T10:00:00+08:00" };
  assert.equal(isLate(wo, new Date("2026-11-23T10:05:00+08:00")), true);
  assert.equal(isLate(wo, new Date("2026-11-23T09:52:00+08:00")), false);
  assert.equal(isLate({}, new Date()), false);
  // the server's grace (shell config on_time_grace_minutes), the same rule as the KPIs'
  assert.equal(isLate(wo, new Date("2026-11-23T10:00:30+08:00")), true);
  assert.equal(isLate(wo, new Date("2026-11-23T10:04:00+08:00"), 5), false);
  assert.equal(isLate(wo, new Date("2026-11-23T10:05:01+08:00"), 5), true);
  assert.equal(needsFollowUp({ outcome: "fixed" }), false);
  assert.equal(needsFollowUp({ outcome: "awaiting_parts" }), true);
  assert.equal(needsFollowUp({ outcome: null }), false);
  const job = (t, p, n) => ({ wo: { appointment_start: t, priority: p, ticket_no: n } });
  const list = [job("2026-11-23T14:00:00+08:00", "normal", "C"), job("2026-11-23T09:00:00+08:00", "normal", "B"),
    job("2026-11-23T14:00:00+08:00", "urgent", "A"), job(null, "urgent", "D")];
  assert.deepEqual(list.sort(byAppointment).map((j) => j.wo.ticket_no), ["B", "A", "C", "D"]);
  const now = new Date();
  assert.equal(isToday(now.toISOString(), now), true);
  assert.equal(isToday(new Date(now.getTime() - 86400000 * 2).toISOString(), now), false);
});

test("the quote comes before the parts: consent before the repair", () => {
  assert.ok(STEPS.indexOf("diagnosis") < STEPS.indexOf("quote"));
  assert.equal(stepAfter("quote"), "parts");
  assert.equal(stepAfter("parts"), "checks");
  const wo = { outcome: null };
  const base = [ev("accepted"), ev("kit_checked"), ev("arrived"), ev("door_answered"), ev("entered"), { id: "d", entity: "diagnosis" }];
  assert.equal(nextStep(wo, base), "quote");
  assert.equal(nextStep(wo, [...base, { id: "q", entity: "fee_quote", consented: true }]), "parts");
});

test("a refused quote that ends the visit skips the repair steps", () => {
  const wo = { outcome: "refused" };
  const records = [{ id: "q", entity: "fee_quote", consented: false }, ev("fee_refused")];
  assert.equal(latestQuote(records).consented, false);
  const done = stepsDone(wo, records);
  assert.deepEqual([done.quote, done.parts, done.checks, done.outcome], [true, true, true, true]);
  assert.equal(stepsDone({ outcome: null }, records).quote, false, "refused, not ended: the quote step is still open");
});

test("a payment is due once the customer agreed to pay something, until it is recorded", () => {
  const quote = { id: "q", entity: "fee_quote", consented: true, total: "320.00" };
  assert.equal(paymentDue([]), false);
  assert.equal(paymentDue([{ ...quote, total: "0.00" }]), false, "in warranty: nothing to collect");
  assert.equal(paymentDue([{ ...quote, consented: false }]), false);
  assert.equal(paymentDue([quote]), true);
  assert.equal(paymentDue([quote, { id: "p", entity: "payment", method: "not_collected" }]), false);
});

test("the visit's payment is the live one", () => {
  assert.equal(paymentOf([{ id: "p", entity: "payment", deleted: true }]), null);
  assert.equal(paymentOf([{ id: "p", entity: "payment", method: "cash" }]).method, "cash");
});

test("wire helpers: money strings, device time with its offset, mutation checks", () => {
  assert.equal(money(180), "180.00");
  assert.equal(money("12.5"), "12.50");
  assert.equal(addMoney("0.10", "0.20"), "0.30");
  assert.throws(() => money("abc"));
  assert.match(isoWithOffset(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  assert.throws(() => mutation({ seq: 0, entity: "visit_event", entityId: "x", op: "create" }));
  assert.throws(() => mutation({ seq: 1, entity: "work_order", entityId: "x", op: "create" }));
  assert.throws(() => mutation({ seq: 1, entity: "work_order", entityId: "x", op: "update" }), /base_version/);
  const m = mutation({ seq: 2, entity: "diagnosis", entityId: "x", op: "create", fields: { a: 1 }, baseVersion: 5 });
  assert.equal(m.base_version, null, "creates carry no base version");
});

test("lateness is judged by the server's clock, measured from the Date header", async () => {
  const { noteServerDate, serverNow } = await import("../../pwa/static/js/api.js");
  const phone = Date.parse("2026-11-23T02:00:00Z");
  noteServerDate("Mon, 23 Nov 2026 04:00:00 GMT", phone); // this phone is 2 h slow
  assert.equal(serverNow(phone).toISOString(), "2026-11-23T04:00:00.000Z");
  const wo = { appointment_start: "2026-11-23T11:30:00+08:00" };
  assert.equal(isLate(wo, new Date(phone)), false); // by its own clock it is early...
  assert.equal(isLate(wo, serverNow(phone)), true); // ...by the server's (and the KPIs') it is late
  noteServerDate("Mon, 23 Nov 2026 02:00:01 GMT", phone); // under 2 s: noise
  assert.equal(serverNow(phone).getTime(), phone);
  noteServerDate(null, phone);
  assert.equal(serverNow(phone).getTime(), phone);
});
