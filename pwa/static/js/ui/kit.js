// Step 2: the kit check before departure, against the standard list [003 (三)1].

import { recordMany } from "../records.js";
import { t } from "../i18n.js";
import { KIT, answers } from "../visit.js";
import { formValues, h } from "./dom.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { act, check, loadJob, stepPage } from "./visitkit.js";

/** The kit check screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records } = bundle;
  const done = answers(records);
  const form = h("form", { class: "checks", id: "kit-form" },
    KIT.map((step) => check(step, t(step), { checked: done[step]?.value === "ok" })),
    h("button", { class: "btn primary block", type: "submit", id: "kit-save" }, t("kit_record")));
  const key = `kit:${wo.id}`;
  if (!bundle.done.kit) await bindDraft(key, form);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = formValues(form);
    const missing = KIT.filter((k) => !values[k]);
    act(ctx, async () => {
      await recordMany(wo.id, [
        ...KIT.map((step) => ({ entity: "checklist_answer", fields: { step, value: values[step] ? "ok" : "missing", note: null } })),
        { entity: "visit_event", fields: { kind: "kit_checked", note: missing.length ? missing.map((k) => t(k)).join(", ") : null, data: { missing } } },
      ]);
      await clearDraft(key);
    }, { button: form.querySelector("#kit-save") });
  });
  return stepPage(bundle, "kit", h("p", { class: "note" }, t("kit_hint")), form);
}
