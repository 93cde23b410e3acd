import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb, fakeServer, json, sessionRoute, applyingPush } from "./helpers.mjs";
import { get, getAll, getMeta, put } from "../../pwa/static/js/db.js";
import { pendingCount, pendingEntries, rejectedEntries } from "../../pwa/static/js/outbox.js";
import { recordVisit, updateWorkOrder } from "../../pwa/static/js/records.js";
import { syncNow, syncStatus, backoffDelay, pull, Scheduler } from "../../pwa/static/js/sync.js";

const WO = "11111111-1111-4111-8111-111111111111";
const emptyPull = { "GET /api/sync/pull": () => json(200, { cursor: "c0", has_more: false, reset: false, changes: [] }) };

beforeEach(freshDb);

test("pushes the outbox in seq order with the device id, CSRF token and device time", async () => {
  for (const kind of ["accepted", "kit_checked", "departed"]) await recordVisit(WO, "visit_event", { kind });
  const server = fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush() });
  const result = await syncNow();
  assert.equal(result.ok, true);
  const push = server.calls.find((c) => c.path === "/api/sync/push");
  assert.equal(push.headers["X-CSRFToken"], "tok");
  assert.deepEqual(push.json.mutations.map((m) => m.seq), [1, 2, 3]);
  assert.equal(push.json.device_id, await getMeta("device_id"));
  assert.match(push.json.device_time, /[+-]\d\d:\d\d$/);
  assert.deepEqual(Object.keys(push.json.mutations[0]).sort(), ["at", "base_version", "entity", "entity_id", "fields", "id", "op", "seq"]);
  assert.equal(await pendingCount(), 0);
  assert.ok(await getMeta("last_sync_at"));
});

test("offline: nothing leaves the outbox and the error is recorded; the next sync sends it once", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({}); // every request fails like a dropped network
  const offline = await syncNow();
  assert.equal(offline.ok, false);
  assert.equal(offline.error.kind, "offline");
  assert.equal(await pendingCount(), 1);
  assert.equal((await syncStatus()).online, false);
  const state = { lastSeq: 0, seen: new Map() };
  const server = fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush(state) });
  assert.equal((await syncNow()).ok, true);
  assert.equal(state.seen.size, 1);
  assert.equal(await pendingCount(), 0);
  assert.equal((await syncStatus()).error, null);
  assert.equal(server.calls.filter((c) => c.path === "/api/sync/push").length, 1);
});

test("a response lost on the way back: the entry stays, is resent and answered as duplicate", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  const state = { lastSeq: 0, seen: new Map() };
  const apply = applyingPush(state);
  fakeServer({ ...sessionRoute, "POST /api/sync/push": (call) => { apply(call); throw new TypeError("connection reset"); } });
  assert.equal((await syncNow()).ok, false);
  assert.equal(await pendingCount(), 1, "applied on the server but not acknowledged: still queued");
  fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": apply });
  assert.equal((await syncNow()).ok, true);
  assert.equal(await pendingCount(), 0);
  assert.equal(state.seen.size, 1, "the server saw it exactly once");
});

test("one rejected entry does not block the queue and is kept with its reason", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  await recordVisit(WO, "part_fitted", { part_number: "NOPE", quantity: 1, unit_price: "1.00", under_warranty: false });
  await recordVisit(WO, "visit_event", { kind: "departed" });
  fakeServer({
    ...sessionRoute, ...emptyPull,
    "POST /api/sync/push": (call) => json(200, {
      last_seq: 3,
      results: call.json.mutations.map((m) => m.entity === "part_fitted"
        ? { seq: m.seq, id: m.id, status: "rejected", version: null, error: { message: "Part number NOPE is not in the catalogue.", errors: { fields: { part_number: ["Unknown part number."] } } }, conflict: null }
        : { seq: m.seq, id: m.id, status: "applied", version: 1, error: null, conflict: null }),
    }),
  });
  assert.equal((await syncNow()).ok, true);
  assert.equal(await pendingCount(), 0);
  const rejected = await rejectedEntries();
  assert.equal(rejected.length, 1);
  assert.match(rejected[0].error.message, /not in the catalogue/);
  assert.equal((await syncStatus()).rejected, 1);
});

