// Step 4: at the door. Self-check of appearance; the knock protocol with a timer (knock
// again every 30 s, phone the customer at 5 min); answered, no one home (note left, with
// a photo), neighbour asked, or rescheduled [003 (四)1-2].

import { recordMany, recordVisit } from "../records.js";
import { t, time } from "../i18n.js";
import { answers, events, has } from "../visit.js";
import { formValues, h } from "./dom.js";
import { icon } from "./icons.js";
import { photoInput, thumbnails } from "./photo.js";
import { rescheduleCard } from "./reschedule.js";
import { act, actionButton, callLink, check, field, loadJob, stepPage } from "./visitkit.js";

const ROUND_S = 30;
// The same caption whatever the UI language, so the note photo is found again.
const NOTE_CAPTION = `${t("note_photo_caption", {}, "zh-CN")} / ${t("note_photo_caption", {}, "en")}`;
const PHONE_AFTER_S = 300;

function clock(seconds) {
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The door screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, records } = bundle;
  const a = answers(records);
  const started = events(records, "knock_started").at(-1);
  const noOneHome = has(records, "no_one_home");
  const finished = ["door_answered", "note_left", "rescheduled"].some((k) => has(records, k));
  const since = () => Math.max(0, Math.floor((Date.now() - Date.parse(started.at)) / 1000));

  const appearance = h("form", { class: "card", id: "appearance-form" },
    h("p", {}, t("appearance_hint")),
    check("appearance_ok", t("appearance_ok"), { checked: a.appearance_ok?.value === "ok", disabled: !!a.appearance_ok }),
    a.appearance_ok ? null : h("button", { class: "btn block", type: "submit", id: "appearance-save" }, t("save")));
  const saveAppearance = () => act(ctx, () => recordVisit(wo.id, "checklist_answer", { step: "appearance_ok", value: "ok", note: null }));
  appearance.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!formValues(appearance).appearance_ok) return;
    saveAppearance();
  });
  // One tap: ticking the self-check records it (the save button stays for keyboards).
  appearance.elements.appearance_ok.addEventListener("change", (e) => { if (e.target.checked && !a.appearance_ok) saveAppearance(); });

  let knock;
  if (!started) {
    // One tap on the common path: the self-check of appearance, when not yet ticked, is
    // confirmed by the same button, which says so [003 (四)1].
    const withAppearance = !a.appearance_ok;
    knock = actionButton(ctx, withAppearance ? t("knock_start_with_appearance") : t("knock_start"), () => recordMany(wo.id, [
      ...(withAppearance ? [{ entity: "checklist_answer", fields: { step: "appearance_ok", value: "ok", note: null } }] : []),
      { entity: "visit_event", fields: { kind: "knock_started", note: null } },
      { entity: "checklist_answer", fields: { step: "knock", value: "rang_bell_knocked_2x3", note: null } },
    ]), { id: "knock-start", primary: true });
  } else {
    const timer = h("p", { class: "timer", id: "knock-timer", role: "timer", "aria-live": "off" }, clock(since()));
    const prompt = h("p", { class: "note", id: "knock-prompt", "aria-live": "polite" });
    const phoneBox = h("div", { class: "warnbox", id: "phone-prompt", hidden: true },
      h("p", {}, t("knock_phone_now")),
      customer ? callLink(customer.phone) : null,
      actionButton(ctx, t("phoned_customer"), () => recordVisit(wo.id, "visit_event", { kind: "phoned_customer", data: { waited_s: since() } }), { id: "phoned" }));
    let lastRound = 0;
    const tick = () => {
      const s = since();
      timer.textContent = clock(s);
      const round = Math.floor(s / ROUND_S) + 1;
      if (round !== lastRound) {
        if (lastRound) navigator.vibrate?.(200);
        lastRound = round;
      }
      prompt.textContent = t("knock_round", { round, next: ROUND_S - (s % ROUND_S) });
      phoneBox.hidden = s < PHONE_AFTER_S || has(records, "phoned_customer");
    };
    tick();
    if (!finished) {
      const interval = setInterval(tick, 1000);
      ctx.onLeave(() => clearInterval(interval));
    }
    knock = h("div", { class: "card", id: "knock" }, h("h2", {}, t("knock_title")), timer, finished ? null : [prompt, phoneBox]);
  }

  const outcomes = started && !finished ? h("div", { class: "actions", id: "door-outcomes" },
    actionButton(ctx, t("door_answered"), () => recordVisit(wo.id, "visit_event", { kind: "door_answered", data: { waited_s: since() } }), { id: "door-answered", primary: true }),
    noOneHome ? null : actionButton(ctx, t("no_one_home"), () => recordVisit(wo.id, "visit_event", { kind: "no_one_home", data: { waited_s: since() } }), { id: "no-one-home" }),
    neighbourForm(ctx, wo)) : null;

  let noteLeft = null;
  if (noOneHome && !has(records, "note_left")) {
    const photos = records.filter((r) => r.entity === "photo" && r.caption === NOTE_CAPTION);
    noteLeft = h("div", { class: "card", id: "note-left" },
      h("h2", {}, t("note_left_title")),
      h("p", {}, t("note_left_hint", { phone: ctx.app.config.service_phone })),
      photoInput((photo) => act(ctx, () => recordVisit(wo.id, "photo", { blob_sha256: photo.sha256, caption: NOTE_CAPTION }, { blob: photo })), { id: "note-photo", label: t("note_photo") }),
      await thumbnails(photos),
      actionButton(ctx, t("note_left"), () => recordVisit(wo.id, "visit_event", { kind: "note_left", note: NOTE_CAPTION }), { id: "note-left-save", primary: true }),
      h("p", { class: "sub" }, t("look_downstairs")));
  }

  const answered = events(records, "door_answered").at(-1);
  // The step bar's action: start knocking, then "door answered" (the common path, one tap each).
  const primaryId = !started ? "knock-start" : !finished ? "door-answered" : null;
  const primary = primaryId === "knock-start" ? knock : primaryId ? outcomes.querySelector("#door-answered") : null;
  return stepPage(bundle, "door", { primary },
    answered ? h("p", { class: "okmsg", id: "door-answered-msg" }, icon("check"), " ", t("door_answered_at", { time: time(answered.at) })) : null,
    appearance,
    h("p", { class: "note" }, t("knock_hint")),
    knock,
    outcomes,
    noteLeft,
    started && !has(records, "door_answered") ? rescheduleCard(ctx, bundle, { reasonHint: noOneHome ? t("no_one_home") : "" }) : null);
}

function neighbourForm(ctx, wo) {
  const form = h("form", { class: "card", id: "neighbour-form" },
    field("note", t("neighbour_note"), { maxlength: 2000 }),
    h("button", { class: "btn block", type: "submit", id: "neighbour-asked" }, t("neighbour_asked")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "neighbour_asked", note: formValues(form).note.trim() || null }));
  });
  return form;
}
