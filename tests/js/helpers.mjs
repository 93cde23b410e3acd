// Test helpers: a fresh in-memory IndexedDB per test and a scripted fake fetch.
import "fake-indexeddb/auto";
import { gunzipSync } from "node:zlib";
import { IDBFactory } from "fake-indexeddb";
import { closeDb } from "../../pwa/static/js/db.js";
import { setFetch } from "../../pwa/static/js/api.js";
import { resetConnectivity } from "../../pwa/static/js/connectivity.js";

/** Start each test on an empty database. */
export async function freshDb() {
  await closeDb();
  resetConnectivity();
  globalThis.indexedDB = new IDBFactory();
}

/** A JSON Response like the server's. */
export function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/**
 * A fake server: `routes` maps "METHOD /path" (path without query) to a handler
 * (request info) -> Response. Every call is logged in `calls`. Unknown routes throw
 * a TypeError, as fetch does when the network is down.
 */
export function fakeServer(routes) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    const method = init.method || "GET";
    const u = new URL(url, "http://device.test");
    const call = { method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: init.headers || {}, body: init.body };
    if (typeof init.body === "string") call.json = JSON.parse(init.body);
    // A gzipped JSON body (a large push): inflated as the server does (server/request_bodies.py).
    if (init.body instanceof Uint8Array && call.headers["Content-Encoding"] === "gzip") {
      call.json = JSON.parse(gunzipSync(init.body).toString("utf8"));
    }
    calls.push(call);
    const handler = routes[`${method} ${u.pathname}`] ?? routes[`${method} ${u.pathname.replace(/[0-9a-f]{64}$/, ":sha")}`];
    if (!handler) throw new TypeError("Failed to fetch");
    return handler(call);
  };
  setFetch(fetch);
  return { calls, fetch };
}

/** The session endpoint every write first asks for its CSRF token. */
export const sessionRoute = { "GET /api/auth/session": () => json(200, { user: { id: "u1" }, csrf_token: "tok" }) };

/** A push handler that applies everything (duplicates after the first time), like the server. */
export function applyingPush(state = { lastSeq: 0, seen: new Map() }) {
  return (call) => {
    const results = call.json.mutations.map((m) => {
      if (state.seen.has(m.id) || m.seq <= state.lastSeq) {
        return { seq: m.seq, id: m.id, status: "duplicate", version: 1, error: null, conflict: null };
      }
      state.seen.set(m.id, m);
      state.lastSeq = Math.max(state.lastSeq, m.seq);
      return { seq: m.seq, id: m.id, status: "applied", version: 1, error: null, conflict: null };
    });
    return json(200, { last_seq: state.lastSeq, results });
  };
}
