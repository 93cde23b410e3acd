// What the phone knows about its connection, judged from real requests rather than
// navigator.onLine alone. api.js reports every request's outcome here; the status bar
// (ui/chrome.js, through sync.syncStatus) reads `state()`, the Scheduler listens for a
// recovery. One instance per context (page or worker).
//
//   online   the last request got an answer (any status the server chose to give)
//   offline  no network: navigator says so, or a request failed at the network level
//   server   the network works but the server does not: a 5xx answer or a timeout
//   unknown  nothing asked yet (navigator's word stands)
//
// While the state is not online the page probes GET /healthz (short timeout) on a short
// schedule with jitter: every few seconds when offline (lie-fi ends unannounced, a phone
// already online gets no `online` event), with bounded exponential backoff while the
// server errors. The first success is a recovery: listeners are told at once.
//
// Lie-fi that hangs rather than fails (navigator online, requests never answered): a request
// still unanswered after SLOW_MS starts a probe at once (api.js tells `watchRequest`), so
// the bar says offline within seconds instead of after a request's 20-90 s timeout. A probe
// of /healthz (trivial, no body) that gets no answer within its short timeout means the
// network does not carry requests: offline; a slow answer of another request stays "server"
// unless a probe has already judged the network offline.

let current = "unknown";
let since = Date.now();
let failedProbes = 0;
let probeTimer = null;
let probing = null; // {probe, setTimer, clearTimer, random}
const listeners = new Set();

const navigatorOffline = () => globalThis.navigator?.onLine === false;

/** The connection as judged now: "online", "offline", "server" or "unknown". */
export function state() {
  if (navigatorOffline()) return "offline";
  return current;
}

/** How many probes failed in the current bad spell (0 when online). */
export function failedProbeCount() {
  return failedProbes;
}

/** Listen for changes: fn({state, previous, recovered, failedProbes}). Returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function set(next, { probe = false } = {}) {
  if (next === "offline" && probe) for (const abort of [...hanging]) { hanging.delete(abort); abort(); }
  const previous = current;
  const probesBefore = failedProbes;
  if (next === "online") failedProbes = 0;
  else if (probe) failedProbes += 1;
  if (next === previous) {
    if (next !== "online") planProbe();
    return;
  }
  current = next;
  since = Date.now();
  const recovered = next === "online" && (previous === "offline" || previous === "server");
  if (next === "online") cancelProbe();
  else planProbe();
  for (const fn of [...listeners]) {
    try { fn({ state: next, previous, recovered, failedProbes: probesBefore }); } catch (err) { console.error(err); }
  }
}

/**
 * Report a request's outcome (api.js calls this for every request):
 * {status} for an HTTP answer, {network: true} when no answer came, {timeout: true} when the
 * answer took too long. `probe` marks the probe's own requests.
 */
export function report(outcome, { probe = false } = {}) {
  if (outcome.network) return set("offline", { probe });
  if (outcome.timeout) return set(probe || current === "offline" ? "offline" : "server", { probe });
  if (outcome.status >= 500) return set("server", { probe });
  return set("online", { probe }); // 2xx-4xx: the server answered, whatever it said
}

/** How long a request may go unanswered before a probe checks the network. */
export const SLOW_MS = 3_000;
let probeRunning = null;
// Requests under way that can be cut short: when a probe finds the network gone they are
// aborted (failing as offline), so the queue is sent again as soon as it is back rather
// than after a hung request's timeout.
const hanging = new Set();

/**
 * A request is under way (api.js calls this as it sends one, and the returned function when it
 * is answered or failed): if it is still unanswered after SLOW_MS while the connection seems
 * fine, probe now rather than wait for its timeout.
 */
export function watchRequest({ probe = false, abort = null } = {}) {
  if (probe || !probing) return () => {};
  const timer = probing.setTimer(() => {
    if (state() === "online" || state() === "unknown") probeNow();
  }, SLOW_MS);
  const clear = probing.clearTimer;
  if (abort) hanging.add(abort);
  return () => { clear(timer); hanging.delete(abort); };
}

/** The delay before probe `n` (0, 1, ...): a few seconds when offline, backoff while the server errors. */
export function probeDelay(n, kind, random = Math.random) {
  const cap = kind === "server" ? 30_000 : 5_000;
  const ceiling = Math.min(cap, 2000 * 1.5 ** Math.max(0, n));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function cancelProbe() {
  if (probeTimer !== null && probing) probing.clearTimer(probeTimer);
  probeTimer = null;
}

function planProbe(delay) {
  if (!probing || probeTimer !== null) return;
  const wait = delay ?? probeDelay(failedProbes, current, probing.random);
  probeTimer = probing.setTimer(() => { probeTimer = null; probeNow(); }, wait);
}

/** Probe now (also on the browser's `online` event). Resolves when the probe has answered. */
export async function probeNow() {
  if (!probing) return;
  cancelProbe();
  if (probeRunning) return probeRunning; // one probe at a time
  probeRunning = (async () => {
    try {
      await probing.probe();
    } catch { /* reported by api.js */ }
  })();
  try {
    await probeRunning;
  } finally {
    probeRunning = null;
  }
  if (current !== "online") planProbe();
}

/**
 * Probe while the connection is bad (the page calls this once). `probe` makes one cheap
 * request through api.js (which reports it); timers and randomness can be replaced (tests).
 */
export function startProbing({ probe, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id), random = Math.random }) {
  probing = { probe, setTimer, clearTimer, random };
  if (current === "offline" || current === "server") planProbe();
}

/** Forget everything (tests; the page starts fresh anyway). */
export function resetConnectivity() {
  cancelProbe();
  probing = null;
  probeRunning = null;
  hanging.clear();
  current = "unknown";
  since = Date.now();
  failedProbes = 0;
  listeners.clear();
}

/** When the current state began (ms since the epoch). */
export function stateSince() {
  return since;
}
