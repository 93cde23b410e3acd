// Prices and fee quotes: warranty decides the price of parts, the fee schedule (from the
// server's config, in the shell) gives call-out and labour; out of warranty is chargeable.

import { addMoney, money } from "./wire.js";

/** Price of one part on this product: free under warranty, catalogue price otherwise. */
export function partPrice(part, product) {
  const underWarranty = !!product?.in_warranty;
  return { unit_price: underWarranty ? "0.00" : money(part?.price ?? 0), under_warranty: underWarranty };
}

/** Amount of one part line (unit price × quantity), computed in cents. */
export function lineAmount(unitPrice, quantity) {
  return addMoney(...Array.from({ length: Math.max(1, quantity || 1) }, () => unitPrice));
}

/**
 * The lines of a fee quote: call-out, labour, then one line per part fitted.
 * `text(key, params)` writes the descriptions in the customer's language.
 */
export function quoteLines({ inWarranty, parts, schedule, partName, text }) {
  const lines = [
    { kind: "call_out", description: text("fee_call_out"), amount: inWarranty ? "0.00" : money(schedule.call_out ?? 0) },
    { kind: "labour", description: text("fee_labour"), amount: inWarranty ? "0.00" : money(schedule.labour ?? 0) },
  ];
  for (const p of parts) {
    lines.push({
      kind: "part",
      description: text("fee_part_line", { name: partName(p.part_number), qty: p.quantity ?? 1 }).slice(0, 200),
      amount: lineAmount(p.unit_price, p.quantity),
    });
  }
  return { lines, total: addMoney(...lines.map((l) => l.amount)) };
}

/** True when two quotes have the same lines and total (a consented quote still stands). */
export function sameQuote(a, b) {
  return !!a && !!b && money(a.total) === money(b.total) && a.lines.length === b.lines.length &&
    a.lines.every((l, i) => l.kind === b.lines[i].kind && money(l.amount) === money(b.lines[i].amount) && l.description === b.lines[i].description);
}
