// Per job-type checklists (issue #15): the phone's built-in lists (used until the first pull)
// are the server's data file, item for item, and every item is worded in both languages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CHECKLISTS, checklistFor } from "../../pwa/static/js/visit.js";
import zh from "../../pwa/static/js/i18n/zh-CN.js";
import en from "../../pwa/static/js/i18n/en.js";

const data = JSON.parse(readFileSync(new URL("../../server/domain/checklists.json", import.meta.url), "utf8"));

test("the built-in checklists are the server's data file", () => {
  assert.deepEqual(Object.keys(CHECKLISTS).sort(), Object.keys(data.job_types).sort());
  for (const [type, lists] of Object.entries(data.job_types)) {
    const built = checklistFor({ type });
    for (const part of ["kit", "entry", "checks"]) assert.deepEqual(built[part], lists[part], `${type}.${part}`);
  }
});

test("a synced checklist wins over the built-in one; an unknown type gets a repair's", () => {
  const synced = { job_type: "installation", kit: ["kit_tools"], entry: ["introduced"], checks: ["test_run"] };
  assert.deepEqual(checklistFor({ type: "installation" }, synced), { kit: ["kit_tools"], entry: ["introduced"], checks: ["test_run"] });
  assert.deepEqual(checklistFor({ type: "something_new" }), CHECKLISTS.repair);
});

test("every checklist item and the follow-up words are in both catalogues", () => {
  for (const catalogue of [zh, en]) {
    for (const item of Object.keys(data.items)) assert.ok(catalogue[item], `${item} worded`);
    for (const key of ["kit_all_present", "kit_record_missing", "checks_all_done", "fu_send", "fu_err_window"]) assert.ok(catalogue[key], key);
  }
});
