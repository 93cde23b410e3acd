// Reads {schedule, quote} cases (one JSON per line) on stdin; prints the PWA's canonical
// quote JSON for each, or the FeeError code and params, for tests/test_fees_agree.py.
import { FeeError, canonicalQuote, computeQuote } from "../../pwa/static/js/fees.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const line of input.split("\n").filter(Boolean)) {
  const { schedule, quote } = JSON.parse(line);
  try {
    out.push({ json: canonicalQuote(computeQuote(schedule, quote)) });
  } catch (err) {
    if (!(err instanceof FeeError)) throw err;
    out.push({ error: err.code, params: err.params });
  }
}
process.stdout.write(JSON.stringify(out));
