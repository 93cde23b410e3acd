// The service worker, served at /sw.js by server/pwa_views.py with its precache manifest in
// front of it (`self.__PRECACHE__ = {version, shell, lazy}`): the files and revisions
// pwa/tools/bundle.mjs listed at build time, plus the shell page and web app manifest the
// server renders. One versioned cache holds the app shell and the lazily used scanner
// files; older versions' caches are deleted on activate. It never touches IndexedDB except
// through the sync client, so an update leaves the outbox and every local record as they were.
//
// Without a build (`npm run build`; or PWA_USE_SOURCES) the manifest says `dev`: only the
// shell page is precached and the modules are fetched network first, each copy kept for
// when the phone is offline, so an edited module shows on the next load.

import { APP, isAppPath } from "/static/js/routes.js";
import { syncNow } from "/static/js/sync.js";
import "/static/js/push_sw.js"; // Web Push: show, pull, open the job (issue #16)

const MANIFEST = self.__PRECACHE__;
const PREFIX = "onsite-";
const CACHE = `${PREFIX}${MANIFEST.version}`;
const REVS = "/__onsite_revs__";

async function previousRevs() {
  const found = new Map(); // url -> {cache name, rev}
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const cache = await caches.open(name);
    const revs = await cache.match(REVS);
    if (!revs) continue;
    for (const [url, rev] of Object.entries(await revs.json())) found.set(url, { name, rev });
  }
  return found;
}

async function precache() {
  const cache = await caches.open(CACHE);
  const old = await previousRevs();
  const entries = [...MANIFEST.shell, ...MANIFEST.lazy];
  await Promise.all(entries.map(async ({ url, rev }) => {
    const prior = old.get(url);
    if (prior && prior.rev === rev) {
      const response = await (await caches.open(prior.name)).match(url);
      if (response) return cache.put(url, response);
    }
    // "no-cache", not "reload": the page has usually just loaded the shell's files, so the
    // browser revalidates its copy (a 304, no body) instead of downloading each twice; a
    // changed file still comes fresh, since the server's validators change with it.
    const response = await fetch(new Request(url, { cache: "no-cache", credentials: "same-origin" }));
    if (!response.ok) throw new Error(`precache ${url}: HTTP ${response.status}`);
    return cache.put(url, response);
  }));
  const revs = Object.fromEntries(entries.map(({ url, rev }) => [url, rev]));
  await cache.put(REVS, new Response(JSON.stringify(revs), { headers: { "Content-Type": "application/json" } }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  if (event.data?.type === "version") event.source?.postMessage({ type: "version", version: MANIFEST.version });
});

let opened = null;
const cache = () => (opened ??= caches.open(CACHE)); // opened once per worker start

async function fromCache(request) {
  const hit = await (await cache()).match(request);
  if (hit) return hit;
  return fetch(request);
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) await (await cache()).put(request, response.clone());
    return response;
  } catch (err) {
    const hit = await (await cache()).match(request);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The API and the connectivity probe (/healthz) always go to the network.
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname === "/healthz") return;
  if (request.mode === "navigate") {
    if (!isAppPath(url.pathname)) return;
    // Every app path is the same shell: answer from the cache, so a start needs no network.
    event.respondWith(cache().then((c) => c.match(APP.root)).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(MANIFEST.dev ? networkFirst(request) : fromCache(request));
});

self.addEventListener("sync", (event) => {
  if (event.tag === "onsite-outbox") event.waitUntil(syncNow({ reason: "background-sync" }));
});
