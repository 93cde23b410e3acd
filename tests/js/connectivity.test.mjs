// Connectivity judged from real requests (connectivity.js, fed by api.js): offline vs server
// error vs refused, recovery that resets the backoff and syncs at once, lie-fi.
import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb, fakeServer, json, sessionRoute, applyingPush } from "./helpers.mjs";
import { TIMEOUTS, probe } from "../../pwa/static/js/api.js";
import { probeDelay, startProbing, state, subscribe } from "../../pwa/static/js/connectivity.js";
import { pendingCount } from "../../pwa/static/js/outbox.js";
import { recordVisit } from "../../pwa/static/js/records.js";
import { Scheduler, syncNow, syncStatus } from "../../pwa/static/js/sync.js";
import { setFetch } from "../../pwa/static/js/api.js";
import { setLocale } from "../../pwa/static/js/i18n.js";
import { errorText } from "../../pwa/static/js/ui/chrome.js";

/** What the status bar and Sync screen say about `error` in `loc`. */
function errorTextFor(error, loc) {
  setLocale(loc);
  try { return errorText(error); } finally { setLocale("zh-CN"); }
}

const WO = "11111111-1111-4111-8111-111111111111";
const emptyPull = { "GET /api/sync/pull": () => json(200, { cursor: "c0", has_more: false, reset: false, changes: [] }) };
const healthy = { "GET /healthz": () => json(200, { status: "ok" }) };
const realSleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fake timers: `now` moves only when the test advances it; due callbacks run in order. */
function fakeClock() {
  const clock = { now: 0, timers: new Map(), next: 1 };
  clock.setTimer = (fn, ms) => { const id = clock.next++; clock.timers.set(id, { fn, at: clock.now + ms }); return id; };
  clock.clearTimer = (id) => clock.timers.delete(id);
  clock.pending = () => [...clock.timers.values()].map((t) => t.at - clock.now).sort((a, b) => a - b);
  /** Move time forward by `ms`, firing what falls due (and letting async work settle between). */
  clock.advance = async (ms) => {
    const end = clock.now + ms;
    for (;;) {
      const due = [...clock.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      clock.timers.delete(due[0]);
      clock.now = Math.max(clock.now, due[1].at);
      due[1].fn();
      await realSleep(30); // IndexedDB and fetch promises resolve on real ticks
    }
    clock.now = end;
    await realSleep(30);
  };
  return clock;
}

/** The page's wiring (app.js): probes on the fake clock, a recovery syncs through the scheduler. */
function wire(clock, options = {}) {
  const scheduler = new Scheduler({ setTimer: clock.setTimer, clearTimer: clock.clearTimer, random: () => 1, isOnline: () => true, ...options });
  subscribe((change) => { if (change.recovered) scheduler.recovered(change); });
  startProbing({ probe, setTimer: clock.setTimer, clearTimer: clock.clearTimer, random: () => 1 });
  return scheduler;
}

let onLine;
beforeEach(async () => {
  await freshDb();
  onLine = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { onLine: true }, configurable: true, writable: true });
});
afterEach(() => {
  if (onLine) Object.defineProperty(globalThis, "navigator", onLine);
  else delete globalThis.navigator;
});

test("no answer at all: offline, worded as no network (never a raw 'Failed to fetch')", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({});
  const r = await syncNow();
  assert.equal(r.error.kind, "offline");
  const s = await syncStatus();
  assert.equal(s.connection, "offline");
  assert.equal(s.online, false);
  assert.equal(state(), "offline");
  for (const loc of ["zh-CN", "en"]) assert.doesNotMatch(errorTextFor(s.error, loc), /Failed to fetch|network:/);
});

test("navigator says offline: offline even before any request", async () => {
  globalThis.navigator.onLine = false;
  assert.equal((await syncStatus()).connection, "offline");
});

test("the server answers 5xx (its database is down): server unreachable, not offline; entries stay queued", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({ "GET /api/auth/session": () => json(503, { message: "database unreachable" }), "POST /api/sync/push": () => json(503, {}) });
  const r = await syncNow();
  assert.equal(r.error.kind, "server");
  const s = await syncStatus();
  assert.equal(s.connection, "server");
  assert.equal(s.online, false);
  assert.equal(await pendingCount(), 1);
  assert.match(errorTextFor(s.error, "zh-CN"), /服务器/);
  assert.match(errorTextFor(s.error, "en"), /server/);
});

test("a request that takes too long: server unreachable", async () => {
  const saved = TIMEOUTS.read;
  TIMEOUTS.read = 50;
  try {
    const fetch = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    setFetch(fetch); // a server that never answers
    const r = await syncNow();
    assert.equal(r.error.kind, "server");
    assert.equal((await syncStatus()).connection, "server");
  } finally {
    TIMEOUTS.read = saved;
  }
});

test("the server refuses (a 4xx other than auth): online, sync failed, with the reason", async () => {
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({ ...sessionRoute, ...emptyPull, "POST /api/sync/push": () => json(413, { code: 413, message: "Request body too large" }) });
  const r = await syncNow();
  assert.equal(r.error.kind, "refused");
  const s = await syncStatus();
  assert.equal(s.online, true, "the server answered: the network and the server are up");
  assert.equal(s.connection, "refused");
  assert.match(errorTextFor(s.error, "en"), /refused the sync: Request body too large/);
  assert.match(errorTextFor(s.error, "zh-CN"), /服务器拒绝了同步/);
});

