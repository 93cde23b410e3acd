// The summary the customer signs and its SHA-256. It must equal, byte for byte, what the
// server computes (server/sync/summary.py): keys sorted by code point, no spaces, UTF-8,
// money with two decimals, lists sorted by record id, voided and rejected records left out.

import { live } from "./records.js";
import { money } from "./wire.js";

function byCodePoint(a, b) {
  // Python sorts str by code point; JS compares UTF-16 units, which differ past U+FFFF.
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const byId = (a, b) => byCodePoint(a.id, b.id);
// Stored as sent: the UI sends null (never "") for a blank optional field.
const orNull = (v) => (v === undefined ? null : v);

/** The summary of a visit from the work order and its local records. */
export function buildSummary(wo, records) {
  const rows = live(records);
  const of = (entity) => rows.filter((r) => r.entity === entity).sort(byId);
  return {
    v: 1,
    work_order_id: wo.id,
    ticket_no: wo.ticket_no,
    outcome: orNull(wo.outcome),
    diagnoses: of("diagnosis")
      .filter((d) => d.customer_visible)
      .map((d) => ({ id: d.id, fault_cause: d.fault_cause, repair_method: orNull(d.repair_method) })),
    parts: of("part_fitted").map((p) => ({
      id: p.id,
      part_number: p.part_number,
      serial_fitted: orNull(p.serial_fitted),
      serial_removed: orNull(p.serial_removed),
      quantity: p.quantity ?? 1,
      unit_price: money(p.unit_price),
      under_warranty: !!p.under_warranty,
    })),
    fees: of("fee_quote").map((f) => ({
      id: f.id,
      lines: f.lines.map((line) => ({ ...line, amount: money(line.amount) })),
      total: money(f.total),
      consented: !!f.consented,
    })),
  };
}

/** Canonical JSON: like Python json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
export function canonicalJson(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("not JSON: non-finite number");
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

/** Hex SHA-256 of a string (as UTF-8) or of bytes. */
export async function sha256Hex(data) {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash that goes into the sign-off. */
export function summarySha256(summary) {
  return sha256Hex(canonicalJson(summary));
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The short code the customer reads instead of the hash (issue #15): the first 40 bits of
 * the summary's SHA-256 as eight Crockford base-32 characters, "7K2M-Q9XD". The server
 * makes the same code (server/domain/verification_code.py) for the PDF, /verify and /track.
 */
export function verificationCode(summaryHex) {
  let value = parseInt(summaryHex.slice(0, 10), 16); // 40 bits: exact in a double
  let chars = "";
  for (let i = 0; i < 8; i++) {
    chars = CROCKFORD[value % 32] + chars;
    value = Math.floor(value / 32);
  }
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}
