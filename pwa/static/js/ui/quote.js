// Step 8: the fee quote from the fee schedule (in or out of warranty, parts, labour,
// call-out), shown to the customer; consent recorded before work starts. Refusal leads to
// the three-guarantees (三包) explanation or to the office [003 (五)2, (七)].

import { quoteLines, sameQuote } from "../fees.js";
import { live, partsAndStock, recordMany, recordVisit, voidRecord } from "../records.js";
import { money, supported, t } from "../i18n.js";
import { has } from "../visit.js";
import { isoWithOffset } from "../wire.js";
import { h } from "./dom.js";
import { actionButton, loadJob, sealedNotice, stepPage } from "./visitkit.js";

/** A table of fee lines and the total. */
export function feeTable(quote, loc) {
  return h("table", { class: "fees", id: "fee-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("fee_item", {}, loc)), h("th", { scope: "col", class: "amount" }, t("amount", {}, loc)))),
    h("tbody", {}, quote.lines.map((l) => h("tr", {}, h("td", {}, l.description), h("td", { class: "amount" }, money(l.amount, loc))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("total", {}, loc)), h("td", { class: "amount total", id: "fee-total" }, money(quote.total, loc)))));
}

/** The quote screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, product, records, signed } = bundle;
  const loc = supported(customer?.locale);
  const { parts } = await partsAndStock();
  const names = new Map(parts.map((p) => [p.part_number, loc === "en" && p.name_en ? p.name_en : p.name]));
  const rows = live(records);
  const fitted = rows.filter((r) => r.entity === "part_fitted");
  const quotes = rows.filter((r) => r.entity === "fee_quote");
  const latest = quotes.at(-1) || null;
  const proposal = quoteLines({
    inWarranty: !!product?.in_warranty,
    parts: fitted,
    schedule: ctx.app.config.fees || {},
    partName: (n) => names.get(n) || n,
    text: (key, params) => t(key, params, loc),
  });
  const current = latest && sameQuote(latest, proposal) ? latest : null;
  const refused = current && !current.consented;

  const record = (consented) => async () => {
    // A new quote replaces the ones before it (they are voided, not edited).
    for (const q of quotes) await voidRecord(q.id);
    const now = new Date();
    await recordMany(wo.id, [
      { entity: "fee_quote", fields: { lines: proposal.lines, total: proposal.total, consented, consented_at: consented ? isoWithOffset(now) : null } },
      { entity: "visit_event", fields: { kind: consented ? "fee_consented" : "fee_refused", note: null, data: { total: proposal.total } } },
    ], { at: now });
  };

  let refusal = null;
  if (refused && !signed) {
    refusal = h("div", { class: "card warnbox", id: "three-guarantees" },
      h("h2", {}, t("three_guarantees_title")),
      h("p", {}, t("three_guarantees_text")),
      h("div", { class: "actions" },
        actionButton(ctx, has(records, "three_guarantees_explained") ? `✓ ${t("three_guarantees_explained")}` : t("three_guarantees_explained"),
          () => recordVisit(wo.id, "visit_event", { kind: "three_guarantees_explained", note: null }), { id: "explained", disabled: has(records, "three_guarantees_explained") }),
        actionButton(ctx, t("customer_now_consents"), record(true), { id: "consent-after", primary: true }),
        actionButton(ctx, has(records, "escalated") ? `✓ ${t("escalated")}` : t("escalate"),
          () => recordVisit(wo.id, "visit_event", { kind: "escalated", note: t("escalate_note", { total: proposal.total }) }), { id: "escalate", disabled: has(records, "escalated") })));
  }

  return stepPage(bundle, "quote",
    signed ? sealedNotice() : h("p", { class: "note" }, t(product?.in_warranty ? "quote_hint_warranty" : "quote_hint_charged")),
    h("div", { class: "card", id: "quote", lang: loc },
      h("h2", {}, t("quote_for_customer", {}, loc)),
      feeTable(current || proposal, loc),
      current ? h("p", { class: current.consented ? "okmsg" : "error", id: "consent-state" },
        t(current.consented ? "consented" : "refused_fee", {}, loc)) : null),
    latest && !current && !signed ? h("p", { class: "warnbox", id: "quote-stale" }, t("quote_stale")) : null,
    !current && !signed ? h("div", { class: "actions two" },
      actionButton(ctx, t("customer_consents"), record(true), { id: "consent", primary: true }),
      actionButton(ctx, t("customer_refuses"), record(false), { id: "refuse", danger: true })) : null,
    refusal);
}
