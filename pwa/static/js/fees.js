// Fee computation: a line-for-line port of server/domain/fees.py. The phone prices a quote
// offline from its synced fee schedule and the server recomputes it with the Python rule;
// `canonicalQuote(...)` must be byte-identical on both sides (tests/test_fees_agree.py).
// All amounts are integer cents inside; money leaves as a string with two decimals.
//
// Also the contract's coverage rule as the phone sees it (server/services/coverage.py):
// who pays for the visit and for each part [seed 003 §三(五)2, §三(七)1-2].

import { canonicalJson } from "./summary.js";
import { serviceDay, warrantyState } from "./warranty.js";

export { serviceDay };

export const LABOUR_UNIT_MINUTES = 15; // labour is billed per started quarter hour
export const WAIVABLE = ["call_out", "labour"];

/** A quote that cannot be priced: `code` is a stable reason (fees.*), `params` fill its words. */
export class FeeError extends Error {
  constructor(code, params = {}) {
    super(code);
    this.name = "FeeError";
    this.code = code;
    this.params = params;
  }
}

// Python's str.strip() whitespace (str.isspace), which is not quite JS's trim().
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** Python's str.strip(). */
export function pyStrip(s) {
  return String(s).replace(STRIP, "");
}

/** Decimal("12.345") * 100 rounded half up (away from zero), as Python's cents(). */
export function cents(amount) {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(String(amount));
  if (!m || (m[2] === "" && !m[3])) throw new RangeError(`not an amount: ${amount}`);
  const frac = (m[3] || "").padEnd(3, "0");
  let c = Number(m[2] || "0") * 100 + Number(frac.slice(0, 2));
  if (frac.slice(2) !== "" && Number(frac[2]) >= 5) c += 1; // half up on the third decimal
  return m[1] === "-" && c !== 0 ? -c : c;
}

