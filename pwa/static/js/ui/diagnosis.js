// Step 6: diagnosis. Fault cause and repair method, each entry internal or shown to the
// customer; photos from the camera; a new problem reported; can't diagnose -> reschedule.

import { recordVisit, voidRecord, live } from "../records.js";
import { t, time } from "../i18n.js";
import { formValues, h } from "./dom.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { photoInput, thumbnails } from "./photo.js";
import { act, check, field, loadJob, sealedNotice, stepPage } from "./visitkit.js";

/** The diagnosis screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, records, signed } = bundle;
  const rows = live(records);
  const diagnoses = rows.filter((r) => r.entity === "diagnosis");
  const photos = rows.filter((r) => r.entity === "photo");
  const error = h("p", { class: "error", role: "alert", id: "diagnosis-error" });
  const form = h("form", { class: "card", id: "diagnosis-form" },
    field("fault_cause", t("fault_cause"), { multiline: true, required: true, maxlength: 2000 }),
    field("repair_method", t("repair_method"), { multiline: true, maxlength: 2000 }),
    check("customer_visible", t("customer_visible"), { checked: !signed, disabled: !!signed }),
    error,
    h("button", { class: "btn primary block", type: "submit", id: "diagnosis-save" }, t("save_diagnosis")));
  const key = `diagnosis:${wo.id}`;
  await bindDraft(key, form);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!v.fault_cause.trim()) return (error.textContent = t("fault_cause_required"));
    act(ctx, async () => {
      await recordVisit(wo.id, "diagnosis", {
        fault_cause: v.fault_cause.trim(),
        repair_method: v.repair_method.trim() || null,
        customer_visible: !!v.customer_visible && !signed,
      });
      await clearDraft(key);
    }, { button: form.querySelector("#diagnosis-save") });
  });

  const captionInput = h("input", { type: "text", name: "caption", id: "photo-caption", maxlength: 200 });
  const problemForm = h("form", { class: "card", id: "new-problem-form" },
    h("h2", {}, t("new_problem")),
    field("note", t("new_problem_note"), { multiline: true, required: true, maxlength: 2000 }),
    h("button", { class: "btn block", type: "submit" }, t("report_new_problem")));
  problemForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const note = formValues(problemForm).note.trim();
    if (note) act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "new_problem_reported", note }));
  });

  return stepPage(bundle, "diagnosis",
    signed ? sealedNotice() : h("p", { class: "note" }, t("diagnosis_hint")),
    form,
    diagnoses.length ? h("ul", { class: "records", id: "diagnoses" }, diagnoses.map((d) => h("li", { "data-id": d.id },
      h("span", { class: ["badge", d.customer_visible ? "ok" : null] }, t(d.customer_visible ? "visible_to_customer" : "internal_only")), " ",
      h("span", { class: "sub" }, time(d.at)),
      h("p", {}, h("strong", {}, t("fault_cause"), ": "), d.fault_cause),
      d.repair_method ? h("p", {}, h("strong", {}, t("repair_method"), ": "), d.repair_method) : null,
      signed && d.customer_visible ? null : h("button", { type: "button", class: "btn danger", onclick: () => act(ctx, () => voidRecord(d.id)) }, t("void"))))) : null,
    h("div", { class: "card", id: "photo-card" },
      h("h2", {}, t("photos")),
      h("label", { class: "field", for: "photo-caption" }, h("span", {}, t("photo_caption")), captionInput),
      photoInput((photo) => act(ctx, () => recordVisit(wo.id, "photo", { blob_sha256: photo.sha256, caption: captionInput.value.trim() || null }, { blob: photo }))),
      await thumbnails(photos)),
    problemForm,
    h("a", { class: "btn block", href: `/app/jobs/${wo.id}/accept#reschedule` }, t("cannot_diagnose")));
}
