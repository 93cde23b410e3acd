// Step 10: the outcome: fixed, return to factory (the customer signs at hand-over),
// awaiting parts, refused, or not fixed (未修复). Sealed once the customer has signed.

import { recordVisit, updateWorkOrder } from "../records.js";
import { t } from "../i18n.js";
import { OUTCOMES } from "../visit.js";
import { formValues, h } from "./dom.js";
import { act, field, loadJob, sealedNotice, stepPage } from "./visitkit.js";

/** The outcome screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, signed } = bundle;
  const form = h("form", { class: "card", id: "outcome-form" },
    h("fieldset", { class: "checks" },
      h("legend", {}, t("choose_outcome")),
      Object.keys(OUTCOMES).map((o) => h("label", { class: "check" },
        // The common path is preselected: fixed (one tap to record) [issue #15].
        h("input", { type: "radio", name: "outcome", value: o, checked: (wo.outcome || "fixed") === o, disabled: !!signed, id: `outcome-${o}` }),
        h("span", {}, t(`outcome_${o}`))))),
    field("note", t("outcome_note"), { multiline: true, disabled: !!signed, maxlength: 2000 }),
    h("p", { class: "error", role: "alert", id: "outcome-error" }));
  const saveButton = signed ? null : h("button", { class: "btn primary block", type: "submit", form: "outcome-form", id: "outcome-save" }, t("record_outcome"));
  if (saveButton && bundle.done.outcome) form.append(saveButton); // changing it: in the form; else in the step bar
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!v.outcome) return (form.querySelector("#outcome-error").textContent = t("outcome_required"));
    act(ctx, async () => {
      await updateWorkOrder(wo.id, { outcome: v.outcome });
      await recordVisit(wo.id, "visit_event", { kind: OUTCOMES[v.outcome], note: v.note.trim() || null });
    }, { button: saveButton });
  });
  return stepPage(bundle, "outcome", { primary: saveButton },
    signed ? sealedNotice() : null,
    wo.outcome ? h("p", { class: "okmsg", id: "current-outcome" }, t(`outcome_${wo.outcome}`)) : null,
    form,
    wo.outcome === "return_to_factory" ? h("p", { class: "note" }, t("return_to_factory_hint")) : null);
}