test("blobs are uploaded before the record that refers to them", async () => {
  const sha = "ab".repeat(32);
  await recordVisit(WO, "photo", { blob_sha256: sha }, { blob: { sha256: sha, type: "image/jpeg", bytes: new Uint8Array([1, 2, 3]).buffer } });
  const order = [];
  fakeServer({
    ...sessionRoute, ...emptyPull,
    "PUT /api/blobs/:sha": (call) => { order.push(`blob ${call.path.split("/").pop()} ${call.headers["Content-Type"]}`); return json(201, { sha256: sha }); },
    "POST /api/sync/push": (call) => { order.push("push"); return applyingPush()(call); },
  });
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(order, [`blob ${sha} image/jpeg`, "push"]);
  assert.equal((await get("blobs", sha)).uploaded, true);
  // Uploaded once: a later sync does not send it again.
  await recordVisit(WO, "photo", { blob_sha256: sha, caption: "again" });
  await syncNow();
  assert.equal(order.filter((o) => o.startsWith("blob")).length, 1);
});

test("a failed blob upload holds back the push", async () => {
  const sha = "cd".repeat(32);
  await recordVisit(WO, "photo", { blob_sha256: sha }, { blob: { sha256: sha, type: "image/jpeg", bytes: new Uint8Array([9]).buffer } });
  let pushed = false;
  fakeServer({ ...sessionRoute, "POST /api/sync/push": () => { pushed = true; return json(500, {}); } });
  assert.equal((await syncNow()).ok, false);
  assert.equal(pushed, false);
  assert.equal(await pendingCount(), 1);
});

test("a sequence gap (server lost our earlier seqs) renumbers the queue and resends", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  await recordVisit(WO, "visit_event", { kind: "departed" });
  const state = { lastSeq: 0, seen: new Map() };
  const seqsSeen = [];
  let first = true;
  fakeServer({
    ...sessionRoute, ...emptyPull,
    "POST /api/sync/push": (call) => {
      seqsSeen.push(call.json.mutations.map((m) => m.seq));
      if (first) { first = false; return json(409, { code: 409, message: "Sequence gap", expected_seq: 1 }); }
      return applyingPush(state)(call);
    },
  });
  // Simulate entries that start past the server's last_seq + 1.
  const { tx } = await import("../../pwa/static/js/db.js");
  await tx(["outbox", "meta"], "readwrite", async (t) => {
    const all = await t.getAll("outbox");
    await t.clear("outbox");
    for (const e of all) await t.add("outbox", { ...e, seq: e.seq + 4 });
    await t.setMeta("seq", 6);
  });
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(seqsSeen, [[5, 6], [1, 2]]);
  assert.equal(await getMeta("seq"), 2);
  assert.equal(await pendingCount(), 0);
});

test("pull applies every page and stores the cursor with the data", async () => {
  const pages = {
    "": { cursor: "c1", has_more: true, reset: false, changes: [
      { entity: "work_order", id: WO, op: "put", version: 2, fields: { ticket_no: "SR-1", status: "assigned", customer_id: "c-1" } },
      { entity: "customer", id: "c-1", op: "put", version: 1, fields: { name: "张伟", phone: "138", address: "上海", locale: "zh-CN" } },
    ] },
    c1: { cursor: "c2", has_more: false, reset: false, changes: [
      { entity: "visit_event", id: "v-1", op: "put", version: 1, fields: { work_order_id: WO, kind: "accepted", at: "2026-11-23T09:00:00+08:00" } },
      { entity: "gizmo", id: "x", op: "put", version: 1, fields: {} },
    ] },
  };
  const server = fakeServer({ ...sessionRoute, "GET /api/sync/pull": (call) => json(200, pages[call.query.cursor || ""]) });
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(server.calls.filter((c) => c.path === "/api/sync/pull").map((c) => c.query.cursor), [undefined, "c1"]);
  assert.equal(await getMeta("cursor"), "c2");
  assert.equal((await get("work_order", WO)).version, 2);
  assert.equal((await get("customer", "c-1")).name, "张伟");
  assert.equal((await get("records", "v-1")).entity, "visit_event");
});

test("a failed pull page keeps the old cursor", async () => {
  let calls = 0;
  fakeServer({ ...sessionRoute, "GET /api/sync/pull": () => (++calls === 1
    ? json(200, { cursor: "c1", has_more: true, reset: false, changes: [{ entity: "part", id: "p1", op: "put", version: 1, fields: { part_number: "A" } }] })
    : json(500, { message: "boom" })) });
  assert.equal((await syncNow()).ok, false);
  assert.equal(await getMeta("cursor"), "c1");
  assert.ok(await get("part", "p1"));
});

