// Step 11: customer hand-over. The payment of the consented total first (ui/payment.js,
// also after signing), then the phone shows the customer what was done (the product, the
// date, the technician's name and badge number, customer-visible diagnosis, parts and
// serials, the fees they agreed, outcome) in the customer's language; they rate repair
// quality and service attitude on labelled 1-5 scales (5 = very satisfied, the seed's
// "满意" column [seed 003 §三(九)2]), comment and sign with a finger on a pad the width of
// the screen. The sign-off carries the SHA-256 of exactly the summary shown; the customer
// sees a short verification code made from it (no hash), printed on the PDF too (issue #15).
// Signed: the QR code of the report's link, sending it by SMS or e-mail (ui/report_qr.js,
// issue #16), and a clear "hand the phone back to the technician" end.

import { partsAndStock, recordVisit } from "../records.js";
import { date, locale, money, supported, t } from "../i18n.js";
import { buildSummary, sha256Hex, summarySha256, verificationCode } from "../summary.js";
import { get } from "../db.js";
import { formValues, h } from "./dom.js";
import { feeTable } from "./quote.js";
import { paymentCard } from "./payment.js";
import { act, field, loadJob } from "./visitkit.js";
import { events } from "../visit.js";
import { signaturePng } from "../png1.js";
import { reportCard } from "./report_qr.js";

/** Who and what the summary is about: product, date, the technician's name and badge number. */
function summaryFacts(ctx, product, loc) {
  const tc = (k, p) => t(k, p, loc);
  const user = ctx.app.user || {};
  const rows = [
    product && [tc("ho_product"), [product.model, product.name].filter(Boolean).join(" · "), "summary-product"],
    product?.serial_no && [tc("ho_serial"), product.serial_no, "summary-serial"],
    [tc("ho_date"), date(new Date().toISOString()), "summary-date"],
    [tc("ho_technician"), user.name || "—", "summary-technician"],
    user.badge_no && [tc("ho_badge"), user.badge_no, "summary-badge"],
  ].filter(Boolean);
  return h("dl", { class: "summary-facts", id: "summary-facts" },
    rows.map(([k, v, id]) => [h("dt", {}, k), h("dd", { id }, v)]));
}

function codeLine(code, loc) {
  return h("p", { class: "vcode-line" }, t("verification_code", {}, loc), ": ",
    h("span", { class: "vcode", id: "verification-code" }, code), h("br"),
    h("span", { class: "sub" }, t("verification_hint", {}, loc)));
}

function summaryView(ctx, summary, names, product, loc) {
  const tc = (k, p) => t(k, p, loc);
  const agreed = summary.fees.filter((f) => f.consented);
  const refused = summary.fees.filter((f) => !f.consented);
  const code = h("span", { class: "vcode", id: "verification-code" }, "…");
  summarySha256(summary).then((sha) => { code.textContent = verificationCode(sha); });
  return h("div", { class: "card", id: "summary", lang: loc },
    h("h2", {}, tc("summary_title")),
    h("p", {}, tc("ticket_no"), ": ", summary.ticket_no),
    summaryFacts(ctx, product, loc),
    h("h3", {}, tc("work_done")),
    summary.diagnoses.length ? h("ul", { class: "records", id: "summary-diagnoses" }, summary.diagnoses.map((d) => h("li", {},
      h("div", {}, h("strong", {}, tc("fault_cause"), ": "), d.fault_cause),
      d.repair_method ? h("div", {}, h("strong", {}, tc("repair_method"), ": "), d.repair_method) : null)))
      : h("p", { class: "sub" }, tc("nothing_recorded")),
    h("h3", {}, tc("parts_used")),
    summary.parts.length ? h("ul", { class: "records", id: "summary-parts" }, summary.parts.map((p) => h("li", {},
      h("strong", {}, `${names.get(p.part_number) || p.part_number} ×${p.quantity}`),
      h("div", {}, tc("serial_removed"), ": ", p.serial_removed || "—"),
      h("div", {}, tc("serial_fitted"), ": ", h("span", { class: "serial-fitted" }, p.serial_fitted || "—")),
      h("div", { class: "sub" }, p.under_warranty ? tc("under_warranty_free") : money(p.unit_price, loc)))))
      : h("p", { class: "sub" }, tc("no_parts")),
    h("h3", {}, tc("ho_fees_agreed")),
    h("div", { id: "summary-fees" }, agreed.length ? agreed.map((f) => [feeTable(f, loc), h("p", { class: "okmsg" }, tc("consented"))])
      : h("p", { class: "sub" }, tc(summary.fees.length ? "ho_fees_none_agreed" : "no_fees"))),
    refused.map((f) => [feeTable(f, loc), h("p", { class: "error" }, tc("refused_fee"))]),
    h("h3", {}, tc("outcome")),
    h("p", { class: "big", id: "summary-outcome" }, summary.outcome ? tc(`outcome_${summary.outcome}`) : "—"),
    h("p", { class: "vcode-line" }, tc("verification_code"), ": ", code, h("br"),
      h("span", { class: "sub" }, tc("verification_hint"))));
}

