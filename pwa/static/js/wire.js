// The one module that owns the sync wire format (sync.md Part 1): mutations, push
// bodies, push results and pull changes. Other modules never build these by hand.

/** Entities a device creates during a visit (append-only on the server). */
export const VISIT_ENTITIES = [
  "checklist_answer", "visit_event", "diagnosis", "part_fitted", "fee_quote", "payment", "photo", "sign_off",
];
/** Records keyed to a job that the phone keeps with its visit records: those, the office's
 * answers to the technician's escalations and the technician's 3-hour call-backs (read-only; issue #14). */
export const JOB_RECORDS = [...VISIT_ENTITIES, "escalation", "call_back"];
/** Read-only settings the server syncs to every device, kept in the records store by entity
 * (no store of their own: no schema step needed). */
export const SETTINGS_ENTITIES = ["fee_schedule", "job_checklist"];
/** Fields of a record that refer to an uploaded blob. */
export const BLOB_FIELDS = ["blob_sha256", "signature_sha256", "original_sha256"]; // original: under a photo's markup
/** Push results that mean the server has the entry. */
export const ACCEPTED = new Set(["applied", "merged", "duplicate"]);

function pad(n, width = 2) {
  return String(Math.trunc(Math.abs(n))).padStart(width, "0");
}

/** ISO-8601 with the device's own offset, e.g. 2026-11-23T09:30:00.123+08:00. */
export function isoWithOffset(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

/** Money as the wire wants it: a decimal string with two places ("180.00"). */
export function money(value) {
  const cents = Math.round(Number(value) * 100);
  if (!Number.isFinite(cents)) throw new RangeError(`not an amount: ${value}`);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Sum of money strings, as a money string (computed in cents, no float drift). */
export function addMoney(...values) {
  const cents = values.reduce((sum, v) => sum + Math.round(Number(v) * 100), 0);
  return money(cents / 100);
}

/** Blob hashes a mutation's fields refer to (they must be uploaded first). */
export function blobRefs(fields = {}) {
  return BLOB_FIELDS.map((k) => fields[k]).filter(Boolean);
}

/** One outbox entry in wire form; `seq` is given by the outbox. */
export function mutation({ seq, entity, entityId, op, fields = {}, baseVersion = null, at = new Date(), id = crypto.randomUUID() }) {
  if (!Number.isInteger(seq) || seq < 1) throw new RangeError("seq must be a positive integer");
  if (!["create", "update", "delete"].includes(op)) throw new RangeError(`bad op ${op}`);
  if (entity === "work_order" && op !== "update") throw new RangeError("devices only update work orders");
  if (op === "update" && !Number.isInteger(baseVersion)) throw new RangeError("an update needs base_version");
  return {
    seq, id, entity, entity_id: entityId, op, fields,
    base_version: op === "update" ? baseVersion : null,
    at: typeof at === "string" ? at : isoWithOffset(at),
  };
}

/** The body of POST /api/sync/push. */
export function pushBody(deviceId, entries, now = new Date()) {
  return {
    device_id: deviceId,
    device_time: isoWithOffset(now),
    mutations: entries.map(({ seq, id, entity, entity_id, op, fields, base_version, at }) => ({
      seq, id, entity, entity_id, op, fields, base_version, at,
    })),
  };
}

/** Check a push response and index its results by seq. */
export function parsePushResponse(body) {
  if (!body || !Array.isArray(body.results) || !Number.isInteger(body.last_seq)) {
    throw new TypeError("malformed push response");
  }
  const bySeq = new Map();
  for (const r of body.results) bySeq.set(r.seq, r);
  return { lastSeq: body.last_seq, bySeq };
}

/** Check a pull page. */
export function parsePullResponse(body) {
  if (!body || !Array.isArray(body.changes) || typeof body.cursor !== "string") {
    throw new TypeError("malformed pull response");
  }
  return { cursor: body.cursor, hasMore: !!body.has_more, reset: !!body.reset, changes: body.changes };
}

/** A pulled change as a local record: mirror entities keep their name, visit records carry it. */
export function recordFromChange(change) {
  return { ...change.fields, id: change.id, version: change.version, entity: change.entity, synced: true };
}

/** The push URL, pull URL and blob URL. */
export const urls = {
  push: "/api/sync/push",
  pull: (cursor, limit = 500) => `/api/sync/pull?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
  blob: (sha) => `/api/blobs/${sha}`,
};
