// HTTP to the Onsite API: JSON in and out, the session cookie, and the CSRF token that
// every cookie-authenticated write needs (fetched from GET /api/auth/session). Every
// request's outcome is reported to connectivity.js (answered, 5xx, timed out, no network).

import { report, watchRequest } from "./connectivity.js";
import { getMeta, setMeta } from "./db.js";

let fetchImpl = (...args) => globalThis.fetch(...args);
let csrf = null;

// How far the server's clock is ahead of this phone's (ms), from the Date header of the last
// answer; kept across reloads so an offline phone still judges lateness by the server's clock,
// as the KPIs do (the server corrects every pushed time by the offset it measures).
const OFFSET_KEY = "onsite.server_clock_offset_ms";
let serverOffset = Number(globalThis.localStorage?.getItem(OFFSET_KEY)) || 0;

/** Note the server's clock from an answer's Date header (1 s resolution: offsets under 2 s are noise). */
export function noteServerDate(dateHeader, now = Date.now()) {
  const server = Date.parse(dateHeader || "");
  if (Number.isNaN(server)) return;
  const offset = server - now;
  serverOffset = Math.abs(offset) < 2000 ? 0 : offset;
  try { globalThis.localStorage?.setItem(OFFSET_KEY, String(serverOffset)); } catch { /* private mode */ }
}

/** Now by the server's clock, as last measured (the phone's own clock when never measured). */
export function serverNow(now = Date.now()) {
  return new Date(now + serverOffset);
}

/** Use another fetch (tests). Also forgets the CSRF token held in memory. */
export function setFetch(fn) {
  fetchImpl = fn;
  csrf = null;
}

/** No answer came: the network could not be reached (offline, request cut), or `timeout`: the server took too long. */
export class NetworkError extends Error {
  constructor(cause, { timeout = false } = {}) {
    super(`network: ${cause?.message || cause}`);
    this.name = "NetworkError";
    this.cause = cause;
    this.timeout = timeout;
  }
}

/** How long a request may take before the server counts as unreachable (ms): reads, writes (uploads), the probe. */
export const TIMEOUTS = { read: 20_000, write: 90_000, probe: 5_000 };

/** The server answered with an error status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// Below this a gzip header costs more than it saves (server/request_bodies.py inflates it).
const COMPRESS_FROM = 1024;

/** `text` gzipped with the browser's CompressionStream, or null where there is none. */
export async function gzip(text) {
  if (typeof CompressionStream !== "function") return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function send(path, { method, json, body, headers, timeout, probe = false, compress = false }) {
  const h = { Accept: "application/json", ...headers };
  if (json !== undefined) h["Content-Type"] = "application/json";
  let payload = json !== undefined ? JSON.stringify(json) : body;
  if (compress && json !== undefined && payload.length >= COMPRESS_FROM) {
    // A push of a whole visit is ~4x smaller gzipped: it matters on a weak 3G uplink (issue #17).
    const packed = await gzip(payload);
    if (packed) {
      payload = packed;
      h["Content-Encoding"] = "gzip";
    }
  }
  if (UNSAFE.has(method)) h["X-CSRFToken"] = await csrfToken();
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  let timedOut = false;
  const limit = timeout ?? (UNSAFE.has(method) ? TIMEOUTS.write : TIMEOUTS.read);
  const timer = controller ? setTimeout(() => { timedOut = true; controller.abort(); }, limit) : null;
  const answered = watchRequest({ probe, abort: controller ? () => controller.abort() : null });
  let response;
  try {
    response = await fetchImpl(path, {
      method,
      headers: h,
      body: payload,
      credentials: "same-origin",
      cache: "no-store",
      signal: controller?.signal,
    });
  } catch (err) {
    report(timedOut ? { timeout: true } : { network: true }, { probe });
    throw new NetworkError(err, { timeout: timedOut });
  } finally {
    if (timer !== null) clearTimeout(timer);
    answered();
  }
  report({ status: response.status }, { probe });
  noteServerDate(response.headers.get("Date"));
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  return { status: response.status, body: data };
}

/** The cheap probe of the server (and its database): GET /healthz with a short timeout. True when it is up. */
export async function probe() {
  const res = await send("/healthz", { method: "GET", timeout: TIMEOUTS.probe, probe: true });
  return res.status === 200;
}

/** The current session {user, csrf_token}; remembers the token. */
export async function session() {
  const res = await send("/api/auth/session", { method: "GET" });
  if (res.status !== 200) throw new ApiError(res.status, res.body);
  await remember(res.body.csrf_token);
  return res.body;
}

// The CSRF token is tied to the session, not a clock (WTF_CSRF_TIME_LIMIT None): kept in
// IndexedDB, a reloaded page or the service worker writes without first asking for it, so a
// sync is one round trip (issue #17). A stale one is refreshed once on its CSRF failure.
const CSRF_KEY = "csrf_token";

async function remember(token) {
  csrf = token || null;
  try { await setMeta(CSRF_KEY, csrf); } catch { /* no IndexedDB: memory only */ }
}

async function remembered() {
  try { return await getMeta(CSRF_KEY, null); } catch { return null; }
}

/** The CSRF token for writes (fetched once per session, remembered across reloads). */
export async function csrfToken(force = false) {
  if (!csrf && !force) csrf = await remembered();
  if (!csrf || force) await refreshSession();
  return csrf;
}

// One session request at a time: parallel writes (blob uploads) that all meet a stale token
// would otherwise each start a new server session, and all but the last cookie's token fail.
let refreshing = null;
function refreshSession() {
  refreshing ??= session().finally(() => { refreshing = null; });
  return refreshing;
}

export function isCsrfFailure(res) {
  return res.status === 400 && /csrf/i.test(res.body?.message || "");
}

/**
 * Call the API. Returns {status, body} for any HTTP answer (callers decide what an
 * error status means); throws NetworkError when no answer came. A CSRF failure (the
 * session changed under us) refreshes the token and retries once.
 */
export async function api(path, { method = "GET", json, body, headers = {}, compress = false } = {}) {
  const res = await send(path, { method, json, body, headers, compress });
  if (UNSAFE.has(method) && isCsrfFailure(res)) {
    await csrfToken(true);
    return send(path, { method, json, body, headers, compress });
  }
  return res;
}

/** Sign in with email and password; returns the user. */
export async function login(email, password) {
  const res = await api("/api/auth/login", { method: "POST", json: { email, password, remember: true } });
  if (res.status !== 200) throw new ApiError(res.status, res.body);
  await remember(res.body.csrf_token); // a new session has a new token
  return res.body.user;
}

/** End the session on the server. */
export async function logout() {
  const res = await api("/api/auth/logout", { method: "POST", json: {} });
  await remember(res.body?.csrf_token);
  return res.status === 200;
}
