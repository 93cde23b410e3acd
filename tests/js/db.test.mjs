// The IndexedDB schema's upgrade steps: a phone at any older version reaches the newest
// one with its data intact, and a new install gets the same schema as an upgraded phone.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb } from "./helpers.mjs";
import { DB_NAME, DB_VERSION, MIRROR, STORES, UPGRADES, closeDb, get, getAll, getMeta, openDb } from "../../pwa/static/js/db.js";
import { pendingEntries } from "../../pwa/static/js/outbox.js";
import { partsAndStock } from "../../pwa/static/js/records.js";

const WO = "11111111-1111-4111-8111-111111111111";
beforeEach(freshDb);

/** A database made with the raw API exactly as the first release (version 1) made it. */
function openVersion1(fill) {
  return new Promise((resolve, reject) => {
    const request = globalThis.indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const name of MIRROR) db.createObjectStore(name, { keyPath: "id" });
      db.createObjectStore("records", { keyPath: "id" }).createIndex("work_order_id", "work_order_id");
      db.createObjectStore("outbox", { keyPath: "seq" });
      db.createObjectStore("rejected", { keyPath: "id" });
      db.createObjectStore("blobs", { keyPath: "sha256" });
      db.createObjectStore("drafts", { keyPath: "key" });
      db.createObjectStore("meta", { keyPath: "key" });
      fill(request.transaction);
    };
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  });
}

/** Store names and each store's key path and indexes, to compare two databases. */
async function schemaOf() {
  const db = await openDb();
  const names = [...db.objectStoreNames].sort();
  const t = db.transaction(names);
  return Object.fromEntries(names.map((name) => {
    const store = t.objectStore(name);
    const indexes = [...store.indexNames].sort().map((i) => [i, store.index(i).keyPath]);
    return [name, { keyPath: store.keyPath, indexes }];
  }));
}

test("there is one upgrade step per version, and version 3 is the newest", () => {
  assert.equal(DB_VERSION, UPGRADES.length);
  assert.equal(DB_VERSION, 3);
});

test("a new install gets every store, with visit records indexed by work order and by kind", async () => {
  const db = await openDb();
  assert.equal(db.version, DB_VERSION);
  const schema = await schemaOf();
  assert.deepEqual(Object.keys(schema), [...STORES].sort());
  assert.deepEqual(schema.records, { keyPath: "id", indexes: [["entity", "entity"], ["work_order_id", "work_order_id"]] });
  assert.deepEqual(schema.outbox, { keyPath: "seq", indexes: [] });
  assert.deepEqual(schema.blobs, { keyPath: "sha256", indexes: [] });
});

test("a phone at version 1 is upgraded to the newest and keeps its jobs, records, outbox and meta", async () => {
  const parts = [
    { id: "r1", entity: "part_fitted", work_order_id: WO, part_number: "PCB-220", quantity: 1, synced: false },
    { id: "r2", entity: "part_fitted", work_order_id: WO, part_number: "BLT-10", quantity: 2, synced: true },
    { id: "r3", entity: "visit_event", work_order_id: WO, kind: "accepted", synced: false },
  ];
  await openVersion1((t) => {
    t.objectStore("work_order").put({ id: WO, ticket_no: "SR-1", status: "assigned", version: 3 });
    for (const r of parts) t.objectStore("records").put(r);
    t.objectStore("outbox").put({ seq: 1, id: "m1", entity: "part_fitted", entity_id: "r1", op: "create", fields: {} });
    t.objectStore("outbox").put({ seq: 2, id: "m2", entity: "visit_event", entity_id: "r3", op: "create", fields: {} });
    t.objectStore("meta").put({ key: "seq", value: 2 });
    t.objectStore("meta").put({ key: "device_id", value: "device-1" });
    t.objectStore("part").put({ id: "p1", part_number: "PCB-220" });
  });

  assert.equal((await openDb()).version, DB_VERSION);
  assert.equal((await get("work_order", WO)).ticket_no, "SR-1");
  assert.equal((await get("work_order", WO)).server_version, 3, "no update queued: the version is the one pulled");
  assert.deepEqual((await getAll("records")).map((r) => r.id), ["r1", "r2", "r3"]);
  assert.deepEqual((await pendingEntries()).map((e) => [e.seq, e.id]), [[1, "m1"], [2, "m2"]]);
  assert.equal(await getMeta("seq"), 2);
  assert.equal(await getMeta("device_id"), "device-1");
  // The new index covers the records the phone already had: only unsynced parts count.
  const { usedLocally } = await partsAndStock();
  assert.deepEqual([...usedLocally], [["PCB-220", 1]]);

  // And the upgraded schema is the one a new install gets.
  const upgraded = await schemaOf();
  await freshDb();
  assert.deepEqual(await schemaOf(), upgraded);
});

