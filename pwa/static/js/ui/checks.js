// Step 9: the checks after the work, from the job type's list (server/domain/checklists.json,
// issue #15): the test run (the product works, no other hidden fault) and the customer's training
// on basic operation [seed 003 §三(五)2(4), §三(六)], and what the job type adds (an installation:
// installed where agreed [§三(五)2]). "All done" records them all in one tap.

import { jobChecklist } from "../checklists.js";
import { recordMany } from "../records.js";
import { t } from "../i18n.js";
import { answers, has } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { actionButton, loadJob, stepPage } from "./visitkit.js";

// What each after-work check records when done: its answer and, for the two the step needs, an event.
const DONE = {
  test_run: { value: "ok", kind: "test_run_ok" },
  training: { value: "done", kind: "training_done" },
};

function doneEntries(step) {
  const d = DONE[step] || { value: "done", kind: null };
  return [
    { entity: "checklist_answer", fields: { step, value: d.value, note: null } },
    ...(d.kind ? [{ entity: "visit_event", fields: { kind: d.kind, note: null } }] : []),
  ];
}

/** The test run and training screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records } = bundle;
  const { checks } = await jobChecklist(wo);
  const a = answers(records);
  const ok = has(records, "test_run_ok");
  const failed = a.test_run?.value === "failed" && !ok;
  const trained = has(records, "training_done");
  const isDone = (step) => step === "test_run" ? ok : step === "training" ? trained : a[step]?.value === "done";
  const open = checks.filter((s) => !isDone(s));
  const extra = checks.filter((s) => !DONE[s]);
  // "All done" sits in the sticky step bar while checks are open (in view at 320×568).
  const allDone = open.length && !failed ? actionButton(ctx, t("checks_all_done"), () => recordMany(wo.id, open.flatMap(doneEntries)),
    { id: "checks-all-done", primary: true }) : null;
  const inBar = allDone && !bundle.done.checks; // once the step is done, the bar offers the next step
  return stepPage(bundle, "checks", { primary: inBar ? allDone : null },
    allDone ? h("div", { class: "card", id: "checks-all" },
      h("p", {}, t("checks_all_hint")),
      h("ul", { class: "plain", id: "checks-list" }, checks.map((s) => h("li", {}, isDone(s) ? icon("check") : icon("circle"), " ", t(s)))),
      inBar ? null : allDone) : null,
    extra.map((step) => h("div", { class: "card", "data-check": step },
      h("h2", {}, t(step)),
      actionButton(ctx, isDone(step) ? [icon("check"), " ", t(step)] : t("check_done"), () => recordMany(wo.id, doneEntries(step)),
        { id: `check-${step}`, disabled: isDone(step) }))),
    h("div", { class: "card" },
      h("h2", {}, t("test_run")),
      h("p", {}, t("test_run_hint")),
      h("div", { class: "actions" },
        actionButton(ctx, ok ? [icon("check"), " ", t("test_run_ok")] : t("test_run_ok"), () => recordMany(wo.id, doneEntries("test_run")),
          { id: "test-run-ok", disabled: ok }),
        ok ? null : actionButton(ctx, t("test_run_failed"), () => recordMany(wo.id, [
          { entity: "checklist_answer", fields: { step: "test_run", value: "failed", note: null } },
        ]), { id: "test-run-failed", danger: true })),
      failed ? h("div", { class: "warnbox", id: "test-failed" },
        h("p", {}, t("test_failed_hint")),
        h("div", { class: "actions" },
          h("a", { class: "btn block", href: `/app/jobs/${wo.id}/diagnosis` }, t("repair_again")),
          h("a", { class: "btn block", href: `/app/jobs/${wo.id}/outcome` }, t("outcome_return_to_factory")))) : null),
    h("div", { class: "card" },
      h("h2", {}, t("training")),
      h("p", {}, t("training_hint")),
      actionButton(ctx, trained ? [icon("check"), " ", t("training_done")] : t("training_done"), () => recordMany(wo.id, doneEntries("training")),
        { id: "training-done", disabled: trained })));
}
