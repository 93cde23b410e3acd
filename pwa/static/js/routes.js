// The app's paths, defined once. The router draws one screen per route (router.js); the
// service worker answers every navigation `isAppPath` accepts with the cached shell
// (sw.js); server/pwa_views.py reads the block below and serves the shell at the root
// and under the prefix (the client says "not found" for a path with no route).
// The block between the JSON markers must stay plain JSON: the server parses it.

/** Where the app lives, and its routes (paths under the prefix, `:name` for a parameter). */
export const APP = /* JSON */ {
  "root": "/",
  "prefix": "/app/",
  "routes": [
    { "path": "", "screen": "jobs" },
    { "path": "jobs", "screen": "jobs" },
    { "path": "login", "screen": "login", "open": true },
    { "path": "jobs/:id", "screen": "job" },
    { "path": "jobs/:id/:step", "screen": "step" },
    { "path": "sync", "screen": "outbox" },
    { "path": "ready", "screen": "ready" },
    { "path": "settings", "screen": "settings" }
  ]
} /* end JSON */;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

// Each route as a regular expression: a parameter is one path segment; a trailing slash is optional.
const COMPILED = APP.routes.map((route) => {
  const keys = [];
  const pattern = route.path.split("/").map((part) => {
    if (!part.startsWith(":")) return escape(part);
    keys.push(part.slice(1));
    return "([\\w-]+)";
  }).join("\\/");
  return { ...route, keys, re: new RegExp(`^${escape(APP.prefix)}${pattern}${pattern ? "\\/?" : ""}$`) };
});

/** True for a path the app's shell answers: the root, the prefix and everything under it. */
export function isAppPath(pathname) {
  return pathname === APP.root || pathname === APP.prefix.replace(/\/$/, "") || pathname.startsWith(APP.prefix);
}

/** The route for a path: {screen, params, open} or null (the root is the prefix's first route). */
export function matchRoute(path) {
  const p = path === APP.root ? APP.prefix : path;
  for (const route of COMPILED) {
    const m = route.re.exec(p);
    if (!m) continue;
    const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
    return { screen: route.screen, params, open: !!route.open };
  }
  return null;
}
