// Step 5: entering. Introduce yourself, confirm the customer's identity, show the ID badge.
// Special cases lead to the right outcome: housekeeper only, product elsewhere, power cut,
// customer busy [003 (四)3]. The checks are the job type's (server/domain/checklists.json, synced;
// an installation also confirms where the unit goes [seed 003 §三(五)2]; issue #15).

import { jobChecklist } from "../checklists.js";
import { recordMany, recordVisit } from "../records.js";
import { t } from "../i18n.js";
import { answers, events, has } from "../visit.js";
import { formValues, h } from "./dom.js";
import { rescheduleCard } from "./reschedule.js";
import { act, actionButton, check, loadJob, stepPage } from "./visitkit.js";

const CASES = ["housekeeper_only", "product_elsewhere", "power_cut", "customer_busy"];
// What each special case allows besides rescheduling: a way to go on with the visit.
const GO_ON = {
  housekeeper_only: "case_go_on_housekeeper",
  product_elsewhere: "case_go_on_elsewhere",
  power_cut: "case_go_on_power",
  customer_busy: null,
};

/** The entering screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records } = bundle;
  const a = answers(records);
  const entered = has(records, "entered");
  const lastCase = events(records, "special_case").at(-1);
  const resolved = lastCase && records.some((r) => r.entity === "checklist_answer" && r.step === `case_${lastCase.data?.case}` && r.at >= lastCase.at);
  const error = h("p", { class: "error", role: "alert", id: "enter-error" });
  const checks = (await jobChecklist(wo)).entry;

  // "Entered" sits in the sticky step bar until recorded (in view at 320×568).
  const save = entered ? null : h("button", { class: "btn primary block", type: "submit", form: "enter-form", id: "enter-save" }, t("entered"));
  const form = h("form", { class: "checks", id: "enter-form" },
    checks.map((step) => check(step, t(step), { checked: a[step]?.value === "yes", disabled: entered })),
    error);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!checks.every((k) => v[k])) return (error.textContent = t("entry_checks_required"));
    act(ctx, () => recordMany(wo.id, [
      ...checks.map((step) => ({ entity: "checklist_answer", fields: { step, value: "yes", note: null } })),
      { entity: "visit_event", fields: { kind: "entered", note: null } },
    ]), { button: save });
  });

  let caseCard = null;
  if (lastCase && !resolved && !entered) {
    const which = lastCase.data?.case;
    caseCard = h("div", { class: "card warnbox", id: "special-case" },
      h("h2", {}, t(`case_${which}`)),
      h("p", {}, t(`case_${which}_hint`)),
      GO_ON[which] ? actionButton(ctx, t(GO_ON[which]), () => recordVisit(wo.id, "checklist_answer", { step: `case_${which}`, value: "resolved", note: t(GO_ON[which]) }), { id: "case-go-on", primary: true }) : null,
      rescheduleCard(ctx, bundle, { reasonHint: t(`case_${which}`) }));
  }

  return stepPage(bundle, "enter", { primary: save },
    h("p", { class: "note" }, t("enter_hint")),
    form,
    entered ? null : h("div", { class: "card" },
      h("h2", {}, t("special_cases")),
      h("div", { class: "actions" }, CASES.map((c) => actionButton(ctx, t(`case_${c}`),
        () => recordVisit(wo.id, "visit_event", { kind: "special_case", data: { case: c } }), { id: `case-${c}` })))),
    caseCard);
}
