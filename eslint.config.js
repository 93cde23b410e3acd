// ESLint (flat config) for the technician PWA: `npm run lint`. The recommended rules of
// @eslint/js, with the globals of where each file runs: the page's modules in a browser,
// the service worker in a worker, the build tools and the unit tests in node.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["pwa/static/vendor/**", "pwa/static/dist/**", "pwa/static/apidocs/**", "node_modules/**"] },
  js.configs.recommended,
  {
    files: ["pwa/static/js/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // The worker: service worker globals (clients, registration, skipWaiting).
    files: ["pwa/static/sw.js"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.serviceworker },
    },
  },
  {
    files: ["pwa/tools/**/*.mjs", "tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
  {
    rules: {
      // `catch { /* why */ }` is how this code says a failure is expected and harmless.
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
];
