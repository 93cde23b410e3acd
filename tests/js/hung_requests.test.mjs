// Lie-fi that hangs (issue #15): a request left unanswered starts a probe after SLOW_MS; a probe
// with no answer means offline and cuts the hung requests short; a quick probe answer leaves a
// slow request (a big upload on a weak line) alone.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { SLOW_MS, report, resetConnectivity, startProbing, state, watchRequest } from "../../pwa/static/js/connectivity.js";

function clock() {
  const c = { now: 0, timers: new Map(), next: 1 };
  c.setTimer = (fn, ms) => { const id = c.next++; c.timers.set(id, { fn, at: c.now + ms }); return id; };
  c.clearTimer = (id) => c.timers.delete(id);
  c.advance = async (ms) => {
    const end = c.now + ms;
    for (;;) {
      const due = [...c.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      c.timers.delete(due[0]);
      c.now = due[1].at;
      due[1].fn();
      await new Promise((r) => setImmediate(r));
    }
    c.now = end;
  };
  return c;
}

beforeEach(() => resetConnectivity());

test("an unanswered request is probed after SLOW_MS; no probe answer: offline, and the request is cut short", async () => {
  const c = clock();
  let probes = 0;
  startProbing({ probe: async () => { probes++; report({ timeout: true }, { probe: true }); }, setTimer: c.setTimer, clearTimer: c.clearTimer, random: () => 1 });
  report({ status: 200 });
  let aborted = 0;
  watchRequest({ abort: () => { aborted++; } });
  await c.advance(SLOW_MS - 1);
  assert.equal(probes, 0);
  assert.equal(state(), "online");
  await c.advance(1);
  assert.equal(probes, 1);
  assert.equal(state(), "offline", "a probe of /healthz that gets no answer: the network carries nothing");
  assert.equal(aborted, 1, "the hung request is cut short");
  // That request now fails at the network level (api.js reports it): still offline, not "server".
  report({ timeout: true });
  assert.equal(state(), "offline");
});

test("a slow request whose probe is answered stays online and is not cut", async () => {
  const c = clock();
  let probes = 0;
  startProbing({ probe: async () => { probes++; report({ status: 200 }, { probe: true }); }, setTimer: c.setTimer, clearTimer: c.clearTimer, random: () => 1 });
  report({ status: 200 });
  let aborted = 0;
  const answered = watchRequest({ abort: () => { aborted++; } });
  await c.advance(SLOW_MS);
  assert.equal(probes, 1);
  assert.equal(state(), "online");
  assert.equal(aborted, 0);
  answered();
  // A request answered in time starts no probe.
  const quick = watchRequest({ abort: () => { aborted++; } });
  await c.advance(100);
  quick();
  await c.advance(SLOW_MS * 2);
  assert.equal(probes, 1);
  // A timed-out ordinary request while the network seemed fine is the server's slowness.
  report({ timeout: true });
  assert.equal(state(), "server");
});
