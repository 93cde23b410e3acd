// Step 6: diagnosis. Fault cause and repair method, each entry internal or shown to the
// customer; photos from the camera; a new problem reported; can't diagnose -> reschedule;
// in warranty, "not covered": human damage (with a photo of it) or a consumable [seed 000 §二(一)1].

import { recordVisit, voidRecord, live } from "../records.js";
import { t, time } from "../i18n.js";
import { formValues, h } from "./dom.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { photoInput, photoSetsCard } from "./photo.js";
import { act, check, field, loadJob, sealedNotice, stepPage, voidWithUndo } from "./visitkit.js";
import { NEEDS_PHOTO, VOID_REASONS, voidEvent, warrantyState } from "../warranty.js";

/** In warranty: record that it is not covered (human damage needs its photo), or undo it before sign-off. */
function warrantyVoidCard(ctx, { wo, product, records, signed }) {
  const rows = live(records);
  const voids = rows.filter((r) => r.entity === "visit_event" && r.kind === "warranty_void");
  const state = warrantyState(wo, product, records);
  if (!product?.in_warranty && !voids.length) return null;
  const list = voids.length ? h("ul", { class: "records", id: "warranty-voids" }, voids.map((v) => h("li", { "data-id": v.id },
    h("span", { class: "badge bad" }, t(`void_reason_${v.data?.reason}`)), " ", h("span", { class: "sub" }, time(v.at)),
    v.note ? h("p", {}, v.note) : null,
    signed ? null : h("button", { type: "button", class: "btn danger", onclick: () => act(ctx, () => voidRecord(v.id)) }, t("void"))))) : null;
  const decided = state.why === "decision"
    ? h("p", { class: "note", id: "warranty-decided" }, t("warranty_office_decision", { decision: t(`warranty_decision_${state.decision}`) })) : null;
  if (signed || voids.length) return h("div", { class: "card", id: "warranty-void-card" }, h("h2", {}, t("warranty_void_title")), decided, list);

  let shot = null;
  const error = h("p", { class: "error", role: "alert", id: "warranty-void-error" });
  const taken = h("p", { class: "sub", id: "warranty-photo-taken" });
  const form = h("form", { class: "card", id: "warranty-void-card" },
    h("h2", {}, t("warranty_void_title")),
    h("p", { class: "note" }, t("warranty_void_hint")),
    decided,
    h("fieldset", {}, VOID_REASONS.map((reason) => h("label", { class: "check" },
      h("input", { type: "radio", name: "void_reason", value: reason, id: `void-${reason}` }), " ", t(`void_reason_${reason}`)))),
    field("void_note", t("warranty_void_note"), { multiline: true, maxlength: 2000 }),
    photoInput((photo) => { shot = photo; taken.textContent = t("photo_taken"); }, { id: "warranty-photo", label: t("warranty_void_photo") }),
    taken, error,
    h("button", { class: "btn block", type: "submit", id: "warranty-void-save" }, t("record_warranty_void")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!VOID_REASONS.includes(v.void_reason)) return (error.textContent = t("warranty_void_reason_required"));
    if (NEEDS_PHOTO.has(v.void_reason) && !shot) return (error.textContent = t("warranty_void_photo_needed"));
    act(ctx, async () => {
      // The photo first: the server checks the event's photo is a live photo of this order.
      const photo = shot ? await recordVisit(wo.id, "photo", { blob_sha256: shot.sha256, caption: t(`void_reason_${v.void_reason}`) }, { blob: shot }) : null;
      await recordVisit(wo.id, "visit_event", voidEvent(v.void_reason, photo?.id, v.void_note.trim()));
    }, { button: form.querySelector("#warranty-void-save") });
  });
  return form;
}

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
    error);
  // The save button sits in the step bar (in view at 360×740 and 320×568), tied to the form.
  const saveButton = h("button", { class: "btn primary", type: "submit", form: "diagnosis-form", id: "diagnosis-save" }, t("save_diagnosis"));
  // Once a diagnosis is recorded the bar offers the next step; another entry is saved in the form.
  const inBar = !signed && !bundle.done.diagnosis;
  if (!inBar) form.append(Object.assign(saveButton, { className: "btn primary block" }));
  const key = `diagnosis:${wo.id}`;
  await bindDraft(key, form);
  const save = () => {
    const v = formValues(form);
    if (!v.fault_cause.trim()) {
      error.textContent = t("fault_cause_required");
      return Promise.resolve(false);
    }
    return act(ctx, async () => {
      await recordVisit(wo.id, "diagnosis", {
        fault_cause: v.fault_cause.trim(),
        repair_method: v.repair_method.trim() || null,
        customer_visible: !!v.customer_visible && !signed,
      });
      await clearDraft(key);
    }, { button: saveButton });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  // A diagnosis typed but not saved is not dropped by leaving the screen [issue #15].
  ctx.guardLeave({
    dirty: () => !signed && !!(form.elements.fault_cause.value.trim() || form.elements.repair_method.value.trim()),
    save,
    discard: async () => { form.reset(); await clearDraft(key); },
    what: () => t("unsaved_diagnosis"),
  });

  const problemForm = h("form", { class: "card", id: "new-problem-form" },
    h("h2", {}, t("new_problem")),
    field("note", t("new_problem_note"), { multiline: true, required: true, maxlength: 2000 }),
    h("button", { class: "btn block", type: "submit" }, t("report_new_problem")));
  problemForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const note = formValues(problemForm).note.trim();
    if (note) act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "new_problem_reported", note }));
  });

  return stepPage(bundle, "diagnosis", { primary: inBar ? saveButton : null },
    signed ? sealedNotice() : h("p", { class: "note" }, t("diagnosis_hint")),
    form,
    diagnoses.length ? h("ul", { class: "records", id: "diagnoses" }, diagnoses.map((d) => h("li", { "data-id": d.id },
      h("span", { class: ["badge", d.customer_visible ? "ok" : null] }, t(d.customer_visible ? "visible_to_customer" : "internal_only")), " ",
      h("span", { class: "sub" }, time(d.at)),
      h("p", {}, h("strong", {}, t("fault_cause"), ": "), d.fault_cause),
      d.repair_method ? h("p", {}, h("strong", {}, t("repair_method"), ": "), d.repair_method) : null,
      signed && d.customer_visible ? null : h("button", {
        type: "button", class: "btn danger", "data-void": d.id,
        onclick: () => voidWithUndo(ctx, d, t("step_diagnosis"),
          { fault_cause: d.fault_cause, repair_method: d.repair_method ?? null, customer_visible: !!d.customer_visible }),
      }, t("void"))))) : null,
    await photoSetsCard(ctx, wo, photos, rows), // before / after / other, with markup (ui/photo.js)
    warrantyVoidCard(ctx, bundle),
    problemForm,
    h("a", { class: "btn block", href: `/app/jobs/${wo.id}/accept#reschedule` }, t("cannot_diagnose")));
}