test("pulled work orders keep our queued changes on top, and the version pulled apart", async () => {
  await put("work_order", { id: WO, version: 2, status: "assigned", ticket_no: "SR-1" });
  await updateWorkOrder(WO, { status: "scheduled" });
  fakeServer({ ...sessionRoute, "GET /api/sync/pull": () => json(200, { cursor: "c9", has_more: false, reset: false, changes: [
    { entity: "work_order", id: WO, op: "put", version: 5, fields: { status: "assigned", ticket_no: "SR-1", technician_notes: "office note" } },
  ] }) });
  await pull(); // the push has not happened yet (offline), the pull has
  const wo = await get("work_order", WO);
  assert.equal(wo.status, "scheduled", "our queued change stays on top");
  assert.equal(wo.technician_notes, "office note");
  assert.equal(wo.server_version, 5, "the version pulled, not a count of our queued updates");
  assert.equal(await pendingCount(), 1);
  await updateWorkOrder(WO, { status: "en_route" });
  const queued = await pendingEntries();
  assert.deepEqual(queued.map((e) => e.base_version), [2, 5], "each update sends the version its phone had pulled");
});

test("reset drops the mirror (not unsynced records) and pulls from the start", async () => {
  await put("part", { id: "old", part_number: "OLD" });
  await put("records", { id: "srv", entity: "visit_event", work_order_id: WO, synced: true });
  const mine = await recordVisit(WO, "visit_event", { kind: "accepted" });
  let n = 0;
  fakeServer({ ...sessionRoute, "GET /api/sync/pull": () => json(200, ++n === 1
    ? { cursor: "", has_more: true, reset: true, changes: [] }
    : { cursor: "c1", has_more: false, reset: false, changes: [{ entity: "part", id: "new", op: "put", version: 1, fields: { part_number: "NEW" } }] }) });
  await pull();
  assert.deepEqual((await getAll("part")).map((p) => p.id), ["new"]);
  assert.equal(await get("records", "srv"), undefined);
  assert.ok(await get("records", mine.id), "our unsynced record survives a reset");
});

test("a signed-out session is reported as auth needed", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({ ...sessionRoute, "POST /api/sync/push": () => json(401, { message: "Sign in first." }) });
  const r = await syncNow();
  assert.equal(r.error.kind, "auth");
  assert.equal((await syncStatus()).authNeeded, true);
  assert.equal(await pendingCount(), 1);
});

test("a revoked sign-in clears the customers and jobs but keeps the outbox and our records", async () => {
  await put("customer", { id: "c1", name: "张伟", phone: "13800000001" });
  await put("work_order", { id: WO, version: 1, status: "assigned" });
  const mine = await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({ ...sessionRoute, "POST /api/sync/push": () => json(401, { message: "Sign in first." }) });
  const r = await syncNow();
  assert.equal(r.error.kind, "auth");
  assert.deepEqual(await getAll("customer"), []);
  assert.deepEqual(await getAll("work_order"), []);
  assert.equal(await getMeta("cursor"), null);
  assert.equal(await pendingCount(), 1);
  assert.ok(await get("records", mine.id), "the technician's unsynced record stays for upload");
});

test("a stale CSRF token is refreshed once", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  let token = 0;
  const tokens = [];
  fakeServer({
    "GET /api/auth/session": () => json(200, { user: {}, csrf_token: `t${++token}` }),
    ...emptyPull,
    "POST /api/sync/push": (call) => {
      tokens.push(call.headers["X-CSRFToken"]);
      return tokens.length === 1 ? json(400, { message: "CSRF check failed: The CSRF tokens do not match." }) : applyingPush()(call);
    },
  });
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(tokens, ["t1", "t2"]);
});

test("backoff grows exponentially, is capped, and is jittered", () => {
  const lo = (a) => backoffDelay(a, { random: () => 0 });
  const hi = (a) => backoffDelay(a, { random: () => 1 });
  assert.deepEqual([0, 1, 2, 3].map(hi), [2000, 4000, 8000, 16000]);
  assert.deepEqual([0, 1, 2].map(lo), [1000, 2000, 4000]);
  assert.equal(hi(30), 300000);
  const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
  assert.ok(spread.size > 1, "two devices failing together do not retry in lockstep");
});

test("the scheduler retries with backoff after a failure and goes back to the timer after success", async () => {
  const timers = [];
  const results = [{ ok: false, error: { kind: "offline" } }, { ok: false, error: { kind: "server" } }, { ok: true }];
  const s = new Scheduler({
    sync: async () => results.shift(),
    interval: 60000,
    setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    clearTimer: () => {},
    random: () => 1,
    isOnline: () => true,
  });
  await s.run("start");
  await s.run("retry");
  await s.run("retry");
  assert.deepEqual(timers.map((t) => t.ms), [2000, 4000, 60000]);
  s.poke();
  assert.equal(timers.at(-1).ms, 400, "a new entry syncs shortly");
  s.stop();
  s.poke();
  assert.equal(timers.length, 4);
});

