// The one module that owns IndexedDB, shared by the page and the service worker.
// Everything else reads and writes through these helpers, never through indexedDB directly.
// The connection is opened once with idb's openDB (vendor/idb.js, copied from the npm
// package `idb` by `npm run build`; bundled into dist/ by esbuild): its upgrade callback
// gets the version the phone is at, so the schema is a list of cumulative steps below.

import { openDB, unwrap } from "../vendor/idb.js";

export const DB_NAME = "onsite";

/** Mirror stores: copies of server records the technician may see, keyed by id. */
export const MIRROR = ["work_order", "customer", "product", "part", "van_stock"];
/** All stores: mirrors, visit records, the outbox, rejected entries, blobs, drafts, meta. */
export const STORES = [...MIRROR, "records", "outbox", "rejected", "blobs", "drafts", "meta"];

/**
 * The schema, one step per version: UPGRADES[n] takes a database at version n to n + 1.
 * A phone runs every step from the version it has to the newest, in order, inside the
 * one upgrade transaction (all or nothing: a failed step leaves the old version intact).
 * Steps are never edited once released: a change is a new step at the end.
 */
export const UPGRADES = [
  // 0 -> 1: the first release's stores, exactly as phones in the field have them.
  (db) => {
    for (const name of MIRROR) db.createObjectStore(name, { keyPath: "id" });
    const records = db.createObjectStore("records", { keyPath: "id" });
    records.createIndex("work_order_id", "work_order_id");
    db.createObjectStore("outbox", { keyPath: "seq" });
    db.createObjectStore("rejected", { keyPath: "id" });
    db.createObjectStore("blobs", { keyPath: "sha256" });
    db.createObjectStore("drafts", { keyPath: "key" });
    db.createObjectStore("meta", { keyPath: "key" });
  },
  // 1 -> 2: visit records by kind. The parts, quote and hand-over screens want only the
  // `part_fitted` records (van stock less the parts fitted but not yet synced), and read
  // them by scanning every record on the phone, which grows with every visit since synced
  // records stay. An index on `entity` reads just those. (`synced` cannot be indexed:
  // booleans are not valid IndexedDB keys.) Existing records are indexed by the browser
  // when the index is created, so nothing needs copying.
  (db, tx) => {
    tx.objectStore("records").createIndex("entity", "entity");
  },
  // 2 -> 3: the version the phone last pulled, apart from its optimistic copy. A work
  // order's `version` used to be the pulled version plus one per update still queued, and
  // that count went out as `base_version`: after an office change, a second offline edit
  // claimed to have seen it, and the office's value was overwritten with no conflict
  // logged (issue #12, finding 4). Each work order now keeps `server_version` (written only
  // by a pull) and updates send it. The count is taken back out of phones' copies and of
  // the updates still queued (each counted the queued updates of its job before it).
  (db, tx) => {
    const raw = unwrap(tx);
    const queued = new Map(); // work order -> updates queued for it so far (in seq order)
    raw.objectStore("outbox").openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (cursor) {
        const entry = cursor.value;
        if (entry?.entity === "work_order" && entry.op === "update" && Number.isInteger(entry.base_version)) {
          const before = queued.get(entry.entity_id) || 0;
          queued.set(entry.entity_id, before + 1);
          if (before) cursor.update({ ...entry, base_version: Math.max(0, entry.base_version - before) });
        }
        cursor.continue();
        return;
      }
      raw.objectStore("work_order").openCursor().onsuccess = (e) => {
        const wo = e.target.result;
        if (!wo) return;
        const value = wo.value;
        if (value && typeof value === "object" && Number.isInteger(value.version) && !Number.isInteger(value.server_version)) {
          const pulled = Math.max(0, value.version - (queued.get(value.id) || 0));
          wo.update({ ...value, version: pulled, server_version: pulled });
        }
        wo.continue();
      };
    };
  },
];
/** The newest schema version: one per upgrade step. */
export const DB_VERSION = UPGRADES.length;

/** Run the upgrade steps from `oldVersion` up to `newVersion` (openDB's upgrade callback). */
export function upgrade(db, oldVersion, newVersion, tx) {
  // A step that throws aborts the upgrade: openDb() rejects with the reason, so the
  // upgrade transaction's own (idb) promise need not report it a second time.
  tx.done.catch(() => {});
  for (let version = oldVersion; version < newVersion; version++) UPGRADES[version](db, tx);
}

let opening = null;

/** The open database, an idb wrapper (opened once; reopened after the browser closes it). */
export function openDb() {
  if (!opening) {
    const attempt = openDB(DB_NAME, DB_VERSION, {
      upgrade,
      blocked: () => console.warn("IndexedDB upgrade blocked by another tab"),
      // Another tab's upgrade is waiting for us: let go, and open afresh (at its version) next time.
      blocking: () => { if (opening === attempt) opening = null; attempt.then((db) => db.close(), () => {}); },
      // The browser dropped the connection (storage cleared, disk error): open afresh next time.
      terminated: () => { if (opening === attempt) opening = null; },
    });
    opening = attempt;
    attempt.catch(() => { if (opening === attempt) opening = null; });
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
    (wo.version === undefined || Number.isInteger(wo.version)) &&
    (wo.server_version === undefined || Number.isInteger(wo.server_version));
}

/**
 * The version of a work order this phone last pulled from the server: what an update
 * queued now has seen (`base_version`). Never the optimistic local copy's own count.
 */
export function pulledVersion(wo) {
  return Number.isInteger(wo?.server_version) ? wo.server_version : (Number.isInteger(wo?.version) ? wo.version : 0);
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
  const { done } = transaction; // idb: resolves on complete, rejects on error or abort
  const store = (name) => transaction.objectStore(name);
  const t = {
    raw: unwrap(transaction),
    /** The plain IDBObjectStore (for cursors driven by hand). */
    store: (name) => unwrap(store(name)),
    get: (name, key) => store(name).get(key),
    getAll: (name, query) => store(name).getAll(query),
    byIndex: (name, index, key) => store(name).index(index).getAll(key),
    put: (name, value) => store(name).put(value),
    add: (name, value) => store(name).add(value),
    del: (name, key) => store(name).delete(key),
    clear: (name) => store(name).clear(),
    count: (name) => store(name).count(),
    meta: async (key, fallback = null) => (await store("meta").get(key))?.value ?? fallback,
    setMeta: (key, value) => store("meta").put({ key, value }),
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

/**
 * Forget what was copied from the server (customers, jobs, products, parts, van stock) and
 * the pull cursor, keeping the outbox, the technician's own records, blobs and drafts: the
 * sign-in was refused (revoked, signed out elsewhere), so the phone holds no customer data
 * until the technician signs in again, and then uploads what it kept and pulls afresh.
 */
export async function clearMirror(t = null) {
  const run = async (x) => {
    for (const name of MIRROR) await x.clear(name);
    await x.setMeta("cursor", null);
  };
  if (t) return run(t);
  return tx([...MIRROR, "meta"], "readwrite", run);
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
