// Shared pieces of the visit screens: the frame with the step title and the way to the
// next step, recording actions (then sync and redraw), messages, and links to call.

import { isQuotaError } from "../db.js";
import { SealedError, jobBundle, signOffOf } from "../records.js";
import { t } from "../i18n.js";
import { stepAfter, stepsDone } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";

/** The work order of the route with its customer, product and records. */
export async function loadJob(ctx) {
  const bundle = await jobBundle(ctx.params.id);
  if (!bundle) throw Object.assign(new Error("not found"), { notFound: true });
  bundle.signed = signOffOf(bundle.records);
  bundle.done = stepsDone(bundle.wo, bundle.records);
  return bundle;
}

/** A step screen: title, the job it belongs to, its content and the step bar. */
export function stepPage(bundle, step, ...body) {
  const { wo, customer } = bundle;
  const next = stepAfter(step);
  const done = bundle.done[step];
  return h("section", { class: "screen", "data-step": step },
    h("a", { class: "crumb", href: `/app/jobs/${wo.id}` }, `${wo.ticket_no} · ${customer?.name ?? ""}`),
    h("h1", { tabindex: "-1" }, t(`step_${step}`)),
    done ? h("p", { class: "okmsg", id: "step-done" }, icon("check"), " ", t("step_done")) : null,
    ...body,
    h("div", { class: "stepbar" },
      h("a", { class: "btn", href: `/app/jobs/${wo.id}` }, t("back")),
      next
        ? h("a", { class: ["btn", done && "primary"], href: `/app/jobs/${wo.id}/${next}`, id: "next-step" }, t("next_step", { step: t(`step_${next}`) }))
        : h("a", { class: "btn primary", href: "/app/jobs" }, t("nav_jobs"))));
}

/** Show a short message (role=alert for errors, status otherwise). */
export function notify(message, { error = false } = {}) {
  const area = document.getElementById("toasts");
  if (!area) return;
  const el = h("div", { class: "toast", role: error ? "alert" : "status" }, h("span", {}, message));
  area.append(el);
  setTimeout(() => el.remove(), error ? 8000 : 3500);
}

/** Run a recording action, then sync soon and redraw; errors are shown, never lost silently. */
export async function act(ctx, fn, { button = null } = {}) {
  if (button) button.disabled = true;
  try {
    await fn();
    ctx.app.changed();
    await ctx.refresh();
    return true;
  } catch (err) {
    console.error(err);
    const message = err instanceof SealedError ? t("sealed_error")
      : isQuotaError(err) ? t("storage_full") : t("save_failed", { reason: err.message });
    notify(message, { error: true });
    if (button) button.disabled = false;
    return false;
  }
}

/** A big button that runs `fn` through act(). */
export function actionButton(ctx, label, fn, { id, primary = false, disabled = false, danger = false } = {}) {
  const button = h("button", { type: "button", class: ["btn", "block", primary && "primary", danger && "danger"], id, disabled }, label);
  button.addEventListener("click", () => act(ctx, fn, { button }));
  return button;
}

/** A tap-to-call link. */
export function callLink(phone, label = t("call_customer")) {
  return h("a", { class: "btn block", href: `tel:${phone.replace(/[^\d+]/g, "")}` }, icon("phone"), ` ${label} ${phone}`);
}

/** The notice shown where the customer's signature has sealed the content. */
export function sealedNotice() {
  return h("p", { class: "note", id: "sealed" }, t("sealed_notice"));
}

/** A checkbox row with a large tap area. */
export function check(name, label, { checked = false, disabled = false } = {}) {
  return h("label", { class: "check" }, h("input", { type: "checkbox", name, checked, disabled }), h("span", {}, label));
}

/** A labelled text field (input or textarea). */
export function field(name, label, { type = "text", value = "", multiline = false, required = false, id, ...rest } = {}) {
  const inputId = id || `f-${name}`;
  const control = multiline
    ? h("textarea", { name, id: inputId, required, ...rest }, value)
    : h("input", { type, name, id: inputId, value, required, ...rest });
  return h("label", { class: "field", for: inputId }, h("span", {}, label), control);
}