test("an entry queued while a sync runs is synced right after it, not at the next timer", async () => {
  const timers = [];
  let finish;
  let syncs = 0;
  const s = new Scheduler({
    sync: () => { syncs++; return new Promise((resolve) => { finish = resolve; }); },
    interval: 60000,
    setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    clearTimer: () => {},
    isOnline: () => true,
  });
  const first = s.run("start");
  s.poke(); // the technician taps while the start-up sync is under way
  timers.at(-1).fn(); // the debounce ends before that sync does: it joins it
  assert.equal(syncs, 1);
  finish({ ok: true });
  await first;
  assert.deepEqual(timers.map((t) => t.ms), [400, 0], "the next sync follows at once");
  timers.at(-1).fn();
  assert.equal(syncs, 2);
  finish({ ok: true });
  await s.running;
  assert.equal(timers.at(-1).ms, 60000, "then back to the timer");
});

test("the scheduler stops retrying when the session is gone", async () => {
  const timers = [];
  const s = new Scheduler({ sync: async () => ({ ok: false, error: { kind: "auth" } }), setTimer: (fn, ms) => timers.push(ms), clearTimer() {} });
  await s.run();
  assert.deepEqual(timers, []);
});

test("entries damaged on the phone do not block the queue: a bad id is replaced, a bad seq is set aside", async () => {
  for (const kind of ["accepted", "kit_checked", "departed"]) await recordVisit(WO, "visit_event", { kind });
  const [first, second] = await pendingEntries();
  await put("outbox", { ...first, id: null }); // an id lost
  await put("outbox", { ...second, blobs: { not: "a list" } }); // blob references garbled
  await put("outbox", { ...second, seq: "x7", id: crypto.randomUUID() }); // a key no counter hands out
  // Like the real server: a whole push is refused (422) for an entry without a usable seq or id.
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const state = { lastSeq: 0, seen: new Map() };
  const apply = applyingPush(state);
  const server = fakeServer({
    ...sessionRoute, ...emptyPull,
    "POST /api/sync/push": (call) => (call.json.mutations.every((m) => Number.isInteger(m.seq) && m.seq >= 1 && UUID.test(m.id))
      ? apply(call) : json(422, { message: "Invalid input", errors: { json: { mutations: ["bad seq or id"] } } })),
  });
  const result = await syncNow();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const sent = server.calls.filter((c) => c.path === "/api/sync/push").flatMap((c) => c.json.mutations);
  assert.deepEqual(sent.map((m) => m.seq), [1, 2, 3]);
  assert.ok(UUID.test(sent[0].id), "the lost id was replaced");
  assert.equal(await pendingCount(), 0);
  const [aside] = await rejectedEntries();
  assert.equal(aside.entry.seq, "x7");
  assert.equal(aside.error.code, "damaged_on_device");
});

test("a replaced id is kept, so a retry after a lost response sends the same one", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  const [entry] = await pendingEntries();
  await put("outbox", { ...entry, id: "not-a-uuid" });
  fakeServer({}); // offline: the push fails after the repair
  assert.equal((await syncNow()).ok, false);
  const [repaired] = await pendingEntries();
  const state = { lastSeq: 0, seen: new Map() };
  const server = fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush(state) });
  assert.equal((await syncNow()).ok, true);
  const sent = server.calls.find((c) => c.path === "/api/sync/push").json.mutations;
  assert.equal(sent[0].id, repaired.id);
  assert.notEqual(repaired.id, "not-a-uuid");
});

test("a large push goes gzipped and says so; a small one goes as it is", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  let server = fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush() });
  assert.equal((await syncNow()).ok, true);
  const small = server.calls.find((c) => c.path === "/api/sync/push");
  assert.equal(small.headers["Content-Encoding"], undefined);
  assert.equal(typeof small.body, "string");

  for (let i = 0; i < 20; i++) await recordVisit(WO, "visit_event", { kind: "arrived", note: `小区东门 ${i} 号楼`.repeat(5) });
  server = fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush() });
  assert.equal((await syncNow()).ok, true);
  const large = server.calls.find((c) => c.path === "/api/sync/push");
  assert.equal(large.headers["Content-Encoding"], "gzip");
  assert.ok(large.body.length < JSON.stringify(large.json).length / 3, "sent gzipped");
  assert.equal(large.json.mutations.length, 20);
  assert.equal(await pendingCount(), 0);
});
