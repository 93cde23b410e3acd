// Step 9: the test run (the product works, no other hidden fault) and the customer's
// training on basic operation, each confirmed [003 (五)2(4), (六)].

import { recordMany } from "../records.js";
import { t } from "../i18n.js";
import { answers, has } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { actionButton, loadJob, stepPage } from "./visitkit.js";

/** The test run and training screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records } = bundle;
  const ok = has(records, "test_run_ok");
  const failed = answers(records).test_run?.value === "failed" && !ok;
  const trained = has(records, "training_done");
  return stepPage(bundle, "checks",
    h("div", { class: "card" },
      h("h2", {}, t("test_run")),
      h("p", {}, t("test_run_hint")),
      h("div", { class: "actions" },
        actionButton(ctx, ok ? [icon("check"), " ", t("test_run_ok")] : t("test_run_ok"), () => recordMany(wo.id, [
          { entity: "checklist_answer", fields: { step: "test_run", value: "ok", note: null } },
          { entity: "visit_event", fields: { kind: "test_run_ok", note: null } },
        ]), { id: "test-run-ok", primary: !ok, disabled: ok }),
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
      actionButton(ctx, trained ? [icon("check"), " ", t("training_done")] : t("training_done"), () => recordMany(wo.id, [
        { entity: "checklist_answer", fields: { step: "training", value: "done", note: null } },
        { entity: "visit_event", fields: { kind: "training_done", note: null } },
      ]), { id: "training-done", primary: !trained, disabled: trained })));
}
