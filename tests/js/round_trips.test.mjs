// One round trip per sync (issue #17): no session request when the CSRF token is remembered,
// the pull after a push carried by the push's answer, no echoes asked for, blobs in parallel.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb, fakeServer, json, sessionRoute, applyingPush } from "./helpers.mjs";
import { get, getMeta, setMeta } from "../../pwa/static/js/db.js";
import { setFetch } from "../../pwa/static/js/api.js";
import { recordVisit } from "../../pwa/static/js/records.js";
import { syncNow } from "../../pwa/static/js/sync.js";

const WO = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

beforeEach(freshDb);

/** A server whose pull and piggybacked pull hand out `changes` once, then nothing. */
function pulling(changes) {
  let given = false;
  const page = () => {
    const out = { cursor: "c2", has_more: false, reset: false, changes: given ? [] : changes };
    given = true;
    return out;
  };
  const push = applyingPush();
  return {
    "GET /api/sync/pull": () => json(200, page()),
    "POST /api/sync/push": (call) => {
      const answer = push(call);
      if (!("pull_cursor" in call.json)) return answer;
      return answer.json().then((body) => json(200, { ...body, pull: page() }));
    },
  };
}

test("the first sync pulls from the start in full; later syncs are one request: the push brings the pull", async () => {
  const visit = { entity: "checklist_answer", id: OTHER, op: "put", version: 1, fields: { work_order_id: WO, step: "knock", value: "yes" } };
  await recordVisit(WO, "visit_event", { kind: "accepted" });
  let server = fakeServer({ ...sessionRoute, ...pulling([visit]) });
  assert.equal((await syncNow()).ok, true); // no cursor yet: a push, then a plain pull from the start
  assert.deepEqual(server.calls.map((c) => `${c.method} ${c.path}`), ["GET /api/auth/session", "POST /api/sync/push", "GET /api/sync/pull"]);
  assert.equal("pull_cursor" in server.calls[1].json, false);
  const first = server.calls.find((c) => c.path === "/api/sync/pull");
  assert.equal(first.query.device_id, undefined, "a pull from the start asks for everything");
  assert.equal(await getMeta("echo_free"), true);

  await recordVisit(WO, "visit_event", { kind: "arrived" });
  server = fakeServer({ ...sessionRoute, ...pulling([{ ...visit, id: "33333333-3333-4333-8333-333333333333" }]) });
  setFetch(server.fetch); // a reloaded page: nothing in memory
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(server.calls.map((c) => `${c.method} ${c.path}`), ["POST /api/sync/push"], "one round trip");
  assert.equal(server.calls[0].json.pull_cursor, "c2");
  assert.equal(server.calls[0].headers["X-CSRFToken"], "tok", "the remembered CSRF token");
  assert.ok(await get("records", "33333333-3333-4333-8333-333333333333"), "the piggybacked page was applied");
  assert.equal(await getMeta("cursor"), "c2");
});

test("a later pull names the device (no echoes); a reset pulls from the start in full again", async () => {
  let resetGiven = false;
  const server = fakeServer({
    ...sessionRoute,
    "GET /api/sync/pull": (call) => {
      if (call.query.cursor === "c1" && !resetGiven) {
        resetGiven = true;
        return json(200, { cursor: "c0", has_more: true, reset: true, changes: [] });
      }
      return json(200, { cursor: call.query.cursor === "c0" ? "c3" : "c1", has_more: false, reset: false, changes: [] });
    },
  });
  assert.equal((await syncNow()).ok, true);
  assert.equal((await syncNow()).ok, true); // cursor c1: reset, then c0 to c3
  const pulls = server.calls.filter((c) => c.path === "/api/sync/pull").map((c) => [c.query.cursor, c.query.device_id]);
  const device = await getMeta("device_id");
  assert.deepEqual(pulls, [[undefined, undefined], ["c1", device], ["c0", undefined]]);
  assert.equal((await syncNow()).ok, true);
  const last = server.calls.filter((c) => c.path === "/api/sync/pull").at(-1);
  assert.deepEqual([last.query.cursor, last.query.device_id], ["c3", device]);
});

test("blobs go up in parallel, then the push", async () => {
  const shas = ["a", "b", "c"].map((ch) => ch.repeat(64));
  for (const [i, sha] of shas.entries()) {
    await recordVisit(WO, "photo", { blob_sha256: sha }, { blob: { sha256: sha, type: "image/jpeg", bytes: new Uint8Array([i]).buffer } });
  }
  let open = 0;
  let most = 0;
  const order = [];
  fakeServer({
    ...sessionRoute,
    ...pulling([]),
    "PUT /api/blobs/:sha": async (call) => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 20));
      open -= 1;
      order.push("blob");
      return json(201, { sha256: call.path.split("/").pop() });
    },
    "POST /api/sync/push": (call) => { order.push("push"); return applyingPush()(call); },
  });
  assert.equal((await syncNow()).ok, true);
  assert.equal(most, 3, "all three at once");
  assert.deepEqual(order, ["blob", "blob", "blob", "push"]);
});

test("a stale CSRF token met by parallel uploads is refreshed once, and a file not taken holds back its record", async () => {
  const shas = ["d", "e", "f"].map((ch) => ch.repeat(64));
  for (const [i, sha] of shas.entries()) {
    await recordVisit(WO, "photo", { blob_sha256: sha }, { blob: { sha256: sha, type: "image/jpeg", bytes: new Uint8Array([i]).buffer } });
  }
  // The server's session holds one token at a time: each session request starts a new one, as a
  // fresh Flask session does; a write with any other token is a CSRF failure.
  let current = "old";
  let sessions = 0;
  let pushes = 0;
  const csrfFailure = () => json(400, { message: "The CSRF token is invalid." });
  const server = fakeServer({
    "GET /api/auth/session": async () => {
      sessions += 1;
      current = `tok${sessions}`;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return json(200, { user: { id: "u1" }, csrf_token: current });
    },
    ...pulling([]),
    "PUT /api/blobs/:sha": async (call) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return call.headers["X-CSRFToken"] === current ? json(201, { sha256: call.path.split("/").pop() }) : csrfFailure();
    },
    "POST /api/sync/push": (call) => {
      pushes += 1;
      return call.headers["X-CSRFToken"] === current ? applyingPush()(call) : csrfFailure();
    },
  });
  await setMeta("csrf_token", "stale");
  setFetch(server.fetch);
  assert.equal((await syncNow()).ok, true);
  assert.equal(sessions, 1, "one session request for the three uploads");
  assert.equal(server.calls.filter((c) => c.method === "PUT").length, 6, "each upload retried once with the new token");
  assert.equal(pushes, 1);

  // A server whose token never takes: the uploads fail and the photo records are not pushed.
  await recordVisit(WO, "photo", { blob_sha256: "9".repeat(64) }, { blob: { sha256: "9".repeat(64), type: "image/jpeg", bytes: new Uint8Array([9]).buffer } });
  const refusing = fakeServer({ ...sessionRoute, ...pulling([]), "PUT /api/blobs/:sha": csrfFailure, "POST /api/sync/push": () => { pushes += 1; return csrfFailure(); } });
  setFetch(refusing.fetch);
  const before = pushes;
  assert.equal((await syncNow()).ok, false);
  assert.equal(pushes, before, "no push of a record whose file the server does not have");
});
