// Bundles the app for production (`npm run build`): pwa/static/js/app.js with every screen
// into one minified module, pwa/static/dist/app.js (a start then needs three files from the
// service worker's cache: the page, the CSS and this; the ZXing scanner and signature_pad
// stay apart, loaded from /static/vendor when first needed), and the service worker with
// the modules it imports into dist/sw.js. dist/meta.json
// records a hash of the sources; server/pwa_views.py serves the bundle only while that
// hash matches, so an edited source is never hidden behind a stale bundle.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const staticDir = join(dirname(fileURLToPath(import.meta.url)), "..", "static");
const out = join(staticDir, "dist");

/** The same hash server/pwa_views.py computes: every js/ source and sw.js, by path. */
export function sourcesHash() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".js")) files.push(path);
    }
  };
  walk(join(staticDir, "js"));
  files.push(join(staticDir, "sw.js"));
  const rels = files.map((f) => relative(staticDir, f).split("\\").join("/")).sort();
  const hash = createHash("sha256");
  for (const rel of rels) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(join(staticDir, rel)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

// The worker imports "/static/js/...": resolve those URL paths to the files.
const staticPaths = {
  name: "static-paths",
  setup(build) {
    build.onResolve({ filter: /^\/static\/js\// }, (args) => ({ path: join(staticDir, args.path.slice("/static/".length)) }));
  },
};

rmSync(out, { recursive: true, force: true });
const common = { bundle: true, format: "esm", target: ["chrome100", "safari15.4", "firefox100"], legalComments: "none", logLevel: "warning", plugins: [staticPaths] };
const page = await esbuild.build({
  ...common,
  entryPoints: { app: join(staticDir, "js", "app.js") },
  minify: true,
  outdir: out,
  entryNames: "[name]",
  external: ["/static/vendor/*"],
  metafile: true,
});
// Not minified: pwa_views writes the precache list over its `self.__PRECACHE__ = [];` line.
await esbuild.build({ ...common, entryPoints: { sw: join(staticDir, "sw.js") }, outdir: out, entryNames: "[name]" });

const outputs = Object.keys(page.metafile.outputs);
if (outputs.length !== 1) throw new Error(`expected one bundle, got ${outputs.join(", ")}`);
const meta = { sources: sourcesHash(), entry: "/static/dist/app.js", preload: [] };
writeFileSync(join(out, "meta.json"), JSON.stringify(meta, null, 1));
console.log(`dist/app.js ${(page.metafile.outputs[outputs[0]].bytes / 1024).toFixed(1)} KB, dist/sw.js; sources ${meta.sources.slice(0, 12)}`);
