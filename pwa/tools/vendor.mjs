// Copies the browser files the PWA uses from node_modules into pwa/static/vendor/
// (`npm run build`). The copies are committed so the app runs without npm.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The .wasm must be the exact build the ponyfill's glue code was made for: take it from
// the zxing-wasm that barcode-detector itself resolves.
const fromDetector = createRequire(join(root, "node_modules", "barcode-detector", "package.json"));
// (resolve the reader entry, dist/cjs/reader/index.js, and walk up to the package root)
const zxingDir = join(dirname(fromDetector.resolve("zxing-wasm/reader")), "..", "..", "..");
const vendor = join(root, "pwa", "static", "vendor");
const files = {
  // IndexedDB with promises and versioned upgrades (pwa/static/js/db.js imports it by a
  // relative path, so the modules run unbundled, under node's tests and in the bundle alike).
  "idb.js": "idb/build/index.js",
  "signature_pad.js": "signature_pad/dist/signature_pad.min.js",
  // The QR code of the signed report's link on the hand-over screen (issue #16). Why
  // qrcode-generator: MIT, no dependencies, maintained since 2009 by Kazuhiko Arase (the
  // reference JS encoder, ~40 M downloads a month), an ES module build, and it gives the
  // module matrix (isDark) so we draw it on a canvas ourselves: no innerHTML, no data: URL
  // for the CSP to allow. Vendored (precached with vendor/) so it renders offline, and
  // loaded with import() when a signed hand-over is shown, not in the start-up bundle.
  "qrcode.mjs": "qrcode-generator/dist/qrcode.mjs",
  // The scanner: loaded only when the browser has no native BarcodeDetector.
  "barcode-detector/ponyfill.js": "barcode-detector/dist/es/ponyfill.js",
  "barcode-detector/zxing-exported.js": "barcode-detector/dist/es/zxing-exported.js",
  "barcode-detector/zxing_reader.wasm": join(zxingDir, "dist", "reader", "zxing_reader.wasm"),
};
// Swagger UI for /api/docs, served from here rather than a CDN (the page works offline
// and its CSP names no other origin). Outside vendor/: the PWA's service worker precaches
// vendor/, and a technician's phone has no use for 2 MB of API docs.
const apidocs = join(root, "pwa", "static", "apidocs");
const docsFiles = Object.fromEntries(
  ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "LICENSE"]
    .map((name) => [name, `swagger-ui-dist/${name}`]));
for (const [dir, map] of [[vendor, files], [apidocs, docsFiles]]) {
  for (const [to, from] of Object.entries(map)) {
    const target = join(dir, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(from.startsWith("/") ? from : join(root, "node_modules", from), target);
    console.log(`${join(dir, to).slice(root.length + 1)} <- ${from}`);
  }
}
