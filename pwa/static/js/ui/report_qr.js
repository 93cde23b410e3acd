// The report in the customer's hands, on the spot (issue #16): after the sign-off the phone
// shows a QR code of the tracking page's link to the report (/track/<ticket>?report=1; the
// customer proves who they are with the last four digits of their phone, and the page says
// the report is on its way until the phone's entries have reached the server), and offers
// to send it by SMS or e-mail through the server's notification outbox when online.

import { NetworkError, api } from "../api.js";
import { syncNow } from "../sync.js";
import { t } from "../i18n.js";
import { h } from "./dom.js";

const VENDOR = "/static/vendor/qrcode.mjs";
const MARGIN = 4; // modules of quiet zone: what readers need around the code

/** The address the QR code carries: the tracking page, marked as opened from the sign-off. */
export function reportLink(wo) {
  return `${location.origin}/track/${encodeURIComponent(wo.ticket_no)}?report=1`;
}

/** Draw `text` as a QR code on `canvas`, `px` CSS pixels square (error correction M). */
export async function drawQr(canvas, text, px) {
  const { default: qrcode } = await import(VENDOR);
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount() + 2 * MARGIN;
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  const cell = Math.max(1, Math.floor((px * ratio) / n));
  canvas.width = canvas.height = cell * n;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#000";
  for (let r = 0; r < qr.getModuleCount(); r++) {
    for (let c = 0; c < qr.getModuleCount(); c++) {
      if (qr.isDark(r, c)) g.fillRect((c + MARGIN) * cell, (r + MARGIN) * cell, cell, cell);
    }
  }
}

function sendForm(wo, customer, loc) {
  const tc = (k, p) => t(k, p, loc);
  const status = h("p", { id: "report-send-status", role: "status", "aria-live": "polite" });
  const input = h("input", { id: "report-recipient", name: "recipient", required: true, maxlength: 254 });
  const inputLabel = h("span", {});
  const choose = (channel) => {
    const email = channel === "email";
    input.type = email ? "email" : "tel";
    input.inputMode = email ? "email" : "tel";
    input.autocomplete = email ? "email" : "tel";
    input.value = (email ? customer?.email : customer?.phone) || "";
    inputLabel.textContent = tc(email ? "report_recipient_email" : "report_recipient_phone");
  };
  const radio = (channel, label) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "channel", value: channel, id: `report-via-${channel}`, checked: channel === "sms" }),
    h("span", {}, label));
  const button = h("button", { type: "submit", class: "btn block", id: "report-send" }, tc("report_send_button"));
  const form = h("form", { id: "report-send-form" },
    h("h3", {}, tc("report_send_title")),
    h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, tc("report_send_title")),
      radio("sms", tc("report_send_sms")), radio("email", tc("report_send_email"))),
    h("label", { class: "field", for: "report-recipient" }, inputLabel, input),
    button, status);
  choose("sms");
  form.addEventListener("change", (e) => { if (e.target.name === "channel") choose(e.target.value); });
  const say = (text, error = false) => { status.textContent = text; status.className = error ? "error" : "okmsg"; };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const channel = form.querySelector("input[name=channel]:checked").value;
    const recipient = input.value.trim();
    if (!recipient) return say(tc("report_send_invalid"), true);
    button.disabled = true;
    say(tc("report_send_sending"));
    try {
      // The sign-off must be on the server first: the link and the PDF are made from it.
      await syncNow({ reason: "report" });
      const res = await api(`/api/work-orders/${wo.id}/report/send`, { method: "POST", json: { channel, recipient } });
      if (res.status === 202) say(tc("report_sent", { to: res.body.recipient }));
      else if (res.body?.reason === "report.not_synced") say(tc("report_send_not_synced"), true);
      else if (res.status === 422 || res.body?.reason === "report.recipient_invalid") say(tc("report_send_invalid"), true);
      else say(tc("report_send_failed", { reason: res.body?.message || res.status }), true);
    } catch (err) {
      say(err instanceof NetworkError ? tc("report_send_offline") : tc("report_send_failed", { reason: err.message }), true);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** The card: the QR code of the report's link, its address, and sending it by SMS or e-mail. */
export function reportCard(wo, customer, loc) {
  const tc = (k, p) => t(k, p, loc);
  const link = reportLink(wo);
  const canvas = h("canvas", { id: "report-qr", class: "qr", role: "img", "aria-label": `${tc("report_qr_title")}: ${link}`, "data-link": link });
  drawQr(canvas, link, 220).then(() => { canvas.dataset.ready = "true"; })
    .catch((err) => { console.error(err); canvas.replaceWith(h("p", { class: "error" }, link)); });
  return h("div", { class: "card", id: "report-card", lang: loc },
    h("h2", {}, tc("report_qr_title")),
    h("div", { class: "qrwrap" }, canvas),
    h("p", { class: "sub", id: "report-link" }, link),
    h("p", { class: "note" }, tc("report_qr_hint")),
    sendForm(wo, customer, loc));
}
