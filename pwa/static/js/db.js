// The one module that owns IndexedDB, shared by the page and the service worker.
// Everything else reads and writes through these helpers, never through indexedDB directly.

const DB_NAME = "onsite";
const DB_VERSION = 1;

/** Mirror stores: copies of server records the technician may see, keyed by id. */
export const MIRROR = ["work_order", "customer", "product", "part", "van_stock"];
/** All stores: mirrors, visit records, the outbox, rejected entries, blobs, drafts, meta. */
export const STORES = [...MIRROR, "records", "outbox", "rejected", "blobs", "drafts", "meta"];

let opening = null;

function upgrade(db) {
  for (const name of MIRROR) db.createObjectStore(name, { keyPath: "id" });
  const records = db.createObjectStore("records", { keyPath: "id" });
  records.createIndex("work_order_id", "work_order_id");
  db.createObjectStore("outbox", { keyPath: "seq" });
  db.createObjectStore("rejected", { keyPath: "id" });
  db.createObjectStore("blobs", { keyPath: "sha256" });
  db.createObjectStore("drafts", { keyPath: "key" });
  db.createObjectStore("meta", { keyPath: "key" });
}

/** The open database (opened once; reopened after the browser closes it). */
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => {
        const db = request.result;
        // Another tab's upgrade, or the browser dropping the connection: open afresh next time.
        db.onversionchange = () => { db.close(); opening = null; };
        db.onclose = () => { opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => console.warn("IndexedDB upgrade blocked by another tab");
    });
  }
  return opening;
}

// Start opening at once: in a page, the database is needed as soon as the app boots.
if (globalThis.document && globalThis.indexedDB) openDb().catch(() => {});

/** Close the connection (tests, and before deleting the database). */
export async function closeDb() {
  if (!opening) return;
  const db = await opening.catch(() => null);
  opening = null;
  db?.close();
}

/** Wrap an IDBRequest in a promise. */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** True when a write failed because the device's storage is full. */
export function isQuotaError(err) {
  return err?.name === "QuotaExceededError" || err?.code === 22;
}

/**
 * True when a work order read from the mirror has the shape the screens rely on: a record
 * damaged on the device (by a crash, an old version, a full disk) is skipped, not drawn.
 */
export function isSoundWorkOrder(wo) {
  return !!wo && typeof wo === "object" && !Array.isArray(wo) && typeof wo.id === "string" &&
    typeof wo.ticket_no === "string" && typeof wo.status === "string" &&
    (wo.version === undefined || Number.isInteger(wo.version));
}

/**
 * Run `fn(t)` in one transaction over `names`; resolves with fn's result once the
 * transaction has committed, so callers never see a write that may still be rolled back.
 * Inside fn, await only requests of this transaction (`t.get`, `t.put`, ...).
 */
export async function tx(names, mode, fn, { durability = "strict" } = {}) {
  // Writes are flushed to disk before they count as done ("strict"): an entry the
  // technician saw recorded must survive the phone dying a second later.
  const options = mode === "readwrite" ? { durability } : undefined;
  const db = await openDb();
  let transaction;
  try {
    transaction = db.transaction(names, mode, options);
  } catch (err) {
    if (err?.name !== "InvalidStateError") throw err;
    opening = null; // the connection was closed under us: reopen once
    transaction = (await openDb()).transaction(names, mode, options);
  }
  const done = new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new DOMException("Transaction aborted", "AbortError"));
  });
  const t = {
    raw: transaction,
    store: (name) => transaction.objectStore(name),
    get: (name, key) => req(transaction.objectStore(name).get(key)),
    getAll: (name, query) => req(transaction.objectStore(name).getAll(query)),
    byIndex: (name, index, key) => req(transaction.objectStore(name).index(index).getAll(key)),
    put: (name, value) => req(transaction.objectStore(name).put(value)),
    add: (name, value) => req(transaction.objectStore(name).add(value)),
    del: (name, key) => req(transaction.objectStore(name).delete(key)),
    clear: (name) => req(transaction.objectStore(name).clear()),
    count: (name) => req(transaction.objectStore(name).count()),
    meta: async (key, fallback = null) => (await req(transaction.objectStore("meta").get(key)))?.value ?? fallback,
    setMeta: (key, value) => req(transaction.objectStore("meta").put({ key, value })),
  };
  let result;
  try {
    result = await fn(t);
  } catch (err) {
    try { transaction.abort(); } catch { /* already finished */ }
    await done.catch(() => {});
    throw err;
  }
  await done;
  return result;
}

/** One value from the meta store. */
export function getMeta(key, fallback = null) {
  return tx(["meta"], "readonly", (t) => t.meta(key, fallback));
}

/** Set one value in the meta store. */
export function setMeta(key, value) {
  return tx(["meta"], "readwrite", (t) => t.setMeta(key, value));
}

/** One record of a store, or undefined. */
export function get(name, key) {
  return tx([name], "readonly", (t) => t.get(name, key));
}

/** Every record of a store. */
export function getAll(name) {
  return tx([name], "readonly", (t) => t.getAll(name));
}

/** Records of a store with `index` equal to `key`. */
export function byIndex(name, index, key) {
  return tx([name], "readonly", (t) => t.byIndex(name, index, key));
}

/** Put one record. */
export function put(name, value) {
  return tx([name], "readwrite", (t) => t.put(name, value));
}

/** Delete one record. */
export function del(name, key) {
  return tx([name], "readwrite", (t) => t.del(name, key));
}

/** This browser profile's device id: a UUID made on first start and kept. */
export async function deviceId() {
  return tx(["meta"], "readwrite", async (t) => {
    let id = await t.meta("device_id");
    if (!id) {
      id = crypto.randomUUID();
      await t.setMeta("device_id", id);
    }
    return id;
  });
}

/** Drop everything except the meta keys in `keep` (a different user signs in). */
export async function wipe(keep = []) {
  await tx(STORES, "readwrite", async (t) => {
    const kept = [];
    for (const key of keep) {
      const row = await t.get("meta", key);
      if (row) kept.push(row);
    }
    for (const name of STORES) await t.clear(name);
    for (const row of kept) await t.put("meta", row);
  });
}

/** Ask the browser to keep our storage (never evicted under pressure); remember and return the answer. */
export async function requestPersistence() {
  let granted = false;
  try {
    granted = !!((await navigator.storage?.persisted?.()) || (await navigator.storage?.persist?.()));
  } catch { /* not supported: treated as not persistent */ }
  await setMeta("persisted", granted);
  return granted;
}
