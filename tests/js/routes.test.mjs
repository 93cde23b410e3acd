// The app's paths, defined once in routes.js: what each path draws, and which
// navigations the service worker answers with the shell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { APP, isAppPath, matchRoute } from "../../pwa/static/js/routes.js";

test("each path draws its screen, with its parameters; a trailing slash is optional", () => {
  const cases = {
    "/": ["jobs", {}],
    "/app/": ["jobs", {}],
    "/app/jobs": ["jobs", {}],
    "/app/jobs/": ["jobs", {}],
    "/app/login": ["login", {}],
    "/app/jobs/0b1c-9": ["job", { id: "0b1c-9" }],
    "/app/jobs/0b1c-9/diagnosis/": ["step", { id: "0b1c-9", step: "diagnosis" }],
    "/app/sync": ["outbox", {}],
    "/app/ready": ["ready", {}],
    "/app/settings": ["settings", {}],
  };
  for (const [path, [screen, params]] of Object.entries(cases)) {
    const route = matchRoute(path);
    assert.deepEqual([route?.screen, route?.params], [screen, params], path);
  }
  assert.equal(matchRoute("/app/login").open, true, "the login screen needs no user");
  assert.equal(matchRoute("/app/jobs").open, false);
});

test("paths with no route match nothing", () => {
  for (const path of ["/app/nowhere", "/app/jobs/a/b/c", "/app/jobs/a b", "/office/", "/appx", "/static/js/app.js"]) {
    assert.equal(matchRoute(path), null, path);
  }
});

test("the worker answers navigations to the root and under the prefix only", () => {
  assert.equal(APP.prefix, "/app/");
  for (const path of ["/", "/app", "/app/", "/app/jobs/x", "/app/anything"]) assert.ok(isAppPath(path), path);
  for (const path of ["/office/", "/api/sync/pull", "/static/css/app.css", "/apple", "/verify/abc"]) assert.ok(!isAppPath(path), path);
});
