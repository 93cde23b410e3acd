// Reads JSON summaries (one per line) on stdin; prints the PWA's canonical JSON and
// SHA-256 of each, for tests/test_js_units.py to compare with the server's.
import { canonicalJson, summarySha256 } from "../../pwa/static/js/summary.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const line of input.split("\n").filter(Boolean)) {
  const value = JSON.parse(line);
  out.push({ json: canonicalJson(value), sha256: await summarySha256(value) });
}
process.stdout.write(JSON.stringify(out));
