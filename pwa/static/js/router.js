// Path routing for the app under /app/ (the paths are in routes.js): each route is one
// screen module in ui/, loaded on first use. Links inside the app navigate without
// reloading the page.

import { h, replace } from "./ui/dom.js";
import { flushDrafts } from "./ui/drafts.js";
import { clearGuards, confirmLeave, guardLeave } from "./ui/leave_guard.js";
import { t } from "./i18n.js";
import { APP, matchRoute } from "./routes.js";
import { STEPS } from "./visit.js";

/** The route for a path: {screen, params, open} or null. A visit step must be one the visit has. */
export function match(path) {
  const route = matchRoute(path);
  if (route?.screen !== "step") return route;
  if (!STEPS.includes(route.params.step)) return null;
  return { ...route, screen: route.params.step };
}

// A tap that lands while a screen is redrawn would be lost: the press hits the old button
// and the release the new one, which is no click at all. So while a pointer is down a
// new screen waits (at most PRESS_WAIT_MS), and goes in once the release and its click
// have been dispatched; the click's own refresh then draws what it changed.
const PRESS_WAIT_MS = 1000;
const pressed = new Set();
let releaseWaiters = [];

function released() {
  const waiters = releaseWaiters;
  releaseWaiters = [];
  setTimeout(() => { for (const resolve of waiters) resolve(); }, 0); // after the click event
}

function trackPresses(doc) {
  doc.addEventListener("pointerdown", (e) => pressed.add(e.pointerId), true);
  for (const type of ["pointerup", "pointercancel"]) {
    doc.addEventListener(type, (e) => {
      pressed.delete(e.pointerId);
      if (!pressed.size) released();
    }, true);
  }
}

/** Resolves when no pointer is down (at once if none is). */
export function untilReleased() {
  if (!pressed.size) return Promise.resolve();
  return new Promise((resolve) => {
    // A release the page never saw (outside the window) must not hold screens back.
    const timer = setTimeout(() => { pressed.clear(); released(); }, PRESS_WAIT_MS);
    releaseWaiters.push(() => { clearTimeout(timer); resolve(); });
  });
}

export class Router {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.token = 0;
    this.leave = [];
    this.current = null;
  }

  /** Start: render the current URL and follow links and history. */
  start() {
    trackPresses(document);
    document.addEventListener("click", (e) => {
      const a = e.target.closest?.("a[href]");
      if (!a || a.target || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith(APP.prefix)) return;
      e.preventDefault();
      if (url.pathname === location.pathname) return this.go(url.pathname);
      // Unsaved input on this screen: save, discard or stay first (issue #15).
      return confirmLeave().then((ok) => (ok ? this.go(url.pathname) : null));
    });
    addEventListener("popstate", async () => {
      if (this.path && location.pathname !== this.path && !(await confirmLeave())) {
        history.pushState(null, "", this.path); // stay: put the screen's address back
        return null;
      }
      return this.render();
    });
    return this.render();
  }

  /** Go to `path` (pushing history unless `replace`). */
  go(path, { replace: swap = false } = {}) {
    if (path !== location.pathname) history[swap ? "replaceState" : "pushState"](null, "", path);
    return this.render();
  }

  /** Render the screen again from local data (after a change). */
  refresh() {
    return this.render({ keepFocus: true });
  }

  async render({ keepFocus = false } = {}) {
    const token = ++this.token;
    await flushDrafts().catch(() => {}); // a form left half-filled is on disk before the screen goes
    for (const fn of this.leave.splice(0)) { try { fn(); } catch (err) { console.error(err); } }
    const route = match(location.pathname);
    if (route && !route.open && !this.app.user) return this.go("/app/login", { replace: true });
    const y = keepFocus ? window.scrollY : 0;
    let node;
    const guards = [];
    try {
      if (!route) throw Object.assign(new Error("not found"), { notFound: true });
      const mod = await import(`./ui/${route.screen}.js`);
      const path = location.pathname;
      const ctx = {
        app: this.app,
        params: route.params,
        screen: route.screen,
        // By path, not by render: a tap on a screen whose redraw was waiting (above) still
        // refreshes it; a screen the user has left does not come back.
        refresh: () => (location.pathname === path ? this.refresh() : null),
        go: (p, o) => this.go(p, o),
        onLeave: (fn) => this.leave.push(fn),
        isCurrent: () => token === this.token,
        // What counts as unsaved input on this screen (leave_guard.js), active once it is shown.
        guardLeave: (guard) => guards.push(guard),
      };
      node = await mod.render(ctx);
    } catch (err) {
      if (!err.notFound) console.error(err);
      node = h("section", { class: "screen" },
        h("h1", { tabindex: "-1" }, t(err.notFound ? "not_found" : "error_screen")),
        err.notFound ? null : h("p", { class: "error" }, String(err.message || err)),
        h("a", { class: "btn", href: "/app/jobs" }, t("nav_jobs")));
    }
    if (token !== this.token) return; // a newer navigation won
    await untilReleased();
    if (token !== this.token) return; // the tap that was under way navigated or refreshed
    this.current = route?.screen || null;
    this.path = location.pathname;
    clearGuards();
    for (const guard of guards) guardLeave(guard);
    document.body.dataset.screen = this.current || "none";
    replace(this.root, node);
    performance.mark(`onsite:rendered:${this.current}`); // cold-start figure in bench/pwa_bench.py
    const title = this.root.querySelector("h1");
    document.title = title ? `${title.textContent} · Onsite` : "Onsite";
    if (keepFocus) {
      window.scrollTo(0, y);
    } else if (this.rendered) {
      // Moving to another screen: start at its top and tell screen readers where we are.
      window.scrollTo(0, 0);
      title?.focus({ preventScroll: true });
    }
    this.rendered = true;
    document.dispatchEvent(new CustomEvent("onsite-rendered", { detail: { screen: this.current } }));
  }
}
