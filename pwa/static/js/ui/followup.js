// Booking a follow-up visit from the field (issue #15): the reason and the customer's preferred
// times (one or more windows), recorded on the phone as a `follow_up_requested` visit event
// (offline too), synced, and booked by the office (server/services/follow_up_requests.py), whose
// `follow_up_booked` answer comes back on the next pull.

import { recordVisit } from "../records.js";
import { dateTime, t } from "../i18n.js";
import { events } from "../visit.js";
import { isoWithOffset } from "../wire.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { act, field } from "./visitkit.js";

const MAX_WINDOWS = 5; // as the server takes (sync/event_data.py FollowUpRequested)

function pad(n) {
  return String(n).padStart(2, "0");
}

function tomorrow() {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function windowRow(i) {
  // Sensible defaults: tomorrow morning; the technician changes what the customer asks for.
  // A group, not a fieldset: a fieldset is as wide as its widest date-time field's content (min-content),
  // wider than a 360 px screen.
  return h("div", { class: "fu-window", "data-window": i, role: "group", "aria-labelledby": `fu-window-${i}` },
    h("p", { class: "sub", id: `fu-window-${i}` }, t("fu_window", { n: i + 1 })),
    field(`from_${i}`, t("fu_from"), { type: "datetime-local", value: `${tomorrow()}T09:00`, id: `fu-from-${i}`, required: true }),
    field(`to_${i}`, t("fu_to"), { type: "datetime-local", value: `${tomorrow()}T12:00`, id: `fu-to-${i}`, required: true }));
}

/** The windows typed in, as {start, end} Dates (null for a row not filled in). */
function windowsOf(form) {
  return [...form.querySelectorAll(".fu-window")].map((row) => {
    const i = row.dataset.window;
    const from = form.elements[`from_${i}`].value;
    const to = form.elements[`to_${i}`].value;
    if (!from || !to) return null;
    return { start: new Date(from), end: new Date(to) };
  });
}

function showTime(w) {
  return `${dateTime(w.start)} – ${dateTime(w.end)}`;
}

/** The requests made on this job and the office's answers, then a form for a new one. */
export function followUpRequestCard(ctx, bundle) {
  const { wo, records } = bundle;
  const requests = events(records, "follow_up_requested");
  const booked = new Map(events(records, "follow_up_booked").map((b) => [b.data?.request_id, b]));
  const error = h("p", { class: "error", role: "alert", id: "fu-error" });
  const rows = h("div", { id: "fu-windows" }, windowRow(0));
  const add = h("button", { type: "button", class: "btn block", id: "fu-add-window" }, t("fu_add_window"));
  add.addEventListener("click", () => {
    const n = rows.children.length;
    if (n < MAX_WINDOWS) rows.append(windowRow(n));
    if (n + 1 >= MAX_WINDOWS) add.disabled = true;
  });
  const send = h("button", { type: "submit", class: "btn primary block", id: "fu-request" }, t("fu_send"));
  const form = h("form", { id: "fu-form", novalidate: true },
    field("reason", t("fu_reason"), { multiline: true, id: "fu-reason", rows: 2, maxlength: 500, required: true }),
    rows, add, error, send);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) return (error.textContent = t("fu_err_reason"));
    const windows = windowsOf(form);
    const now = Date.now();
    if (windows.some((w) => !w || !(w.end > w.start) || w.end.getTime() <= now)) return (error.textContent = t("fu_err_window"));
    error.textContent = "";
    act(ctx, () => recordVisit(wo.id, "visit_event", {
      kind: "follow_up_requested",
      note: reason,
      data: { reason, windows: windows.map((w) => ({ start: isoWithOffset(w.start), end: isoWithOffset(w.end) })) },
    }), { button: send });
  });
  return h("div", { class: "card", id: "follow-up-request" },
    h("h2", {}, t("fu_title")),
    requests.length ? h("ul", { class: "plain", id: "fu-requests" }, requests.map((r) => {
      const answer = booked.get(r.id);
      return h("li", { class: "fu-request", "data-state": answer ? "booked" : "waiting" },
        h("strong", {}, r.data?.reason ?? r.note ?? ""),
        h("br"),
        (r.data?.windows || []).map((w) => showTime({ start: new Date(w.start), end: new Date(w.end) })).join("; "),
        h("br"),
        answer
          ? h("span", { class: "okmsg" }, icon("check"), " ", t("fu_booked", { when: dateTime(answer.data.start) }))
          : h("span", { class: "note" }, t(r.synced ? "fu_waiting" : "fu_not_sent")));
    })) : null,
    h("details", { id: "fu-new" },
      h("summary", { class: "btn block", id: "fu-open" }, t("fu_open")),
      h("p", { class: "note" }, t("fu_hint")),
      form));
}