test("a refused sign-in is 'sign in again', not a sync failure or offline", async () => {
  fakeServer({ "GET /api/auth/session": () => json(401, { message: "signed out" }), "POST /api/sync/push": () => json(401, {}), ...emptyPull });
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  const r = await syncNow();
  assert.equal(r.error.kind, "auth");
  assert.equal((await syncStatus()).connection, "auth");
});

test("recovery: the first successful probe resets the backoff and syncs the queued entries at once", async () => {
  const clock = fakeClock();
  const scheduler = wire(clock);
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  fakeServer({ "GET /healthz": () => json(503, { status: "unavailable" }), "GET /api/auth/session": () => json(503, {}) });
  for (let i = 0; i < 4; i++) await scheduler.run("retry"); // a long outage: the backoff has grown
  assert.equal(scheduler.failures, 4);
  assert.ok(Math.max(...clock.pending()) >= 16_000, `sync retry far away: ${clock.pending()}`);
  assert.equal(state(), "server");
  await clock.advance(3000); // a probe or two fail too
  assert.equal(state(), "server");

  const push = { lastSeq: 0, seen: new Map() };
  const server = fakeServer({ ...healthy, ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush(push) });
  const back = clock.now;
  await clock.advance(8000); // the server is back: the next probe (a few seconds) finds it
  assert.equal(push.seen.size, 1, "the queued entry arrived without any online event or long wait");
  assert.equal(await pendingCount(), 0);
  assert.equal(scheduler.failures, 0, "backoff reset");
  assert.equal(state(), "online");
  const probeAt = server.calls.findIndex((c) => c.path === "/healthz");
  const pushAt = server.calls.findIndex((c) => c.path === "/api/sync/push");
  assert.ok(probeAt >= 0 && pushAt > probeAt, "a probe success, then the push");
  assert.ok(clock.now - back <= 8000);
  const left = clock.pending();
  assert.equal(left.length, 1, "back to the idle timer alone: no more probes");
  assert.ok(left[0] > 50_000, `the idle timer: ${left}`);
  scheduler.stop();
});

test("any successful request while the connection was bad counts as a recovery", async () => {
  const clock = fakeClock();
  const scheduler = wire(clock);
  fakeServer({});
  await scheduler.run("start");
  assert.equal(state(), "offline");
  let synced = 0;
  scheduler.sync = async () => { synced++; return { ok: true }; };
  fakeServer({ ...sessionRoute });
  const { session } = await import("../../pwa/static/js/api.js");
  await session(); // e.g. the session check at start
  await clock.advance(0);
  assert.equal(synced, 1, "synced at once");
  scheduler.stop();
});

test("lie-fi: navigator.onLine stays true, requests fail: offline within seconds, back within seconds", async () => {
  const clock = fakeClock();
  const scheduler = wire(clock);
  const push = { lastSeq: 0, seen: new Map() };
  fakeServer({ ...healthy, ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush(push) });
  await scheduler.run("start");
  assert.equal((await syncStatus()).connection, "online");

  fakeServer({}); // signal bars, no packets
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  scheduler.poke();
  await clock.advance(1000);
  assert.equal(globalThis.navigator.onLine, true);
  assert.equal((await syncStatus()).connection, "offline", "offline shown within a second of the first failed request");
  await clock.advance(20_000); // a long spell: probes keep coming every few seconds
  const probes = clock.pending();
  assert.ok(Math.min(...probes) <= 5000, `a probe within 5 s: ${probes}`);

  const server = fakeServer({ ...healthy, ...sessionRoute, ...emptyPull, "POST /api/sync/push": applyingPush(push) });
  await clock.advance(5000);
  assert.equal((await syncStatus()).connection, "online", "recovered within 5 s");
  assert.equal(push.seen.size, 1);
  assert.equal(await pendingCount(), 0);
  assert.ok(server.calls.some((c) => c.path === "/healthz"));
  scheduler.stop();
});

test("a server that answers probes but keeps failing syncs keeps its exponential backoff", async () => {
  const clock = fakeClock();
  const scheduler = wire(clock);
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  const pushes = [];
  const server = fakeServer({ ...healthy, ...sessionRoute, "POST /api/sync/push": () => { pushes.push(clock.now); return json(500, {}); } });
  await scheduler.run("start");
  await clock.advance(240_000);
  assert.ok(server.calls.length > 0);
  assert.ok(server.calls.filter((c) => c.path === "/healthz").length >= pushes.length - 1, "a probe passed after each failure");
  assert.ok(pushes.length >= 4, `still retried: ${pushes.length}`);
  assert.ok(pushes.length <= 9, `bounded retries in four minutes, not one every probe: ${pushes.length}`);
  const gaps = pushes.slice(1).map((t, i) => t - pushes[i]);
  assert.ok(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]), `growing gaps: ${gaps}`);
  assert.ok(scheduler.failures >= 5);
  scheduler.stop();
});

test("probe schedule: a few seconds while offline, bounded backoff while the server errors, jittered", () => {
  const hi = (n, kind) => probeDelay(n, kind, () => 1);
  assert.ok([0, 1, 2, 5, 50].every((n) => hi(n, "offline") <= 5000));
  assert.equal(hi(0, "offline"), 2000);
  assert.equal(hi(50, "server"), 30_000);
  assert.ok(hi(3, "server") > hi(1, "server"));
  assert.ok(probeDelay(4, "server", () => 0) < hi(4, "server"));
});
