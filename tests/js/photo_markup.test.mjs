// A marked-up photo (issue #15): the new record names the marked-up image and the original;
// both blobs are uploaded before the push, and the unmarked record is voided.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { freshDb, fakeServer, json, sessionRoute, applyingPush } from "./helpers.mjs";
import { get, getAll } from "../../pwa/static/js/db.js";
import { blobRefs } from "../../pwa/static/js/wire.js";
import { savePhoto, saveMarkup, setOf } from "../../pwa/static/js/ui/photo.js";
import { syncNow } from "../../pwa/static/js/sync.js";

const WO = "11111111-1111-4111-8111-111111111111";
const emptyPull = { "GET /api/sync/pull": () => json(200, { cursor: "c0", has_more: false, reset: false, changes: [] }) };
const shot = (sha, n) => ({ sha256: sha, type: "image/webp", bytes: new Uint8Array(n).fill(7).buffer });

beforeEach(freshDb);

test("the original's hash is a blob reference too", () => {
  assert.deepEqual(blobRefs({ blob_sha256: "a", original_sha256: "b" }), ["a", "b"]);
  assert.deepEqual(blobRefs({ blob_sha256: "a", original_sha256: null }), ["a"]);
});

test("records from before photo sets are 'other'", () => {
  assert.equal(setOf({}), "other");
  assert.equal(setOf({ photo_set: "before" }), "before");
  assert.equal(setOf({ photo_set: "during" }), "other");
});

test("marking up keeps the original: both blobs go up before the push, the unmarked record is voided", async () => {
  const original = "0a".repeat(32), marked = "0b".repeat(32);
  const photo = await savePhoto(WO, { set: "before", caption: "门封", photo: shot(original, 5) });
  const record = await saveMarkup(photo, shot(marked, 6));
  assert.deepEqual(
    [record.blob_sha256, record.original_sha256, record.photo_set, record.caption],
    [marked, original, "before", "门封"],
  );
  const order = [];
  fakeServer({
    ...sessionRoute, ...emptyPull,
    "PUT /api/blobs/:sha": (call) => { order.push(call.path.split("/").pop()); return json(201, {}); },
    "POST /api/sync/push": (call) => {
      order.push(call.json.mutations.map((m) => `${m.op} ${m.entity}`).join(", "));
      return applyingPush()(call);
    },
  });
  assert.equal((await syncNow()).ok, true);
  assert.deepEqual(order, [original, marked, "create photo, create photo, delete photo"]);
  assert.ok((await get("blobs", original)).uploaded && (await get("blobs", marked)).uploaded);
  const live = (await getAll("records")).filter((r) => !r.deleted);
  assert.deepEqual(live.map((r) => r.id), [record.id]);
});

test("photo settings: the server's values apply, out-of-range ones are ignored", async () => {
  const { PHOTO_SETTINGS, configurePhotos } = await import("../../pwa/static/js/image.js");
  const before = { ...PHOTO_SETTINGS };
  assert.deepEqual(configurePhotos({ maxSide: 1024, quality: 0.6 }), { maxSide: 1024, quality: 0.6 });
  assert.deepEqual(configurePhotos({ maxSide: 10, quality: 3 }), { maxSide: 1024, quality: 0.6 });
  configurePhotos(before);
});
