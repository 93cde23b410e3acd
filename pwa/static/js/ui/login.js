// Sign in with a password or a passkey. After one sign-in the app starts offline with the
// data on the device; a different person signing in on this device starts afresh.

import { ApiError, NetworkError, login, logout } from "../api.js";
import { deviceId, getMeta, requestPersistence, setMeta, wipe } from "../db.js";
import { setLocale, t } from "../i18n.js";
import { pendingCount } from "../outbox.js";
import { available, signInWithPasskey } from "../passkeys.js";
import { mountChrome } from "./chrome.js";
import { formValues, h } from "./dom.js";
import { icon } from "./icons.js";
import { field } from "./visitkit.js";

async function completeSignIn(ctx, user) {
  const previous = await getMeta("user");
  if (previous && previous.id !== user.id) {
    if ((await pendingCount()) > 0) {
      await logout().catch(() => {});
      throw new Error(t("other_user_pending", { name: previous.name }));
    }
    await wipe(["locale"]); // another person's jobs must not stay on the device
    await deviceId(); // and a device belongs to one user: a new id
  }
  await ctx.app.setUser({ id: user.id, name: user.name, email: user.email, role: user.role, locale: user.locale, badge_no: user.badge_no || null });
  await setMeta("auth_needed", false);
  if (!(await getMeta("locale")) && user.locale) {
    setLocale(user.locale);
    mountChrome();
  }
  requestPersistence();
  ctx.app.scheduler.run("sign-in");
  return ctx.go("/app/jobs", { replace: true });
}

function explain(err) {
  if (err instanceof NetworkError) return t("login_needs_network");
  if (err instanceof ApiError) return err.status === 401 ? t("login_wrong") : err.message;
  if (err?.name === "NotAllowedError") return t("passkey_cancelled");
  return err?.message || String(err);
}

/** The sign-in screen. */
export async function render(ctx) {
  const previous = await getMeta("user");
  const error = h("p", { class: "error", role: "alert", id: "login-error" });
  const form = h("form", { class: "card", id: "login-form" },
    field("email", t("email"), { type: "email", value: previous?.email || "", autocomplete: "username webauthn", required: true, maxlength: 254 }),
    field("password", t("password"), { type: "password", autocomplete: "current-password", required: true, maxlength: 200 }),
    error,
    h("button", { class: "btn primary block", type: "submit", id: "login-submit" }, t("sign_in")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const { email, password } = formValues(form);
    const button = form.querySelector("#login-submit");
    button.disabled = true;
    error.textContent = "";
    try {
      await completeSignIn(ctx, await login(email.trim(), password));
    } catch (err) {
      error.textContent = explain(err);
      button.disabled = false;
    }
  });
  const passkey = available() ? h("button", {
    class: "btn block", type: "button", id: "passkey-login",
    onclick: async () => {
      error.textContent = "";
      try {
        await completeSignIn(ctx, await signInWithPasskey(formValues(form).email.trim() || null));
      } catch (err) {
        error.textContent = explain(err);
      }
    },
  }, icon("key"), " ", t("sign_in_passkey")) : null;
  return h("section", { class: "screen", id: "login" },
    h("h1", { tabindex: "-1" }, t("sign_in_title")),
    previous ? h("p", { class: "note" }, t("signed_in_before", { name: previous.name })) : null,
    form,
    passkey,
    h("p", { class: "sub" }, t("login_offline_hint")));
}