/** Integer cents as money: "12.30", "-0.05". */
export function money(c) {
  const sign = c < 0 ? "-" : "";
  const abs = Math.abs(c);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Python's floor division for integers. */
const floorDiv = (a, b) => Math.floor(a / b);

/** Hourly rate × started quarter hours, rounded half up to the cent (integer arithmetic). */
export function labourCents(ratePerHour, minutes) {
  const units = -floorDiv(-Math.max(0, minutes), LABOUR_UNIT_MINUTES);
  const perHour = floorDiv(60, LABOUR_UNIT_MINUTES);
  return floorDiv(units * cents(ratePerHour) * 2 + perHour, 2 * perHour);
}

function partsMap(parts) {
  return parts instanceof Map ? parts : new Map(Object.entries(parts || {}));
}

/**
 * The quote's lines in their fixed order, and the total. Throws FeeError.
 * schedule: {revision, call_out, labour_per_hour, parts: Map|object part_number -> [price, trade_in_credit]}
 * q: {covered, work_minutes, parts: [{part_number, quantity, trade_in, covered}], adjustments: [{kind, reason, line, amount}]}
 */
export function computeQuote(schedule, q) {
  const catalogue = partsMap(schedule.parts);
  const workMinutes = q.work_minutes ?? 0;
  const lines = [];
  const callOut = q.covered ? 0 : cents(schedule.call_out);
  const labour = q.covered ? 0 : labourCents(schedule.labour_per_hour, workMinutes);
  lines.push({ kind: "call_out", ref: "", quantity: 1, amount: callOut });
  lines.push({ kind: "labour", ref: "", quantity: Math.max(0, workMinutes), amount: labour });
  for (const p of q.parts || []) {
    const quantity = p.quantity ?? 1;
    if (!catalogue.has(p.part_number)) throw new FeeError("fees.unknown_part", { part_number: p.part_number });
    if (!(quantity >= 1 && quantity <= 100)) throw new FeeError("fees.bad_quantity", { part_number: p.part_number });
    const [price, credit] = catalogue.get(p.part_number);
    const free = !!q.covered || !!p.covered;
    lines.push({ kind: "part", ref: p.part_number, quantity, amount: free ? 0 : cents(price) * quantity });
    if (p.trade_in && !free && cents(credit) > 0) {
      lines.push({ kind: "trade_in", ref: p.part_number, quantity, amount: -cents(credit) * quantity });
    }
  }
  const byKind = { call_out: callOut, labour };
  const waived = new Set();
  const adjustments = q.adjustments || [];
  for (const a of adjustments) {
    if (!pyStrip(a.reason ?? "")) throw new FeeError("fees.reason_required", { kind: a.kind });
    if (a.kind === "waiver") {
      if (!WAIVABLE.includes(a.line) || waived.has(a.line)) throw new FeeError("fees.bad_waiver", { line: a.line || "" });
      waived.add(a.line);
      lines.push({ kind: "waiver", ref: a.line, quantity: 1, amount: -byKind[a.line], reason: pyStrip(a.reason) });
    }
  }
  for (const a of adjustments) {
    if (a.kind === "discount") {
      const off = cents(a.amount || 0);
      const left = lines.reduce((sum, line) => sum + line.amount, 0);
      if (off <= 0 || off > left) throw new FeeError("fees.bad_discount", { amount: money(off), left: money(left) });
      lines.push({ kind: "discount", ref: "", quantity: 1, amount: -off, reason: pyStrip(a.reason) });
    } else if (a.kind !== "waiver") {
      throw new FeeError("fees.bad_adjustment", { kind: a.kind });
    }
  }
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  if (total < 0) throw new FeeError("fees.negative_total", { total: money(total) }); // the customer is never paid out
  return { lines: lines.map((line) => ({ ...line, amount: money(line.amount) })), total: money(total) };
}

/** The bytes phone and server must agree on: lines without description, and the total. */
export function canonicalQuote(quote) {
  const lines = quote.lines.map(({ description, ...rest }) => rest); // eslint-disable-line no-unused-vars
  return canonicalJson({ lines, total: quote.total });
}

// ---- the schedule on the phone ------------------------------------------------------

/**
 * The fee schedule the phone prices with: the synced `fee_schedule` record when there is
 * one, else the shell config's fees (revision 0, before the server syncs a schedule), and
 * each catalogue part's price and trade-in credit.
 */
export function scheduleFrom(synced, config, parts) {
  const base = synced
    ? { revision: synced.revision, call_out: synced.call_out, labour_per_hour: synced.labour_per_hour }
    : { revision: config?.revision ?? 0, call_out: config?.call_out ?? "0.00", labour_per_hour: config?.labour_per_hour ?? config?.labour ?? "0.00" };
  const catalogue = new Map();
  for (const p of parts || []) catalogue.set(p.part_number, [p.price ?? "0.00", p.trade_in_credit ?? "0.00"]);
  return { ...base, parts: catalogue };
}

// ---- coverage (who pays) ------------------------------------------------------------

/** The visit is covered: the one rule in warranty.js (the office's decision, the product's warranty, a void). */
export function visitCovered(wo, product, records, now = new Date()) {
  return warrantyState(wo, product, records, now).covered;
}

/** A part is free when the part it replaces was fitted earlier and its own warranty has not ended. */
export function partCovered(product, serialRemoved, now = new Date()) {
  if (!serialRemoved) return false;
  const day = serviceDay(now);
  return (product?.repair_history || []).some((order) => (order.parts || []).some((p) =>
    p.serial_fitted === serialRemoved && !!p.warranty_end && day <= p.warranty_end));
}

/** Price of one fitted part: catalogue price unless the visit or the part is covered. */
export function partPrice(part, { covered = false, partIsCovered = false } = {}) {
  const free = covered || partIsCovered;
  return { unit_price: free ? "0.00" : money(cents(part?.price ?? "0.00")), under_warranty: free };
}

// ---- descriptions and consent -------------------------------------------------------

/**
 * The quote's lines with a description in the customer's language.
 * `text(key, params)` words them; `partName(part_number)` names a part.
 */
export function describeLines(quote, { text, partName }) {
  const words = (l) => {
    switch (l.kind) {
      case "call_out": return text("fee_call_out");
      case "labour": return text("fee_labour_minutes", { minutes: l.quantity });
      case "part": return text("fee_part_line", { name: partName(l.ref), qty: l.quantity });
      case "trade_in": return text("fee_trade_in_line", { name: partName(l.ref), qty: l.quantity });
      case "waiver": return text("fee_waiver_line", { line: text(`fee_${l.ref}`), reason: l.reason });
      default: return text("fee_discount_line", { reason: l.reason });
    }
  };
  return { ...quote, lines: quote.lines.map((l) => ({ ...l, description: words(l).slice(0, 200) })) };
}

/** How many of each part number the consented quote allows. */
export function consentedQuantities(quote) {
  const out = new Map();
  for (const p of quote?.parts || []) out.set(p.part_number, (out.get(p.part_number) || 0) + (p.quantity ?? 1));
  return out;
}

/**
 * Whether fitting `quantity` more of a chargeable part stays within the consent: the quote
 * lists that part with a quantity at least the live fitted quantity including this one.
 */
export function withinConsent(quote, partNumber, quantity, fitted) {
  const allowed = consentedQuantities(quote).get(partNumber) || 0;
  const already = (fitted || []).filter((f) => f.part_number === partNumber).reduce((n, f) => n + (f.quantity ?? 1), 0);
  return !!quote && allowed >= already + quantity;
}
