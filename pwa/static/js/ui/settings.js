// Settings: language, job alerts (Web Push), passkeys, signing out (refused while entries wait to be sent).

import { logout } from "../api.js";
import { deviceId, setMeta, wipe } from "../db.js";
import { LOCALES, locale, setLocale, t } from "../i18n.js";
import { pendingCount } from "../outbox.js";
import { addPasskey, available } from "../passkeys.js";
import * as webPush from "../push.js";
import { mountChrome } from "./chrome.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { notify } from "./visitkit.js";

/** The settings screen. */
export async function render(ctx) {
  const user = ctx.app.user;
  const lang = h("fieldset", { class: "checks", id: "language" },
    h("legend", {}, t("language")),
    LOCALES.map((loc) => h("label", { class: "check" },
      h("input", {
        type: "radio", name: "locale", value: loc, checked: locale() === loc, id: `locale-${loc}`,
        onchange: async () => {
          setLocale(loc);
          await setMeta("locale", loc);
          await webPush.relabel({ label: deviceLabel(), language: loc }).catch(() => {}); // alerts in the new language
          await mountChrome();
          await ctx.refresh();
        },
      }),
      h("span", {}, t(`locale_${loc.replace("-", "_")}`)))));
  const alerts = await pushSection();
  const signOut = h("button", {
    type: "button", class: "btn danger block", id: "sign-out",
    onclick: async () => {
      const pending = await pendingCount();
      if (pending) return notify(t("sign_out_pending", { n: pending }), { error: true });
      await webPush.disable().catch(() => {}); // the next person on this phone gets no one else's jobs
      try {
        await logout();
      } catch {
        return notify(t("sign_out_offline"), { error: true });
      }
      await wipe(["locale"]);
      await deviceId();
      ctx.app.user = null;
      await mountChrome();
      return ctx.go("/app/login", { replace: true });
    },
  }, t("sign_out"));
  return h("section", { class: "screen", id: "settings" },
    h("h1", { tabindex: "-1" }, t("settings")),
    user ? h("p", {}, t("signed_in_as", { name: user.name, email: user.email })) : null,
    lang,
    alerts,
    available() ? h("button", {
      type: "button", class: "btn block", id: "add-passkey",
      onclick: async () => {
        try {
          await addPasskey(deviceLabel());
          notify(t("passkey_added"));
        } catch (err) {
          notify(t("passkey_failed", { reason: err.message }), { error: true });
        }
      },
    }, icon("key"), " ", t("add_passkey")) : null,
    signOut,
    h("p", { class: "sub" }, t("device_id"), ": ", h("code", {}, await deviceId())));
}

function deviceLabel() {
  return navigator.userAgent.includes("Mobile") ? "Phone" : "Browser";
}

/** Job alerts on this phone (Web Push, issue #16): new, reassigned and rescheduled jobs, decisions. */
async function pushSection() {
  const state = h("p", { id: "push-state", class: "sub" });
  const button = h("button", { type: "button", class: "btn block", id: "push-toggle" });
  const box = h("fieldset", { class: "checks", id: "push-alerts" }, h("legend", {}, t("push_title")), state, button);
  if (!webPush.supported()) {
    state.textContent = t("push_unsupported");
    button.hidden = true;
    return box;
  }
  const show = (on) => {
    box.dataset.on = on ? "true" : "false";
    state.textContent = on ? t("push_on") : t("push_off");
    button.textContent = on ? t("push_disable") : t("push_enable");
  };
  show(Boolean(await webPush.enabledHere().catch(() => null)));
  button.onclick = async () => {
    button.disabled = true;
    try {
      if (box.dataset.on === "true") {
        await webPush.disable();
        show(false);
        notify(t("push_disabled"));
      } else {
        await webPush.enable({ label: deviceLabel(), language: locale() });
        show(true);
        notify(t("push_enabled"));
      }
    } catch (err) {
      const key = err.code === "denied" ? "push_denied" : "push_failed";
      notify(t(key, { reason: err.message }), { error: true });
    } finally {
      button.disabled = false;
    }
  };
  return box;
}
