// The sync client: push the outbox in seq order (blobs first), then pull by cursor.
// Used by the page (on start, on `online`, on a timer, after each new entry) and by the
// service worker (its `sync` event). A Web Lock keeps page and worker from syncing at once.

import { ApiError, NetworkError, api, isCsrfFailure } from "./api.js";
import { state as connectionState } from "./connectivity.js";
import { MIRROR, clearMirror, deviceId, setMeta, tx } from "./db.js";
import { acknowledge, pendingCount, pendingEntries, repairOutbox } from "./outbox.js";
import * as wire from "./wire.js";

export const BATCH = 100;
const CHANNEL = "onsite-sync";
let channel = null;

/** Tell every tab (and the worker) that sync state or local data changed. */
export function announce(detail = {}) {
  try {
    channel ??= new BroadcastChannel(CHANNEL);
    channel.unref?.();
    channel.postMessage({ type: "sync-state", ...detail });
  } catch { /* no BroadcastChannel: nothing to tell */ }
  globalThis.dispatchEvent?.(new CustomEvent("onsite-sync", { detail }));
}

/** Listen for announcements from other contexts. Returns a function that stops listening. */
export function onAnnounce(fn) {
  const local = (e) => fn(e.detail || {});
  globalThis.addEventListener?.("onsite-sync", local);
  let ch = null;
  try {
    ch = new BroadcastChannel(CHANNEL);
    ch.onmessage = (e) => fn(e.data || {});
  } catch { /* none */ }
  return () => { globalThis.removeEventListener?.("onsite-sync", local); ch?.close(); };
}

