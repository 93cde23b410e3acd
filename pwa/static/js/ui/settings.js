// Settings: language, passkeys, signing out (refused while entries wait to be sent).

import { logout } from "../api.js";
import { deviceId, setMeta, wipe } from "../db.js";
import { LOCALES, locale, setLocale, t } from "../i18n.js";
import { pendingCount } from "../outbox.js";
import { addPasskey, available } from "../passkeys.js";
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
          await mountChrome();
          await ctx.refresh();
        },
      }),
      h("span", {}, t(`locale_${loc.replace("-", "_")}`)))));
  const signOut = h("button", {
    type: "button", class: "btn danger block", id: "sign-out",
    onclick: async () => {
      const pending = await pendingCount();
      if (pending) return notify(t("sign_out_pending", { n: pending }), { error: true });
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
    available() ? h("button", {
      type: "button", class: "btn block", id: "add-passkey",
      onclick: async () => {
        try {
          await addPasskey(navigator.userAgent.includes("Mobile") ? "Phone" : "Browser");
          notify(t("passkey_added"));
        } catch (err) {
          notify(t("passkey_failed", { reason: err.message }), { error: true });
        }
      },
    }, icon("key"), " ", t("add_passkey")) : null,
    signOut,
    h("p", { class: "sub" }, t("device_id"), ": ", h("code", {}, await deviceId())));
}
