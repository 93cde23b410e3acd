// The outbox: mutations waiting for the server, in seq order. An entry leaves it only
// when a push response acknowledged its seq (applied, merged, duplicate or rejected);
// rejected ones move to the `rejected` store, with the reason, to be fixed or dismissed.

import { pulledVersion, tx } from "./db.js";
import { ACCEPTED, blobRefs, mutation } from "./wire.js";

/** Stores a transaction must cover to append to the outbox. */
export const OUTBOX_STORES = ["meta", "outbox"];

/**
 * Append one mutation inside the caller's transaction `t` (which covers OUTBOX_STORES):
 * the seq counter is bumped in the same transaction, so a seq is never used twice or skipped.
 */
export async function appendIn(t, { entity, entityId, op, fields, baseVersion = null, at = new Date(), revert = null }) {
  const seq = (await t.meta("seq", 0)) + 1;
  await t.setMeta("seq", seq);
  const entry = {
    ...mutation({ seq, entity, entityId, op, fields, baseVersion, at }),
    blobs: blobRefs(fields),
    revert, // previous values of an optimistic work-order change, restored if rejected
    queued_at: Date.now(),
  };
  await t.add("outbox", entry);
  return entry;
}

/** Queue mutations in one transaction of their own. */
export function enqueue(specs) {
  return tx(OUTBOX_STORES, "readwrite", async (t) => {
    const entries = [];
    for (const spec of specs) entries.push(await appendIn(t, spec));
    return entries;
  });
}

/** The oldest `limit` entries, in seq order. */
export function pendingEntries(limit = 100) {
  return tx(["outbox"], "readonly", async (t) => {
    const out = [];
    await new Promise((resolve, reject) => {
      const cursor = t.store("outbox").openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || out.length >= limit) return resolve();
        out.push(c.value);
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
    return out;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The reason a damaged entry was set aside (the screens say it in the user's language). */
export const DAMAGED = "damaged_on_device";

/**
 * Keep entries damaged on the phone (a crash, an old version, a failing disk) from
 * blocking the queue. The server refuses a whole push only for an entry without a
 * usable seq or id; any other damage comes back as that entry's own rejection. So an
 * entry with a bad id gets a new one, stored so every retry sends the same; one whose
 * seq is not a whole number from 1 cannot take its place in the sequence and moves to
 * `rejected`, where the technician sees it and can fix and resend or dismiss it.
 * Returns how many entries it changed.
 */
export function repairOutbox() {
  return tx(["outbox", "rejected"], "readwrite", async (t) => {
    let changed = 0;
    for (const entry of await t.getAll("outbox")) {
      const idOk = typeof entry.id === "string" && UUID.test(entry.id);
      const blobsOk = entry.blobs === undefined || (Array.isArray(entry.blobs) && entry.blobs.every((b) => typeof b === "string"));
      if (!(Number.isSafeInteger(entry.seq) && entry.seq >= 1)) {
        await t.del("outbox", entry.seq);
        const id = idOk ? entry.id : crypto.randomUUID();
        await t.put("rejected", { id, entry: { ...entry, id }, error: { code: DAMAGED, errors: { seq: [String(entry.seq)] } }, rejected_at: Date.now() });
        changed += 1;
      } else if (!idOk || !blobsOk) {
        await t.put("outbox", { ...entry, id: idOk ? entry.id : crypto.randomUUID(), blobs: blobsOk ? entry.blobs : [] });
        changed += 1;
      }
    }
    return changed;
  });
}

/** How many entries wait in the outbox. */
export function pendingCount() {
  return tx(["outbox"], "readonly", (t) => t.count("outbox"));
}

/** Entries the server rejected and nobody has dealt with yet. */
export function rejectedEntries() {
  return tx(["rejected"], "readonly", (t) => t.getAll("rejected"));
}

async function markRecord(t, entry, patch) {
  if (entry.entity === "work_order") return;
  const record = await t.get("records", entry.entity_id);
  if (record) await t.put("records", { ...record, ...patch });
}

async function revertWorkOrder(t, entry) {
  const wo = await t.get("work_order", entry.entity_id);
  if (!wo || !entry.revert) return;
  const restored = { ...wo };
  for (const [field, value] of Object.entries(entry.revert)) {
    if (wo[field] === entry.fields[field]) restored[field] = value;
  }
  await t.put("work_order", restored);
}

/**
 * Apply a push response to the entries that were sent: accepted ones leave the outbox
 * and their local record is marked synced; rejected ones move to `rejected`. Entries
 * without a result stay queued. All in one transaction.
 */
export function acknowledge(sent, parsed) {
  return tx(["outbox", "rejected", "records", "work_order", "meta"], "readwrite", async (t) => {
    let accepted = 0;
    let rejected = 0;
    for (const entry of sent) {
      const result = parsed.bySeq.get(entry.seq);
      if (!result || result.id !== entry.id) continue;
      if (ACCEPTED.has(result.status)) {
        // A work order keeps the version it last pulled: the version an update produced is
        // not taken, since the office may have changed other fields before it that this
        // phone has not seen yet (markRecord leaves work orders alone).
        await t.del("outbox", entry.seq);
        await markRecord(t, entry, { synced: true, rejected: false, version: result.version ?? 1 });
        accepted += 1;
      } else if (result.status === "rejected") {
        await t.del("outbox", entry.seq);
        await t.put("rejected", { id: entry.id, entry, error: result.error, rejected_at: Date.now() });
        await markRecord(t, entry, { rejected: true });
        if (entry.entity === "work_order") await revertWorkOrder(t, entry);
        rejected += 1;
      }
    }
    await t.setMeta("acked_seq", Math.max(await t.meta("acked_seq", 0), parsed.lastSeq));
    return { accepted, rejected };
  });
}

/** Forget a rejected entry (the technician has seen it and will not resend it). */
export function dismissRejected(id) {
  return tx(["rejected"], "readwrite", (t) => t.del("rejected", id));
}

/**
 * Queue a corrected copy of a rejected entry: a new mutation (new id, next seq) with
 * the fixed fields; the local record is updated to match.
 */
export function resendRejected(id, fields) {
  return tx(["rejected", "records", "work_order", ...OUTBOX_STORES], "readwrite", async (t) => {
    const row = await t.get("rejected", id);
    if (!row) throw new Error(`no rejected entry ${id}`);
    const { entry } = row;
    let baseVersion = null;
    let revert = null;
    if (entry.entity === "work_order") {
      const wo = await t.get("work_order", entry.entity_id);
      if (!wo) throw new Error("work order no longer on this device");
      baseVersion = pulledVersion(wo);
      revert = Object.fromEntries(Object.keys(fields).map((k) => [k, wo[k] ?? null]));
      await t.put("work_order", { ...wo, ...fields });
    } else {
      const record = await t.get("records", entry.entity_id);
      if (record) await t.put("records", { ...record, ...fields, rejected: false, synced: false });
    }
    await t.del("rejected", id);
    return appendIn(t, { entity: entry.entity, entityId: entry.entity_id, op: entry.op, fields, baseVersion, revert });
  });
}
