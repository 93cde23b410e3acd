// Builds the app for production (`npm run build`), and its precache manifest, once:
//
// - dist/app.js: pwa/static/js/app.js with every screen (and idb) in one minified module
//   (a start then needs three files from the service worker's cache: the page, the CSS and
//   this; the ZXing scanner and signature_pad stay apart, loaded from /static/vendor when
//   first needed);
// - dist/sw.js: the service worker with the modules it imports;
// - dist/precache-manifest.json: every file the worker caches, with a content revision,
//   and the version they add up to. server/pwa_views.py reads it and adds the two
//   responses it renders itself (the shell page and the web app manifest);
// - dist/meta.json: the entry module, and the size and modification time of every source
//   file esbuild read. The server serves the bundle only while those still match (a stat
//   per file, no hashing), so an edited source is never hidden behind a stale bundle.
//
// Why an esbuild step rather than workbox-build's injectManifest: esbuild already reads
// every file that goes into the bundle (its metafile says which vendor files it inlined),
// the manifest is ~30 lines below, and the worker's own precache (revisions, reuse of
// unchanged files from the previous cache, a prefixed versioned cache name) is ~40 lines
// that workbox-precaching would replace with library code in the worker, and
// workbox-build with a second build tool and its dependency tree.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const staticDir = join(dirname(fileURLToPath(import.meta.url)), "..", "static");
const out = join(staticDir, "dist");

// What the worker precaches: the app's own folders (other apps keep files under static/
// too: office/, apidocs/). Files under LAZY are cached after install, not part of the
// shell a start needs: the scanner, loaded only when a camera scan needs it.
const APP_DIRS = ["css/", "icons/", "vendor/", "dist/"];
const LAZY = ["vendor/barcode-detector/"];
const NOT_CACHED = ["dist/sw.js", "dist/meta.json", "dist/precache-manifest.json"];

/** Short content revision of a file: the first 16 hex digits of its SHA-256. */
function rev(data) {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}

const rel = (path) => relative(staticDir, path).split("\\").join("/");

function walk(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, found);
    else found.push(path);
  }
  return found;
}

/**
 * The precache manifest: shell and lazy files with their revisions, and a version that
 * changes when any of them does. `bundled` files (inlined into dist/app.js) are left out.
 */
function precacheManifest(bundled = new Set()) {
  const shell = [];
  const lazy = [];
  for (const path of walk(staticDir).sort()) {
    const name = rel(path);
    if (!APP_DIRS.some((d) => name.startsWith(d)) || name.endsWith(".map") || NOT_CACHED.includes(name) || bundled.has(name)) continue;
    const entry = { url: `/static/${name}`, rev: rev(readFileSync(path)) };
    (LAZY.some((d) => name.startsWith(d)) ? lazy : shell).push(entry);
  }
  shell.sort((a, b) => (a.url < b.url ? -1 : 1));
  lazy.sort((a, b) => (a.url < b.url ? -1 : 1));
  const version = rev(JSON.stringify([shell, lazy, readFileSync(join(out, "sw.js"), "utf8")])).slice(0, 12);
  return { version, shell, lazy };
}

// The worker imports "/static/js/...": resolve those URL paths to the files.
const staticPaths = {
  name: "static-paths",
  setup(build) {
    build.onResolve({ filter: /^\/static\/js\// }, (args) => ({ path: join(staticDir, args.path.slice("/static/".length)) }));
  },
};

rmSync(out, { recursive: true, force: true });
const common = {
  // utf8: the Chinese catalogue as it is (3 bytes a character) rather than \uXXXX escapes
  // (6): module and worker scripts are always decoded as UTF-8.
  bundle: true, format: "esm", charset: "utf8", target: ["chrome100", "safari15.4", "firefox100"], legalComments: "none",
  logLevel: "warning", plugins: [staticPaths], metafile: true, outdir: out, entryNames: "[name]",
};
const page = await esbuild.build({
  ...common,
  entryPoints: { app: join(staticDir, "js", "app.js") },
  minify: true,
  external: ["/static/vendor/*"],
});
// Not minified: it is small, and readable in the browser's devtools when a phone misbehaves.
const worker = await esbuild.build({ ...common, entryPoints: { sw: join(staticDir, "sw.js") } });

const outputs = Object.keys(page.metafile.outputs);
if (outputs.length !== 1) throw new Error(`expected one bundle, got ${outputs.join(", ")}`);
// Every file esbuild read, page and worker, by path under static/ (the stat the server compares).
const inputs = [...new Set([page, worker].flatMap((b) => Object.keys(b.metafile.inputs)))]
  .map((p) => rel(resolve(p))).sort();
const sources = Object.fromEntries(inputs.map((name) => {
  const stat = statSync(join(staticDir, name), { bigint: true });
  return [name, [Number(stat.size), String(stat.mtimeNs)]];
}));
const manifest = precacheManifest(new Set(inputs));
writeFileSync(join(out, "precache-manifest.json"), JSON.stringify(manifest, null, 1));
writeFileSync(join(out, "meta.json"), JSON.stringify({ entry: "/static/dist/app.js", preload: [], sources }, null, 1));
console.log(`dist/app.js ${(page.metafile.outputs[outputs[0]].bytes / 1024).toFixed(1)} KB, dist/sw.js; ` +
  `precache ${manifest.shell.length} + ${manifest.lazy.length} lazy files, version ${manifest.version}`);
