import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import zh from "../../pwa/static/js/i18n/zh-CN.js";
import en from "../../pwa/static/js/i18n/en.js";
import { reason, t, setLocale, supported } from "../../pwa/static/js/i18n.js";
import { STEPS, KIT, ENTRY_CHECKS, OUTCOMES } from "../../pwa/static/js/visit.js";

const root = new URL("../../pwa/static/js/", import.meta.url).pathname;
const sources = ["", "ui/"].flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(root, dir, f), "utf8")));

test("both catalogues have the same keys and placeholders", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort());
  for (const key of Object.keys(zh)) {
    const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(ph(en[key]), ph(zh[key]), `placeholders of ${key}`);
  }
});

test("every key the code asks for is in the catalogue", () => {
  const used = new Set();
  for (const src of sources) {
    for (const m of src.matchAll(/\b(?:t|tc|text)\(\s*"([a-z][a-z0-9_]*)"/g)) used.add(m[1]);
    // keys chosen by a condition: t(cond ? "a" : "b")
    for (const m of src.matchAll(/\b(?:t|tc)\([^()"]*\?\s*"([a-z0-9_]+)"\s*:\s*"([a-z0-9_]+)"/g)) { used.add(m[1]); used.add(m[2]); }
  }
  const families = [
    ...STEPS.map((s) => `step_${s}`), ...KIT, ...ENTRY_CHECKS, ...Object.keys(OUTCOMES).map((o) => `outcome_${o}`), "outcome_not_fixed",
    ...["new", "assigned", "scheduled", "en_route", "on_site", "awaiting_parts", "returned_to_factory", "completed", "closed", "cancelled"].map((s) => `status_${s}`),
    ...["urgent", "important", "normal"].map((p) => `priority_${p}`),
    ...["repair", "replacement", "installation", "consultation"].map((p) => `type_${p}`),
    ...["vip", "key", "normal"].map((p) => `tier_${p}`),
    ...["housekeeper_only", "product_elsewhere", "power_cut", "customer_busy"].flatMap((c) => [`case_${c}`, `case_${c}_hint`]),
    ...["work_order", "checklist_answer", "visit_event", "diagnosis", "part_fitted", "fee_quote", "payment", "photo", "sign_off"].map((e) => `entity_${e}`),
    // fees (phone): keys chosen by value
    ...["cash", "wechat", "alipay", "card", "bank_transfer", "not_collected"].map((m) => `pay_method_${m}`),
    ...["none", "receipt", "invoice"].map((r) => `pay_receipt_${r}`), "adj_waiver_call_out", "adj_waiver_labour",
    ...["unknown_part", "bad_quantity", "reason_required", "bad_waiver", "bad_discount", "bad_adjustment", "negative_total"].map((c) => `fee_error.fees.${c}`),
    "fee_labour_minutes", "fee_trade_in_line", "fee_waiver_line", "fee_discount_line", "fee_call_out", "fee_labour",
    ...["create", "update", "delete"].map((o) => `op_${o}`),
    "locale_zh_CN", "locale_en", "nav_ready", "nav_sync", "nav_settings", "sla_overdue", "sla_due",
  ];
  const missing = [...used, ...families].filter((k) => !(k in zh));
  assert.deepEqual(missing, []);
});

test("placeholders are filled; Chinese is the default and English is there", () => {
  setLocale("fr");
  assert.equal(t("pending_n", { n: 3 }), "待同步 3");
  setLocale("en-GB");
  assert.equal(t("pending_n", { n: 3 }), "3 to send");
  assert.equal(t("pending_n", { n: 3 }, "zh-CN"), "待同步 3");
  assert.equal(supported(undefined), "zh-CN");
  setLocale("zh-CN");
});

test("dates, times and money without Intl (no ICU load on the way to the job list)", async () => {
  const { time, dateTime, date, money } = await import("../../pwa/static/js/i18n.js");
  const d = new Date(2026, 10, 23, 9, 5);
  assert.equal(time(d.toISOString()), "09:05");
  assert.equal(dateTime(d.toISOString(), "zh-CN"), "11月23日 09:05");
  assert.equal(dateTime(d.toISOString(), "en"), "23 Nov 09:05");
  assert.equal(date("2026-02-28"), "2026-02-28");
  assert.equal(date(d.toISOString()), "2026-11-23");
  assert.equal(time(null), "—");
  assert.equal(money("180"), "¥180.00");
  assert.equal(money(1234567.5), "¥1,234,567.50");
  assert.equal(money("0.1"), "¥0.10");
});

test("a rejected entry's reason is worded from its code and params, else the server's message", () => {
  const sealed = { code: "sync.sealed", params: {}, message: "The customer has signed off this visit; what they signed can no longer change.", errors: {} };
  assert.equal(reason(sealed, "zh-CN"), zh["reason.sync.sealed"]);
  assert.equal(reason(sealed, "en"), en["reason.sync.sealed"]);
  const part = { code: "sync.unknown_part", params: { part_number: "CAP-9" }, message: "Part number CAP-9 is not in the catalogue." };
  assert.equal(reason(part, "zh-CN"), "配件编号 CAP-9 不在目录中。");
  assert.equal(reason(part, "en"), "Part number CAP-9 is not in the catalogue.");
  // entity and status codes in params are worded from the catalogue
  const exists = { code: "sync.record_exists", params: { entity: "diagnosis", id: "d-1" } };
  assert.equal(reason(exists, "zh-CN"), `编号为 d-1 的 ${zh.entity_diagnosis} 已存在；新记录需要新编号。`);
  const move = { code: "sync.status_not_allowed", params: { current: "completed", target: "on_site", allowed: "closed" } };
  assert.ok(reason(move, "zh-CN").includes(zh.status_completed) && reason(move, "zh-CN").includes(zh.status_on_site));
  // a code this phone does not know yet: the server's message; nothing at all: "rejected"
  assert.equal(reason({ code: "sync.from_the_future", message: "Something new." }, "zh-CN"), "Something new.");
  assert.equal(reason({ message: "Stored before codes." }, "zh-CN"), "Stored before codes.");
  assert.equal(reason(null, "zh-CN"), zh.rejected);
  // the phone's own code (a damaged outbox entry) is a key as it is
  assert.equal(reason({ code: "damaged_on_device", errors: { seq: ["3"] } }, "en"), en.damaged_on_device);
});
