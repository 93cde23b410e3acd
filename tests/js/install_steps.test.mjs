import { test } from "node:test";
import assert from "node:assert/strict";
import { ENTRY_CHECKS, entryChecks } from "../../pwa/static/js/visit.js";
import zh from "../../pwa/static/js/i18n/zh-CN.js";
import en from "../../pwa/static/js/i18n/en.js";

test("an installation confirms the installation location on entering; a repair does not ask", () => {
  // seed 003 §三(五)2: installation service confirms where the unit goes first
  assert.deepEqual(entryChecks({ type: "installation" }), [...ENTRY_CHECKS, "install_location_confirmed"]);
  assert.deepEqual(entryChecks({ type: "repair" }), ENTRY_CHECKS);
  for (const catalogue of [zh, en]) assert.ok(catalogue.install_location_confirmed, "worded on the phone");
});