function rating(name, legend, loc) {
  // Which end is good, in words: each choice names its meaning, the scale's ends are spelled out.
  const word = (n) => t(`rating_word_${n}`, {}, loc);
  return h("div", { class: "rating-block" },
    h("fieldset", { class: "rating", id: `rate-${name}`, "aria-describedby": `scale-${name}` },
      h("legend", {}, legend),
      [1, 2, 3, 4, 5].map((n) => h("label", { title: word(n) },
        h("input", { type: "radio", name, value: String(n), "aria-label": t("rating_option", { n, word: word(n) }, loc) }),
        h("span", { "aria-hidden": "true" }, String(n)),
        h("small", { "aria-hidden": "true" }, word(n))))),
    h("p", { class: "rating-scale", id: `scale-${name}` },
      h("span", {}, t("rating_scale_low", {}, loc)), h("span", {}, t("rating_scale_high", {}, loc))));
}

/** The signature as a 1-bit PNG at the pad's CSS size (png1.js); the pad's own PNG where that cannot be made. */
async function signatureBytes(canvas) {
  if (typeof CompressionStream === "function") {
    return (await signaturePng(canvas, canvas.offsetWidth, canvas.offsetHeight)).buffer;
  }
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  return blob.arrayBuffer();
}

/** The hand-over screen (customer mode). */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, product, records, signed } = bundle;
  const loc = supported(customer?.locale);
  const tc = (k, p) => t(k, p, loc);
  const { parts } = await partsAndStock();
  const names = new Map(parts.map((p) => [p.part_number, loc === "en" && p.name_en ? p.name_en : p.name]));
  document.body.classList.add("customer-mode");
  ctx.onLeave(() => document.body.classList.remove("customer-mode"));
  const back = h("a", { class: "btn block", href: `/app/jobs/${wo.id}/complete`, id: "back-to-technician" }, t("back_to_technician"));

  if (signed) {
    const sig = await get("blobs", signed.signature_sha256);
    const src = sig ? URL.createObjectURL(new Blob([sig.bytes], { type: sig.type })) : `/api/blobs/${signed.signature_sha256}`;
    const word = (n) => t(`rating_word_${n}`, {}, loc);
    return h("section", { class: "screen", id: "handover", lang: loc },
      h("h1", { tabindex: "-1" }, tc("signed_title")),
      h("p", { class: "okmsg", id: "signed" }, tc("signed_thanks", { name: signed.signer_name })),
      h("p", {}, tc("rating_quality"), ": ", `${signed.rating_quality} (${word(signed.rating_quality)})`, " · ",
        tc("rating_attitude"), ": ", `${signed.rating_attitude} (${word(signed.rating_attitude)})`),
      signed.comment ? h("p", {}, tc("comment"), ": ", signed.comment) : null,
      h("img", { class: "sigimg", src, alt: tc("signature") }),
      codeLine(verificationCode(signed.summary_sha256), loc),
      reportCard(wo, customer, loc),
      h("div", { class: "handback", id: "handback", role: "status" },
        h("p", {}, tc("handback_title")),
        h("a", { class: "btn primary block", href: `/app/jobs/${wo.id}/complete`, id: "back-to-technician", lang: locale() }, t("handback_done"))),
      h("div", { lang: locale() }, paymentCard(ctx, wo, records)));
  }

  if (!wo.outcome) {
    // The customer signs what was done and how it ended: record the outcome first.
    document.body.classList.remove("customer-mode");
    return h("section", { class: "screen", id: "handover" },
      h("h1", { tabindex: "-1" }, t("step_handover")),
      h("p", { class: "warnbox", id: "handover-blocked" }, t("complete_needs_outcome")),
      h("a", { class: "btn primary block", href: `/app/jobs/${wo.id}/outcome` }, t("step_outcome")));
  }

  const declined = events(records, "sign_off_declined").at(-1);
  if (declined) {
    // The customer would not sign: the refusal and its reason go to the office for review.
    document.body.classList.remove("customer-mode");
    return h("section", { class: "screen", id: "handover" },
      h("h1", { tabindex: "-1" }, t("event_sign_off_declined")),
      h("p", { class: "warnbox", id: "sign-off-declined" }, t("sign_off_declined_notice", { reason: declined.data?.reason || "" })),
      paymentCard(ctx, wo, records),
      back);
  }

  // The summary is fixed at the moment it is shown: what is hashed is what was seen.
  const summary = buildSummary(wo, records);
  const canvas = h("canvas", { id: "signature-pad", "aria-label": tc("signature_label") });
  const error = h("p", { class: "error", role: "alert", id: "signoff-error" });
  const form = h("form", { class: "card", id: "signoff-form", lang: loc },
    rating("rating_quality", tc("rating_quality"), loc),
    rating("rating_attitude", tc("rating_attitude"), loc),
    field("comment", tc("comment"), { multiline: true, id: "f-comment", maxlength: 2000 }),
    field("signer_name", tc("signer_name"), { value: customer?.name || "", required: true, maxlength: 120 }),
    h("p", { id: "sig-label" }, tc("signature_label")),
    h("div", { class: "sigwrap" }, canvas),
    h("button", { type: "button", class: "btn block", id: "signature-clear" }, tc("signature_clear")),
    error,
    h("button", { type: "submit", class: "btn primary block", id: "signoff-submit" }, tc("sign_and_confirm")));

  const { default: SignaturePad } = await import("/static/vendor/signature_pad.js");
  let pad = null;
  const fit = () => {
    // Size the canvas to its box at the device's pixel ratio so strokes are sharp.
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad && !pad.isEmpty() ? pad.toData() : null;
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    if (pad) { pad.clear(); if (data) pad.fromData(data); }
  };
  requestAnimationFrame(() => {
    pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "rgb(0,0,0)", minWidth: 1.2, maxWidth: 3.5 });
    fit();
    form.dataset.ready = "true";
  });
  addEventListener("resize", fit);
  ctx.onLeave(() => { removeEventListener("resize", fit); pad?.off(); });
  form.querySelector("#signature-clear").addEventListener("click", () => pad?.clear());

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = formValues(form);
    if (!v.rating_quality || !v.rating_attitude) return (error.textContent = tc("ratings_required"));
    if (!v.signer_name.trim()) return (error.textContent = tc("signer_required"));
    if (!pad || pad.isEmpty()) return (error.textContent = tc("signature_required"));
    error.textContent = "";
    const bytes = await signatureBytes(canvas);
    const sha = await sha256Hex(bytes);
    await act(ctx, async () => recordVisit(wo.id, "sign_off", {
      signer_name: v.signer_name.trim(),
      rating_quality: Number(v.rating_quality),
      rating_attitude: Number(v.rating_attitude),
      comment: v.comment.trim() || null,
      signature_sha256: sha,
      summary_sha256: await summarySha256(summary),
    }, { blob: { sha256: sha, type: "image/png", bytes } }), { button: form.querySelector("#signoff-submit") });
  });

  // The technician's way out when the customer will not sign: the reason is required [003 §三(十一)].
  const declineError = h("p", { class: "error", role: "alert", id: "decline-error" });
  const decline = h("form", { class: "card", id: "decline-form" },
    h("p", { class: "note" }, t("decline_hint")),
    field("reason", t("decline_reason"), { multiline: true, id: "f-decline-reason", maxlength: 2000 }),
    declineError,
    h("button", { type: "submit", class: "btn block", id: "decline-submit" }, t("record_decline")));
  decline.addEventListener("submit", (e) => {
    e.preventDefault();
    const reason = formValues(decline).reason.trim();
    if (!reason) return (declineError.textContent = t("decline_reason_required"));
    declineError.textContent = "";
    return act(ctx, async () => recordVisit(wo.id, "visit_event", { kind: "sign_off_declined", note: reason, data: { reason } }),
      { button: decline.querySelector("#decline-submit") });
  });

  return h("section", { class: "screen", id: "handover", lang: loc },
    h("h1", { tabindex: "-1" }, tc("handover_title")),
    h("div", { lang: locale() }, paymentCard(ctx, wo, records)),
    h("p", { class: "note" }, tc("handover_hint")),
    summaryView(ctx, summary, names, product, loc),
    form,
    h("details", { class: "decline", id: "decline" },
      h("summary", { id: "decline-open" }, t("event_sign_off_declined")),
      decline),
    h("a", { class: "btn block", href: `/app/jobs/${wo.id}`, id: "leave-handover" }, t("back_to_technician")));
}