test("the steps run from the phone's version only: reopening at the newest runs none", async () => {
  await openDb();
  await closeDb();
  const calls = [];
  const original = [...UPGRADES];
  UPGRADES.forEach((step, i) => { UPGRADES[i] = (...args) => { calls.push(i); return step(...args); }; });
  try {
    await openDb();
    assert.deepEqual(calls, []);
  } finally {
    original.forEach((step, i) => { UPGRADES[i] = step; });
  }
});

test("a failing step leaves the phone at its old version with its data", async () => {
  await openVersion1((t) => t.objectStore("meta").put({ key: "seq", value: 7 }));
  const step = UPGRADES[1];
  UPGRADES[1] = () => { throw new Error("disk full"); };
  try {
    await assert.rejects(openDb());
  } finally {
    UPGRADES[1] = step;
  }
  const version = await new Promise((resolve) => {
    const r = globalThis.indexedDB.open(DB_NAME);
    r.onsuccess = () => { resolve(r.result.version); r.result.close(); };
  });
  assert.equal(version, 1);
  assert.equal(await getMeta("seq"), 7, "opened again, the upgrade runs and the data is there");
});

/** A database at version 2 (the release before `server_version`), filled by `fill`. */
async function openVersion2(fill) {
  await openVersion1(() => {});
  await new Promise((resolve, reject) => {
    const request = globalThis.indexedDB.open(DB_NAME, 2);
    request.onupgradeneeded = () => {
      request.transaction.objectStore("records").createIndex("entity", "entity");
      fill(request.transaction);
    };
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  });
}

test("version 3 takes the count of queued updates out of each job's version and of the queued updates", async () => {
  const OTHER = "22222222-2222-4222-8222-222222222222";
  await openVersion2((t) => {
    // Pulled at 5, then two offline updates: version 5 + 2 = 7, sent as 5 and 6.
    t.objectStore("work_order").put({ id: WO, ticket_no: "SR-1", status: "en_route", version: 7 });
    t.objectStore("work_order").put({ id: OTHER, ticket_no: "SR-2", status: "assigned", version: 4 });
    t.objectStore("work_order").put({ id: "broken", ticket_no: "SR-3" }); // no version: left as it is
    const update = (seq, id, base) => ({ seq, id: `m${seq}`, entity: "work_order", entity_id: id, op: "update", fields: { status: "x" }, base_version: base });
    t.objectStore("outbox").put(update(1, WO, 5));
    t.objectStore("outbox").put({ seq: 2, id: "m2", entity: "visit_event", entity_id: "r1", op: "create", fields: {}, base_version: null });
    t.objectStore("outbox").put(update(3, WO, 6));
    t.objectStore("meta").put({ key: "seq", value: 3 });
  });
  assert.equal((await openDb()).version, 3);
  const wo = await get("work_order", WO);
  assert.equal(wo.server_version, 5, "the version pulled, without the two queued updates");
  assert.equal(wo.version, 5);
  assert.equal(wo.status, "en_route", "the optimistic copy keeps the technician's changes");
  assert.equal((await get("work_order", OTHER)).server_version, 4);
  assert.equal((await get("work_order", "broken")).server_version, undefined);
  assert.deepEqual((await pendingEntries()).map((e) => [e.seq, e.base_version]), [[1, 5], [2, null], [3, 5]],
    "both queued updates say what was actually seen: version 5");
  assert.equal(await getMeta("seq"), 3);
});
