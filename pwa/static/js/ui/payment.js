// The payment, at hand-over: how the customer paid the consented total (read-only: the
// amount is the quote the customer agreed to), whether they want a receipt or an invoice
// (with its title), or that nothing was collected, with the reason for the office. The
// server gives the receipt number; the phone shows it once the pull brings it back.
// Not sealed by the sign-off: customers often pay after signing.

import { recordVisit } from "../records.js";
import { money, t } from "../i18n.js";
import { consentedQuote, paymentOf } from "../visit.js";
import { formValues, h } from "./dom.js";
import { act, field } from "./visitkit.js";

export const METHODS = ["cash", "wechat", "alipay", "card", "bank_transfer", "not_collected"];
export const RECEIPTS = ["none", "receipt", "invoice"];

/** Check a payment form's values; a list of problems (empty when fine). */
export function checkPayment({ method, receipt, invoice_title: title, note }) {
  const problems = [];
  if (!METHODS.includes(method)) problems.push(t("pay_method_required"));
  if (method === "not_collected" && !note?.trim()) problems.push(t("pay_note_required"));
  if (method !== "not_collected" && receipt === "invoice" && !title?.trim()) problems.push(t("invoice_title_required"));
  return problems;
}

/** The payment record's fields from the form and the consented quote. */
export function paymentFields(woId, quote, v) {
  const collected = v.method !== "not_collected";
  return {
    work_order_id: woId,
    method: v.method,
    amount: collected ? quote.total : "0.00",
    receipt: collected ? v.receipt : "none",
    invoice_title: collected && v.receipt === "invoice" ? v.invoice_title.trim() : null,
    note: v.note?.trim() || null,
  };
}

/** The payment card of a visit, or null when there is nothing to collect. */
export function paymentCard(ctx, wo, records) {
  const quote = consentedQuote(records);
  const paid = paymentOf(records);
  if (paid) {
    return h("div", { class: "card", id: "payment" },
      h("h2", {}, t("payment_title")),
      paid.method === "not_collected"
        ? h("p", { class: "warnbox", id: "payment-done" }, t("not_collected_recorded", { note: paid.note || "" }))
        : h("p", { class: "okmsg", id: "payment-done" }, t("payment_recorded", { method: t(`pay_method_${paid.method}`), amount: money(paid.amount) })),
      paid.receipt !== "none" ? (paid.receipt_no
        ? h("p", { class: "big", id: "receipt-no" }, t(paid.receipt === "invoice" ? "invoice_no_label" : "receipt_no_label", { no: paid.receipt_no }))
        : h("p", { class: "sub", id: "receipt-pending" }, t("receipt_pending"))) : null);
  }
  if (!quote || Number(quote.total) <= 0) return null;
  const error = h("p", { class: "error", role: "alert", id: "payment-error" });
  const amount = h("input", { type: "text", id: "f-pay-amount", name: "amount", value: money(quote.total), readOnly: true });
  const form = h("form", { class: "card", id: "payment-form" },
    h("h2", {}, t("payment_title")),
    h("label", { class: "field", for: "f-pay-method" }, h("span", {}, t("pay_method")),
      h("select", { name: "method", id: "f-pay-method" },
        h("option", { value: "" }, t("pay_method_choose")),
        METHODS.map((m) => h("option", { value: m }, t(`pay_method_${m}`))))),
    h("label", { class: "field", for: "f-pay-amount" }, h("span", {}, t("pay_amount")), amount),
    h("label", { class: "field", for: "f-pay-receipt" }, h("span", {}, t("pay_receipt")),
      h("select", { name: "receipt", id: "f-pay-receipt" }, RECEIPTS.map((r) => h("option", { value: r }, t(`pay_receipt_${r}`))))),
    field("invoice_title", t("invoice_title"), { id: "f-invoice-title", maxlength: 200 }),
    field("note", t("pay_note"), { id: "f-pay-note", multiline: true, maxlength: 2000 }),
    error,
    h("button", { type: "submit", class: "btn primary block", id: "payment-save" }, t("record_payment")));
  form.querySelector("#f-pay-method").addEventListener("change", (e) => {
    amount.value = money(e.target.value === "not_collected" ? "0.00" : quote.total);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    const problems = checkPayment(v);
    if (problems.length) return (error.textContent = problems.join(" "));
    error.textContent = "";
    return act(ctx, () => recordVisit(wo.id, "payment", paymentFields(wo.id, quote, v)), { button: form.querySelector("#payment-save") });
  });
  return form;
}
