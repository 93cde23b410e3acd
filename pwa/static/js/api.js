// HTTP to the Onsite API: JSON in and out, the session cookie, and the CSRF token that
// every cookie-authenticated write needs (fetched from GET /api/auth/session).

let fetchImpl = (...args) => globalThis.fetch(...args);
let csrf = null;

/** Use another fetch (tests). Also forgets the CSRF token. */
export function setFetch(fn) {
  fetchImpl = fn;
  csrf = null;
}

/** The network could not be reached (offline, server down, request cut). */
export class NetworkError extends Error {
  constructor(cause) {
    super(`network: ${cause?.message || cause}`);
    this.name = "NetworkError";
    this.cause = cause;
  }
}

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

async function send(path, { method, json, body, headers }) {
  const h = { Accept: "application/json", ...headers };
  if (json !== undefined) h["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) h["X-CSRFToken"] = await csrfToken();
  let response;
  try {
    response = await fetchImpl(path, {
      method,
      headers: h,
      body: json !== undefined ? JSON.stringify(json) : body,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (err) {
    throw new NetworkError(err);
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  return { status: response.status, body: data };
}

/** The current session {user, csrf_token}; remembers the token. */
export async function session() {
  const res = await send("/api/auth/session", { method: "GET" });
  if (res.status !== 200) throw new ApiError(res.status, res.body);
  csrf = res.body.csrf_token;
  return res.body;
}

/** The CSRF token for writes (fetched once per session). */
export async function csrfToken(force = false) {
  if (!csrf || force) await session();
  return csrf;
}

function isCsrfFailure(res) {
  return res.status === 400 && /csrf/i.test(res.body?.message || "");
}

/**
 * Call the API. Returns {status, body} for any HTTP answer (callers decide what an
 * error status means); throws NetworkError when no answer came. A CSRF failure (the
 * session changed under us) refreshes the token and retries once.
 */
export async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const res = await send(path, { method, json, body, headers });
  if (UNSAFE.has(method) && isCsrfFailure(res)) {
    await csrfToken(true);
    return send(path, { method, json, body, headers });
  }
  return res;
}

/** Sign in with email and password; returns the user. */
export async function login(email, password) {
  const res = await api("/api/auth/login", { method: "POST", json: { email, password, remember: true } });
  if (res.status !== 200) throw new ApiError(res.status, res.body);
  csrf = res.body.csrf_token; // a new session has a new token
  return res.body.user;
}

/** End the session on the server. */
export async function logout() {
  const res = await api("/api/auth/logout", { method: "POST", json: {} });
  csrf = res.body?.csrf_token || null;
  return res.status === 200;
}
