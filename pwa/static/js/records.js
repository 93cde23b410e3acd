// What the technician records on a visit, kept locally and queued for the server in the
// same IndexedDB transaction. Once the customer has signed, what they signed is sealed:
// parts, fee quotes, customer-visible diagnoses and the outcome can no longer change.

import { isSoundWorkOrder, pulledVersion, tx } from "./db.js";
import { OUTBOX_STORES, appendIn } from "./outbox.js";
import { isoWithOffset } from "./wire.js";

/** A change refused because the customer's signature covers it. */
export class SealedError extends Error {
  constructor(message = "sealed by the customer's signature") {
    super(message);
    this.name = "SealedError";
  }
}

/** True when creating or voiding this record would change what the customer signed. */
export function touchesSignedContent(entity, fields) {
  return entity === "part_fitted" || entity === "fee_quote" || entity === "sign_off" ||
    (entity === "diagnosis" && fields.customer_visible !== false);
}

/** The live (not voided, not rejected) records of one work order. */
export function live(records) {
  return records.filter((r) => !r.deleted && !r.rejected);
}

/** The customer's sign-off among the records, if any. */
export function signOffOf(records) {
  return live(records).find((r) => r.entity === "sign_off") || null;
}

async function recordsOf(t, woId) {
  return t.byIndex("records", "work_order_id", woId);
}

/**
 * Record one visit entry (a checklist answer, event, diagnosis, part, fee quote, photo
 * or sign-off) and queue it. `blob` ({sha256, type, bytes}) is stored with it for upload.
 */
export function recordVisit(woId, entity, fields, { blob = null, at = new Date() } = {}) {
  return tx(["records", "blobs", ...OUTBOX_STORES], "readwrite", async (t) => {
    const signed = signOffOf(await recordsOf(t, woId));
    if (signed && touchesSignedContent(entity, fields)) throw new SealedError();
    if (blob) {
      const existing = await t.get("blobs", blob.sha256);
      if (!existing) await t.put("blobs", { ...blob, uploaded: false });
    }
    const id = crypto.randomUUID();
    const wireFields = { work_order_id: woId, ...fields };
    const record = { ...wireFields, id, entity, at: isoWithOffset(at), synced: false, version: 0 };
    await t.put("records", record);
    await appendIn(t, { entity, entityId: id, op: "create", fields: wireFields, at });
    return record;
  });
}

/** Record several entries at once (one transaction: all or none). */
export function recordMany(woId, items, { at = new Date() } = {}) {
  return tx(["records", ...OUTBOX_STORES], "readwrite", async (t) => {
    const signed = signOffOf(await recordsOf(t, woId));
    const out = [];
    for (const { entity, fields } of items) {
      if (signed && touchesSignedContent(entity, fields)) throw new SealedError();
      const id = crypto.randomUUID();
      const wireFields = { work_order_id: woId, ...fields };
      const record = { ...wireFields, id, entity, at: isoWithOffset(at), synced: false, version: 0 };
      await t.put("records", record);
      await appendIn(t, { entity, entityId: id, op: "create", fields: wireFields, at });
      out.push(record);
    }
    return out;
  });
}

/** Void a record (before sign-off for signed content; a sign-off is never voided here). */
export function voidRecord(id) {
  return tx(["records", ...OUTBOX_STORES], "readwrite", async (t) => {
    const record = await t.get("records", id);
    if (!record || record.deleted) return null;
    const signed = signOffOf(await recordsOf(t, record.work_order_id));
    if (record.entity === "sign_off" || (signed && touchesSignedContent(record.entity, record))) {
      throw new SealedError();
    }
    await t.put("records", { ...record, deleted: true });
    await appendIn(t, { entity: record.entity, entityId: id, op: "delete", fields: {} });
    return record;
  });
}

/**
 * Change work-order fields (status, outcome, appointment, notes) on the device at once and
 * queue the update. base_version is the server version this device last pulled
 * (`server_version`, set only by a pull): what the technician actually saw. The server
 * knows which of the changes after it were this device's own queued updates.
 */
export function updateWorkOrder(woId, changes, { at = new Date() } = {}) {
  return tx(["work_order", "records", ...OUTBOX_STORES], "readwrite", async (t) => {
    const wo = await t.get("work_order", woId);
    if (!wo) throw new Error(`work order ${woId} is not on this device`);
    const fields = {};
    for (const [key, value] of Object.entries(changes)) {
      if ((wo[key] ?? null) !== (value ?? null)) fields[key] = value;
    }
    if (!Object.keys(fields).length) return wo;
    if ("outcome" in fields && signOffOf(await recordsOf(t, woId))) throw new SealedError();
    const revert = Object.fromEntries(Object.keys(fields).map((k) => [k, wo[k] ?? null]));
    const updated = { ...wo, ...fields };
    await t.put("work_order", updated);
    await appendIn(t, { entity: "work_order", entityId: woId, op: "update", fields, baseVersion: pulledVersion(wo), at, revert });
    return updated;
  });
}

/** A work order with everything the visit screens need, read in one transaction. */
export function jobBundle(woId) {
  return tx(["work_order", "customer", "product", "records"], "readonly", async (t) => {
    const wo = await t.get("work_order", woId);
    if (!wo) return null;
    const [customer, product, records] = await Promise.all([
      wo.customer_id ? t.get("customer", wo.customer_id) : null,
      wo.product_id ? t.get("product", wo.product_id) : null,
      recordsOf(t, woId),
    ]);
    records.sort((a, b) => (a.at || "").localeCompare(b.at || "") || a.id.localeCompare(b.id));
    return { wo, customer: customer || null, product: product || null, records };
  });
}

/** Every sound work order on the device with its customer and product; `.skipped` counts damaged ones. */
export function allJobs() {
  return tx(["work_order", "customer", "product"], "readonly", async (t) => {
    const [orders, customers, products] = await Promise.all([
      t.getAll("work_order"), t.getAll("customer"), t.getAll("product"),
    ]);
    const c = new Map(customers.map((x) => [x.id, x]));
    const p = new Map(products.map((x) => [x.id, x]));
    // Damaged work orders are left out and counted, so the list still draws and says so.
    const sound = orders.filter(isSoundWorkOrder);
    const jobs = sound.map((wo) => ({ wo, customer: c.get(wo.customer_id) || null, product: p.get(wo.product_id) || null }));
    jobs.skipped = orders.length - sound.length;
    return jobs;
  });
}

/** The catalogue and this technician's van stock. */
export function partsAndStock() {
  return tx(["part", "van_stock", "records"], "readonly", async (t) => {
    const [parts, stock, fitted] = await Promise.all([
      t.getAll("part"), t.getAll("van_stock"), t.byIndex("records", "entity", "part_fitted"), // index of schema v2
    ]);
    // Parts recorded on this device but not yet in a pulled van-stock figure are taken off.
    const usedLocally = new Map();
    for (const r of live(fitted)) {
      if (!r.synced) {
        usedLocally.set(r.part_number, (usedLocally.get(r.part_number) || 0) + (r.quantity || 1));
      }
    }
    return { parts, stock, usedLocally };
  });
}

/** The synced fee schedule (the newest revision pulled), or null before the first pull of it. */
export function syncedFeeSchedule() {
  return tx(["records"], "readonly", async (t) => {
    const rows = live(await t.byIndex("records", "entity", "fee_schedule"));
    return rows.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0] || null;
  });
}
