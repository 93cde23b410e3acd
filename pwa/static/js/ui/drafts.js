// Drafts of forms being filled in, kept in IndexedDB as the technician types, so a reload
// (an app update, the phone killing the tab) loses nothing that was not yet recorded.

import { del, get, put } from "../db.js";

const timers = new Map();
const writes = new Map();

function save(key, form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "file" || el.type === "password") continue;
    values[el.name] = el.type === "checkbox" ? el.checked : (el.type === "radio" ? (el.checked ? el.value : values[el.name]) : el.value);
  }
  // Writes to one store commit in order, so waiting for the latest write waits for all.
  const write = put("drafts", { key, values, saved_at: Date.now() }).catch((err) => console.warn("draft not saved", err));
  writes.set(key, write);
  write.finally(() => { if (writes.get(key) === write) writes.delete(key); });
  return write;
}

/** Restore a form's draft and keep saving it as it changes. */
export async function bindDraft(key, form) {
  const draft = await get("drafts", key);
  if (draft) {
    for (const el of form.elements) {
      if (!el.name || !(el.name in draft.values)) continue;
      if (el.type === "checkbox") el.checked = !!draft.values[el.name];
      else if (el.type === "radio") el.checked = draft.values[el.name] === el.value;
      else if (el.type !== "file") el.value = draft.values[el.name] ?? "";
    }
  }
  const schedule = () => {
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); save(key, form); }, 250));
    flushers.set(key, () => save(key, form));
  };
  form.addEventListener("input", schedule); // typing: save after a pause
  form.addEventListener("change", () => { // a tick or a choice: save at once
    clearTimeout(timers.get(key));
    timers.delete(key);
    save(key, form);
  });
  return draft;
}

const flushers = new Map();
// Leaving or hiding the page (tab switch, app killed): write what is pending.
globalThis.addEventListener?.("pagehide", () => { flushDrafts(); });
globalThis.document?.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushDrafts(); });

/** Write every pending draft now (before a reload). */
export async function flushDrafts() {
  for (const [key, timer] of timers) { clearTimeout(timer); timers.delete(key); await flushers.get(key)?.(); }
  await Promise.all(writes.values());
}

/** Forget a draft once its content is recorded. */
export function clearDraft(key) {
  clearTimeout(timers.get(key));
  timers.delete(key);
  flushers.delete(key);
  return del("drafts", key);
}

/** A screen's own draft value (not a form's fields), e.g. the quote being planned. */
export async function loadValue(key) {
  const draft = await get("drafts", key);
  return draft && draft.value !== undefined ? draft.value : null;
}

/** Keep a screen's draft value (written at once: it changes on taps, not keystrokes). */
export function saveValue(key, value) {
  return put("drafts", { key, value, saved_at: Date.now() }).catch((err) => console.warn("draft not saved", err));
}
