// The service worker's Web Push side (issue #16): what a tap opens, and which window opens it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openApp, readPush, safeUrl } from "../../pwa/static/js/push_sw.js";

const ORIGIN = "https://onsite.example";

function fakeClients(urls) {
  const log = [];
  const windows = urls.map((url) => ({
    url,
    focus: async function () { log.push(["focus", this.url]); return this; },
    navigate: async function (to) { log.push(["navigate", this.url, to]); return { url: to }; },
  }));
  return {
    log,
    matchAll: async (options) => { log.push(["matchAll", options.type]); return windows; },
    openWindow: async (url) => { log.push(["openWindow", url]); return { url }; },
  };
}

test("a tap opens the job only inside the app", () => {
  assert.equal(safeUrl("/app/jobs/5d9a99bc-d380-4794-9c04-97b20ebb8f5e"), "/app/jobs/5d9a99bc-d380-4794-9c04-97b20ebb8f5e");
  assert.equal(safeUrl("/app"), "/app");
  for (const bad of ["https://evil.example/app/jobs/1", "//evil.example/app", "/office/x", "/app/../office", null, 7]) {
    assert.equal(safeUrl(bad), "/app", String(bad));
  }
});

test("a tap with the app open focuses that window and shows the job there", async () => {
  const clients = fakeClients(["https://other.example/", `${ORIGIN}/app/`]);
  const opened = await openApp(clients, ORIGIN, "/app/jobs/abc");
  assert.equal(opened.url, `${ORIGIN}/app/jobs/abc`);
  assert.deepEqual(clients.log.slice(1), [["focus", `${ORIGIN}/app/`], ["navigate", `${ORIGIN}/app/`, `${ORIGIN}/app/jobs/abc`]]);
});

test("a tap with no window of the app opens one on the job", async () => {
  const clients = fakeClients(["https://other.example/"]);
  const opened = await openApp(clients, ORIGIN, "/app/jobs/abc");
  assert.equal(opened.url, `${ORIGIN}/app/jobs/abc`);
  assert.deepEqual(clients.log.at(-1), ["openWindow", `${ORIGIN}/app/jobs/abc`]);
});

test("the server's message is read defensively", () => {
  const msg = readPush({ json: () => ({ title: "服务单 SR-1 已改约", body: "…", url: "/app/jobs/x", kind: "rescheduled", work_order_id: "x" }) });
  assert.deepEqual(msg, { title: "服务单 SR-1 已改约", body: "…", url: "/app/jobs/x", tag: "onsite", kind: "rescheduled", workOrderId: "x" });
  const plain = readPush({ json: () => { throw new SyntaxError("not JSON"); }, text: () => "hello" });
  assert.equal(plain.body, "hello");
  assert.equal(plain.url, "/app");
  assert.equal(readPush(null).title, "Onsite");
});
