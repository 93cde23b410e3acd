// Shared pieces of the visit screens: the frame with the step title and the way to the
// next step, recording actions (then sync and redraw), messages, and links to call.

import { isQuotaError } from "../db.js";
import { SealedError, jobBundle, recordVisit, signOffOf, voidRecord } from "../records.js";
import { t } from "../i18n.js";
import { stepAfter, stepsDone } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { confirmVoid, undoSnackbar } from "./leave_guard.js";

/** The work order of the route with its customer, product and records. */
export async function loadJob(ctx) {
  const bundle = await jobBundle(ctx.params.id);
  if (!bundle) throw Object.assign(new Error("not found"), { notFound: true });
  bundle.signed = signOffOf(bundle.records);
  bundle.done = stepsDone(bundle.wo, bundle.records);
  return bundle;
}

/**
 * A step screen: title, the job it belongs to, its content and the step bar. The body may
 * start with options {primary}: the step's main action (a button; a form's submit button
 * with a `form` attribute), shown in the sticky step bar until the step is done, so it is
 * in view on a small phone without scrolling (issue #15); once done, the bar offers the next step.
 */
export function stepPage(bundle, step, ...body) {
  const opts = body[0] && body[0].constructor === Object ? body.shift() : {};
  const { wo, customer } = bundle;
  const next = stepAfter(step);
  const done = bundle.done[step];
  const primary = !done && opts.primary ? opts.primary : null;
  if (primary) primary.classList.remove("block");
  body = body.filter((b) => b !== primary); // in the bar, not also in the body
  const nextLink = next
    ? h("a", { class: ["btn", done && "primary", primary && "compact"], href: `/app/jobs/${wo.id}/${next}`, id: "next-step",
      "aria-label": primary ? t("next_step", { step: t(`step_${next}`) }) : null },
    primary ? t("next_short") : t("next_step", { step: t(`step_${next}`) }))
    : h("a", { class: "btn primary", href: "/app/jobs" }, t("nav_jobs"));
  return h("section", { class: "screen", "data-step": step },
    h("a", { class: "crumb", href: `/app/jobs/${wo.id}` }, `${wo.ticket_no} · ${customer?.name ?? ""}`),
    h("h1", { tabindex: "-1" }, t(`step_${step}`)),
    done ? h("p", { class: "okmsg", id: "step-done" }, icon("check"), " ", t("step_done")) : null,
    ...body,
    h("div", { class: ["stepbar", primary && "with-primary"] },
      h("a", { class: "btn compact", href: `/app/jobs/${wo.id}`, id: "step-back" }, t("back")),
      primary,
      nextLink));
}

/**
 * Void a record after asking, then show "Voided — Undo" for a few seconds; the undo records
 * the same entry again from `fields` (a correction the server sees as a new entry) [issue #15].
 */
export async function voidWithUndo(ctx, record, what, fields) {
  if (!(await confirmVoid(what))) return false;
  const ok = await act(ctx, () => voidRecord(record.id));
  if (!ok) return false;
  const { entity, work_order_id: woId } = record;
  undoSnackbar(t("voided_what", { what }), () => act(ctx, () => recordVisit(woId, entity, fields)));
  return true;
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
export function actionButton(ctx, label, fn, { id, primary = false, disabled = false, danger = false, done = false, then = null } = {}) {
  // `done`: recorded already; looks done (a tick, green), not greyed out as if unavailable.
  const button = h("button", { type: "button", class: ["btn", "block", primary && "primary", danger && "danger", done && "done"], id, disabled: disabled || done }, label);
  // `then`: where to go once recorded (a one-tap action that also moves on).
  button.addEventListener("click", async () => { if ((await act(ctx, fn, { button })) && then) ctx.go(then); });
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
