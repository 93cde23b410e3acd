// Step 2: the kit check before departure, against the job type's kit list [seed 003 §三(三)1]
// (synced from the server, server/domain/checklists.json; issue #15). The van normally carries
// the whole kit: one tap on "All present" records it; anything missing is ticked off first and
// recorded as missing.

import { jobChecklist } from "../checklists.js";
import { recordMany } from "../records.js";
import { t } from "../i18n.js";
import { answers } from "../visit.js";
import { formValues, h } from "./dom.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { act, check, loadJob, stepPage } from "./visitkit.js";

/** The kit check screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records } = bundle;
  const { kit } = await jobChecklist(wo);
  const done = answers(records);
  const recorded = bundle.done.kit;
  // The record button sits in the sticky step bar until the kit is recorded (in view at 320×568).
  const save = h("button", { class: "btn primary block", type: "submit", form: "kit-form", id: "kit-save" }, t("kit_all_present"));
  const form = h("form", { class: "checks", id: "kit-form" },
    h("fieldset", {},
      h("legend", {}, t("kit_missing_legend")),
      kit.map((step) => check(step, t(step), { checked: recorded && done[step]?.value === "missing" }))),
    recorded ? save : null);
  const missingNow = () => {
    const values = formValues(form);
    return kit.filter((k) => values[k]);
  };
  const label = () => {
    const n = missingNow().length;
    save.textContent = n ? t("kit_record_missing", { n }) : t("kit_all_present");
    save.classList.toggle("warn", n > 0);
  };
  form.addEventListener("change", label);
  const key = `kit:${wo.id}`;
  if (!recorded) await bindDraft(key, form);
  label();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const missing = missingNow();
    act(ctx, async () => {
      await recordMany(wo.id, [
        ...kit.map((step) => ({ entity: "checklist_answer", fields: { step, value: missing.includes(step) ? "missing" : "ok", note: null } })),
        { entity: "visit_event", fields: { kind: "kit_checked", note: missing.length ? missing.map((k) => t(k)).join(", ") : null, data: { missing } } },
      ]);
      await clearDraft(key);
    }, { button: save });
  });
  return stepPage(bundle, "kit", { primary: recorded ? null : save }, h("p", { class: "note" }, t("kit_hint")), form);
}
