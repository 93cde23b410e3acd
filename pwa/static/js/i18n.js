// Strings and formats in the technician's language (Simplified Chinese by default, or
// English). Every string comes from one catalogue per language: i18n/zh-CN.js, i18n/en.js.

import en from "./i18n/en.js";
import zh from "./i18n/zh-CN.js";

export const CATALOGUES = { "zh-CN": zh, en };
export const LOCALES = Object.keys(CATALOGUES);
let current = "zh-CN";

/** Normalise a locale tag to one we have ("en-GB" -> "en", anything else -> zh-CN). */
export function supported(tag) {
  if (!tag) return "zh-CN";
  if (CATALOGUES[tag]) return tag;
  return tag.toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

/** Switch the UI language. */
export function setLocale(tag) {
  current = supported(tag);
  if (globalThis.document) document.documentElement.lang = current;
  return current;
}

/** The UI language. */
export function locale() {
  return current;
}

/** The string for `key`, with {name} placeholders filled from `params`. */
export function t(key, params = {}, loc = current) {
  const text = CATALOGUES[loc]?.[key] ?? CATALOGUES["zh-CN"][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// Parameter values that are codes the catalogue has words for (entity and status names).
// A fee quote refused as unpriceable names the pricing rule's reason (fees.*): fee_error.<code>.
const PARAM_WORDS = { entity: "entity_", current: "status_", target: "status_", reason: "fee_error." };

/**
 * Why the server rejected an entry, in the UI language: the catalogue's `reason.<code>` with
 * `{param}` placeholders filled from the error's params (entity and status codes worded too);
 * a code the phone itself sets (e.g. damaged_on_device) is a key as it is; otherwise the
 * server's own message (English), else a plain "rejected".
 */
export function reason(error, loc = current) {
  const code = typeof error?.code === "string" ? error.code : null;
  const catalogue = CATALOGUES[loc] || CATALOGUES["zh-CN"];
  const key = code && (`reason.${code}` in catalogue ? `reason.${code}` : code in catalogue ? code : null);
  if (!key) return typeof error?.message === "string" && error.message ? error.message : t("rejected", {}, loc);
  const params = {};
  for (const [name, value] of Object.entries(error.params && typeof error.params === "object" ? error.params : {})) {
    const word = PARAM_WORDS[name] && `${PARAM_WORDS[name]}${value}`;
    params[name] = word && word in catalogue ? catalogue[word] : value;
  }
  return t(key, params, loc);
}

// Dates and money are formatted by hand: the first Intl formatter in a fresh page loads
// ICU data (30-60 ms, four times that on a slow phone), on the way to the job list.
const pad = (n) => String(n).padStart(2, "0");
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "14:00" (device time zone) */
export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "11月23日 14:00" / "23 Nov 14:00" */
export function dateTime(iso, loc = current) {
  if (!iso) return "—";
  const d = new Date(iso);
  const day = loc === "en" ? `${d.getDate()} ${MONTHS_EN[d.getMonth()]}` : `${d.getMonth() + 1}月${d.getDate()}日`;
  return `${day} ${time(iso)}`;
}

/** "2026-11-23" */
export function date(iso) {
  if (!iso) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso; // a calendar day: no time zone to apply
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "¥180.00" (amounts are decimal strings with two places, or numbers) */
export function money(amount) {
  const cents = Math.round(Number(amount || 0) * 100);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}¥${yuan}.${pad(abs % 100)}`;
}

/** "3.2 MB" */
export function bytes(n) {
  if (!Number.isFinite(n)) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
