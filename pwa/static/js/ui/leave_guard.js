// Guards against losing what was entered but not recorded (issue #15): a screen registers
// what counts as unsaved input on it, and leaving it (the step bar, the back link, a step
// link, the browser's back) first asks "save / discard / stay" in an accessible dialog.
// Also the confirmation asked before voiding, and the "Voided — Undo" snackbar after it.

import { t } from "../i18n.js";
import { h } from "./dom.js";

const guards = new Set();

/**
 * Guard the current screen: `dirty()` says whether something is entered but not recorded,
 * `save()` records it (resolves true when recorded, false when it could not be: then we
 * stay and the screen shows why), `discard()` forgets it. Returns the unregister function.
 */
export function guardLeave({ dirty, save, discard, what }) {
  const guard = { dirty, save, discard, what };
  guards.add(guard);
  return () => guards.delete(guard);
}

/** Forget every guard (the screen is being replaced). */
export function clearGuards() {
  guards.clear();
}

let open = null;

/**
 * A modal dialog with a title, a message and buttons [{value, label, primary, danger}];
 * resolves with the value of the button tapped (Escape: the last button's value, "stay").
 */
export function ask({ id, title, message, buttons }) {
  if (open) open.close(buttons.at(-1).value);
  return new Promise((resolve) => {
    const titleId = `${id}-title`;
    const msgId = `${id}-message`;
    const dialog = h("dialog", { class: "ask", id, "aria-labelledby": titleId, "aria-describedby": msgId },
      h("h2", { id: titleId }, title),
      h("p", { id: msgId }, message),
      h("div", { class: "ask-actions" }, buttons.map((b) => h("button", {
        type: "button", class: ["btn", "block", b.primary && "primary", b.danger && "danger"], id: `${id}-${b.value}`,
        onclick: () => dialog.close(b.value),
      }, b.label))));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); dialog.close(buttons.at(-1).value); });
    dialog.addEventListener("close", () => {
      open = null;
      dialog.remove();
      resolve(dialog.returnValue || buttons.at(-1).value);
    });
    document.body.append(dialog);
    open = dialog;
    dialog.showModal();
    dialog.querySelector(".btn")?.focus();
  });
}

/**
 * May the current screen be left? Asks about each guard with unsaved input: save (and stay
 * if that fails), discard, or stay. Resolves true to go on.
 */
export async function confirmLeave() {
  for (const guard of [...guards]) {
    if (!guard.dirty()) continue;
    const choice = await ask({
      id: "leave-guard",
      title: t("leave_unsaved_title"),
      message: t("leave_unsaved_message", { what: guard.what() }),
      buttons: [
        { value: "save", label: t("leave_save"), primary: true },
        { value: "discard", label: t("leave_discard"), danger: true },
        { value: "stay", label: t("leave_stay") },
      ],
    });
    if (choice === "stay") return false;
    if (choice === "save" && !(await guard.save())) return false;
    if (choice === "discard") await guard.discard();
  }
  return true;
}

/** Ask before voiding `what`; resolves true when confirmed. */
export async function confirmVoid(what) {
  const choice = await ask({
    id: "void-confirm",
    title: t("void_confirm_title"),
    message: t("void_confirm_message", { what }),
    buttons: [
      { value: "void", label: t("void"), danger: true },
      { value: "keep", label: t("void_keep") },
    ],
  });
  return choice === "void";
}

export const UNDO_MS = 8000;

/** The snackbar after a void: "Voided — Undo" for UNDO_MS; `undo()` records the correction. */
export function undoSnackbar(message, undo) {
  const area = document.getElementById("toasts");
  if (!area) return null;
  const button = h("button", { type: "button", class: "btn", id: "undo-void" }, t("undo"));
  const el = h("div", { class: "toast", role: "status", id: "void-snackbar" }, h("span", {}, message), button);
  const timer = setTimeout(() => el.remove(), UNDO_MS);
  button.addEventListener("click", async () => {
    clearTimeout(timer);
    button.disabled = true;
    el.remove();
    await undo();
  });
  area.append(el);
  return el;
}