/** Delay before retry `attempt` (0, 1, 2...): exponential, capped, with equal jitter. */
export function backoffDelay(attempt, { base = 2000, cap = 5 * 60 * 1000, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A sync failure worth telling the technician about. */
export class SyncError extends Error {
  constructor(kind, message, detail = {}) {
    super(message);
    this.name = "SyncError";
    this.kind = kind;
    this.detail = detail;
  }
}

async function withLock(fn) {
  const locks = globalThis.navigator?.locks;
  if (locks?.request) return locks.request("onsite-sync", fn);
  const previous = withLock.chain || Promise.resolve();
  const run = previous.catch(() => {}).then(fn);
  withLock.chain = run.catch(() => {});
  return run;
}

// Blobs go up this many at a time: one round trip for the usual visit's photo and signature.
const BLOB_POOL = 3;

async function uploadBlobs(entries) {
  const wanted = [...new Set(entries.flatMap((e) => e.blobs || []))];
  const queue = [...wanted];
  const worker = async () => { while (queue.length) await uploadBlob(queue.shift()); };
  await Promise.all(Array.from({ length: Math.min(BLOB_POOL, queue.length) }, worker));
}

async function uploadBlob(sha) {
  const blob = await tx(["blobs"], "readonly", (t) => t.get("blobs", sha));
  if (!blob || blob.uploaded) return; // a missing blob: the server rejects the record, visibly
  const res = await api(wire.urls.blob(sha), {
    method: "PUT",
    body: blob.bytes,
    headers: { "Content-Type": blob.type },
  });
  if (res.status === 200 || res.status === 201) {
    await tx(["blobs"], "readwrite", async (t) => {
      const row = await t.get("blobs", sha);
      if (row) await t.put("blobs", { ...row, uploaded: true });
    });
  } else if (res.status === 401 || res.status >= 500 || isCsrfFailure(res)) {
    // Not the file's fault (signed out, server trouble, a session that changed twice): stop
    // here and retry later, rather than push a record whose file the server does not have.
    throw new ApiError(res.status, res.body);
  }
  // Other 4xx (bad hash, too large): the record that refers to it will be rejected.
}

/** Re-number queued entries from `expected` on (the server lost or never had the earlier seqs). */
async function renumberFrom(expected) {
  await tx(["outbox", "meta"], "readwrite", async (t) => {
    const entries = await t.getAll("outbox");
    if (!entries.length || entries[0].seq <= expected) return;
    await t.clear("outbox");
    let seq = expected;
    for (const entry of entries) await t.add("outbox", { ...entry, seq: seq++ });
    await t.setMeta("seq", seq - 1);
  });
}

// meta key: true once this phone holds a whole copy (a pull from the start went to the end):
// only then does it name itself in pulls, so the server leaves out its own records' echoes
// (issue #17). A pull from the start or a reset clears it.
const ECHO_FREE = "echo_free";

/** Where the next pull starts, and whether it may leave this phone's echoes out. */
async function pullState() {
  return tx(["meta"], "readonly", async (t) => ({ cursor: await t.meta("cursor"), echoFree: await t.meta(ECHO_FREE, false) }));
}

function pullUrl(cursor, device, echoFree) {
  const url = wire.urls.pull(cursor);
  return cursor && echoFree ? `${url}&device_id=${encodeURIComponent(device)}` : url;
}

/**
 * Push the whole outbox, batch by batch; each batch is acknowledged before the next.
 * The last batch carries the pull cursor (when echo-free), and its answer the pull page
 * that follows: `pulled` says whether that page came and left nothing more to pull.
 */
export async function push() {
  const device = await deviceId();
  await repairOutbox();
  const totals = { accepted: 0, rejected: 0, pulled: false, changes: 0 };
  let renumbered = false;
  for (;;) {
    const entries = await pendingEntries(BATCH);
    if (!entries.length) return totals;
    // A batch shorter than BATCH is the last one; a full one may be too.
    const last = entries.length < BATCH ? Promise.resolve(true) : pendingCount().then((n) => n <= entries.length);
    const [, { cursor, echoFree }, isLast] = await Promise.all([uploadBlobs(entries), pullState(), last]);
    const body = wire.pushBody(device, entries);
    // One round trip: the push's answer brings the pull after it (no echoes of this push).
    if (cursor && echoFree && isLast) body.pull_cursor = cursor;
    const res = await api(wire.urls.push, { method: "POST", json: body, compress: true });
    if (res.status === 409 && Number.isInteger(res.body?.expected_seq) && !renumbered) {
      // Our first seq is ahead of the server's: nothing of ours past it was applied.
      await renumberFrom(res.body.expected_seq);
      renumbered = true;
      continue;
    }
    if (res.status !== 200) throw new ApiError(res.status, res.body);
    const result = await acknowledge(entries, wire.parsePushResponse(res.body));
    totals.accepted += result.accepted;
    totals.rejected += result.rejected;
    if (body.pull_cursor && res.body.pull) {
      const page = wire.parsePullResponse(res.body.pull);
      await applyPull(page);
      totals.changes += page.changes.length;
      totals.pulled = !page.hasMore && !page.reset;
    }
    if (!result.accepted && !result.rejected) {
      throw new SyncError("no_progress", "The server acknowledged none of the entries sent.");
    }
    announce({ pushed: result });
  }
}

async function applyPull(page) {
  await tx([...MIRROR, "records", "outbox", "meta"], "readwrite", async (t) => {
    // A reset drops the copy; a pull that reaches the end holds a whole one again.
    if (page.reset) await t.setMeta(ECHO_FREE, false);
    else if (!page.hasMore) await t.setMeta(ECHO_FREE, true);
    if (page.reset) {
      for (const name of MIRROR) await t.clear(name);
      for (const record of await t.getAll("records")) {
        if (record.synced) await t.del("records", record.id);
      }
    }
    let pendingByWo = null;
    for (const change of page.changes) {
      const store = MIRROR.includes(change.entity) ? change.entity
        : wire.JOB_RECORDS.includes(change.entity) || wire.SETTINGS_ENTITIES.includes(change.entity) ? "records" : null;
      if (!store) continue; // an entity this client does not know yet
      if (change.op === "delete") {
        await t.del(store, change.id);
        continue;
      }
      let record = wire.recordFromChange(change);
      if (store === "work_order") {
        // Our own changes still in the outbox stay on top of the server's copy.
        pendingByWo ??= groupUpdates(await t.getAll("outbox"));
        const pending = pendingByWo.get(change.id) || [];
        for (const entry of pending) record = { ...record, ...entry.fields };
        // The version pulled, kept apart from the optimistic copy: updates queued from now
        // on send it as base_version (see records.updateWorkOrder).
        record.version = change.version;
        record.server_version = change.version;
      }
      await t.put(store, record);
    }
    await t.setMeta("cursor", page.cursor); // same transaction as the data: never ahead of it
  });
}

function groupUpdates(entries) {
  const map = new Map();
  for (const e of entries) {
    if (e.entity !== "work_order") continue;
    if (!map.has(e.entity_id)) map.set(e.entity_id, []);
    map.get(e.entity_id).push(e);
  }
  return map;
}

/** Pull every page of changes after the stored cursor. */
export async function pull() {
  const device = await deviceId();
  let changes = 0;
  for (let page = 0; page < 10000; page++) {
    const { cursor, echoFree } = await pullState();
    const res = await api(pullUrl(cursor, device, echoFree));
    if (res.status !== 200) throw new ApiError(res.status, res.body);
    const parsed = wire.parsePullResponse(res.body);
    await applyPull(parsed);
    changes += parsed.changes.length;
    if (!parsed.hasMore) break;
  }
  if (changes) announce({ pulled: changes });
  return changes;
}

/**
 * What went wrong, as the status bar words it: "offline" (no answer: no network), "server"
 * (a 5xx answer or a timeout: the network works, the server does not), "auth" (sign in
 * again), "refused" (the server answered no: another 4xx, with its message and code).
 */
export function describe(err) {
  if (err instanceof NetworkError) return { kind: err.timeout ? "server" : "offline", message: err.message };
  if (err instanceof ApiError) {
    const kind = err.status === 401 ? "auth" : err.status >= 500 ? "server" : "refused";
    const code = typeof err.body?.code === "string" ? err.body.code : undefined;
    return { kind, status: err.status, message: err.message, ...(code ? { code, params: err.body.params } : {}) };
  }
  if (err instanceof SyncError) return { kind: "refused", code: err.kind, message: err.message };
  return { kind: "client", message: String(err?.message || err) };
}

/**
 * One full sync: push, pull, and push again if pulling took long enough for new
 * entries to appear. Records the outcome in meta (last_sync_at, sync_error) for the UI.
 */
export async function syncNow({ reason = "manual" } = {}) {
  return withLock(async () => {
    await setMeta("syncing", true);
    announce({ syncing: true, reason });
    try {
      const pushed = await push();
      // The last push's answer carried the pull after it, to the end: no second request.
      const pulled = pushed.pulled ? pushed.changes : await pull();
      if (pushed.pulled && pulled) announce({ pulled });
      if (await pendingCount()) await push();
      await tx(["meta"], "readwrite", async (t) => {
        await t.setMeta("last_sync_at", Date.now());
        await t.setMeta("sync_error", null);
        await t.setMeta("auth_needed", false);
        await t.setMeta("syncing", false);
      });
      return { ok: true, pushed, pulled };
    } catch (err) {
      const error = describe(err);
      // Refused sign-in (signed out elsewhere, a revoked lost phone, a deactivated account):
      // the customers and jobs copied from the server go, the outbox and the technician's
      // own records stay, to be uploaded after they sign in again (a full pull then).
      const stores = error.kind === "auth" ? [...MIRROR, "meta"] : ["meta"];
      await tx(stores, "readwrite", async (t) => {
        await t.setMeta("sync_error", { ...error, at: Date.now() });
        if (error.kind === "auth") {
          await t.setMeta("auth_needed", true);
          await clearMirror(t);
        }
        await t.setMeta("syncing", false);
      });
      return { ok: false, error };
    } finally {
      announce({ syncing: false, reason });
    }
  });
}

/**
 * What the status bar shows: the connection ("online", "offline", "server": unreachable or
 * erroring, "refused": the last sync was refused, "auth": sign in again), entries waiting,
 * rejected, last sync, the last error. The connection comes from real requests
 * (connectivity.js); before this page has made one, from the last sync's outcome.
 */
export async function syncStatus() {
  const s = await tx(["outbox", "rejected", "meta"], "readonly", async (t) => ({
    pending: await t.count("outbox"),
    rejected: await t.count("rejected"),
    lastSyncAt: await t.meta("last_sync_at"),
    error: await t.meta("sync_error"),
    authNeeded: await t.meta("auth_needed", false),
    syncing: await t.meta("syncing", false),
  }));
  return { ...connection(s), ...s };
}

function connection({ error, authNeeded }) {
  let net = connectionState();
  if (net === "unknown") net = error?.kind === "offline" || error?.kind === "server" ? error.kind : "online";
  if (net !== "online") return { online: false, connection: net };
  if (authNeeded) return { online: true, connection: "auth" };
  if (error?.kind === "refused" || error?.kind === "client") return { online: true, connection: "refused" };
  return { online: true, connection: "online" };
}

/**
 * When to sync on its own: now, after each new entry (debounced), when the browser comes
 * online, every `interval`; after a failure, retry with backoff and jitter. When requests
 * succeed again after a failure (connectivity.js says "recovered": a probe or any other
 * request), the backoff is reset and it syncs at once, unless the server itself keeps
 * failing syncs while answering probes (then the backoff stands).
 */
export class Scheduler {
  constructor({ sync = syncNow, interval = 60_000, debounce = 400, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id), random = Math.random, isOnline = () => globalThis.navigator?.onLine !== false } = {}) {
    Object.assign(this, { sync, interval, debounce, setTimer, clearTimer, random, isOnline });
    this.failures = 0;
    this.lastFailure = null;
    this.timer = null;
    this.running = null;
    this.again = false;
    this.followUp = false;
    this.stopped = false;
  }

  /** Sync as soon as possible (after `delay` ms). */
  schedule(delay = 0, reason = "scheduled") {
    if (this.stopped) return;
    if (this.timer) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => { this.timer = null; this.run(reason); }, delay);
  }

  /** A new outbox entry: sync shortly, batching a burst of taps into one push. */
  poke() {
    if (this.isOnline()) this.schedule(this.debounce, "new-entry");
  }

  /**
   * Requests succeed again after failures (connectivity.js's recovery): reset the backoff
   * and sync at once. `failedProbes`: probes that failed in the bad spell. Only a server
   * that failed two syncs in a row while every probe passed keeps its backoff.
   */
  recovered({ failedProbes = 0 } = {}) {
    if (this.stopped) return;
    const serverFailing = this.lastFailure === "server" && !failedProbes; // the probe passed, syncs did not
    if (serverFailing && this.failures > 1) return;
    if (this.running) { this.again = !serverFailing; return; }
    if (!serverFailing) this.failures = 0;
    this.schedule(0, "recovered");
  }

  /**
   * Run one sync now, then plan the next. Asked while one runs, it joins that one and
   * another follows it at once: the running sync may have read the outbox before the
   * entry that asked was queued, and that entry must not wait for the timer.
   */
  async run(reason = "manual") {
    if (this.running) {
      this.followUp = true;
      return this.running;
    }
    this.running = (async () => {
      let result;
      try {
        result = await this.sync({ reason });
      } catch (err) {
        result = { ok: false, error: { kind: "client", message: String(err) } };
      }
      const again = this.again;
      const followUp = this.followUp;
      this.again = this.followUp = false;
      if (result?.ok) {
        this.failures = 0;
        this.lastFailure = null;
        this.schedule(followUp ? 0 : this.interval, followUp ? "follow-up" : "timer");
      } else if (result?.error?.kind === "auth") {
        this.failures = 0; // retrying cannot help until the technician signs in again
        this.lastFailure = "auth";
      } else {
        this.lastFailure = result?.error?.kind || "client";
        if (again) this.failures = 0; // requests came back while this one was failing
        this.schedule(backoffDelay(this.failures++, { random: this.random }), "retry");
      }
      return result;
    })();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Stop planning syncs. */
  stop() {
    this.stopped = true;
    if (this.timer) this.clearTimer(this.timer);
    this.timer = null;
  }
}
