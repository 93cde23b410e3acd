#!/usr/bin/env python3
"""Network benchmark (issue #17): a visit recorded offline in the real PWA, synced over 3G.

    .venv/bin/python bench/net_bench.py            # 3 runs per profile, medians
    .venv/bin/python bench/net_bench.py --runs 1   # a smoke run

For each run: a fresh Chromium profile signs in to Onsite (the demo seed, SQLite, the
app in a thread on loopback) and syncs; the network goes off (Chromium's emulation);
the phone records a house call through the PWA's own modules (records.js into its
IndexedDB outbox): 31 checklist answers and 10 visit notes, a photo (a 640x480 canvas
drawing as JPEG q0.8) and the customer's signature (pen strokes on the 612x392 pad,
encoded by png1.js as the sign-off screen does; uploaded with a photo record, since a
sign-off's seal needs the whole visit's summary), 43 entries in all. Then the network
comes back under the profile's emulation (3G: 1.6 Mbit/s down, 750 kbit/s up, 150 ms;
slow 3G: 400 kbit/s each way, 400 ms) and the app syncs on its own (the `online` event).

Prints per profile: requests, body bytes each way (counted in WSGI around the app,
after compression; headers not counted), the time from the network coming back to the
status bar saying synced (the outbox empty, not syncing), the physical limit and the
ratio. The limit, as issue #17 defines it: the essential bytes (up, the push body as the
PWA builds it, gzipped, plus the blobs; down, the push answer as sent) at the profile's
throughput, plus three of the profile's latencies (Chromium adds the latency to each
request's round trip; the contract needs two dependent steps: the blobs, then the push).
Chromium's online event starts the app's own sync (and one connectivity probe, counted).
Targets (issue #17): time <= 1.2x the limit, bytes <= 1.2x the essential each way.
Writes bench/results/net.json. Needs /usr/bin/chromium and the project's .venv.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pwa_bench import Server, launch, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "net.json"
TECH = ("tech1@demo.onsite", "onsite-demo")
PROFILES = {
    # name: (down bit/s, up bit/s, latency Chromium adds to each request's round trip, ms)
    "3G": (1_600_000, 750_000, 150),
    "slow 3G": (400_000, 400_000, 400),
}
ENTRIES = 43


class Meter:
    """WSGI middleware counting requests and body bytes each way (after compression)."""

    def __init__(self, app):
        self.app, self.lock, self.log, self.on = app, threading.Lock(), [], False

    def __call__(self, environ, start_response):
        if not self.on:
            return self.app(environ, start_response)
        up = int(environ.get("CONTENT_LENGTH") or 0)
        body = b"".join(self.app(environ, start_response))
        with self.lock:
            self.log.append(
                {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "up": up, "down": len(body)}
            )
        return [body]


RECORD_VISIT = """async ({ wo, n }) => {
  const records = await import('/static/js/records.js');
  const { signaturePng } = await import('/static/js/png1.js');
  const sha = async (bytes) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0')).join('');
  // The photo: a drawing with some detail, as a camera shot resized on the phone would be.
  const photo = Object.assign(document.createElement('canvas'), { width: 640, height: 480 });
  const p = photo.getContext('2d');
  for (let i = 0; i < 60; i++) {
    p.fillStyle = `hsl(${(i * 37) % 360}, 40%, ${30 + (i % 5) * 10}%)`;
    p.fillRect((i * 53) % 600, (i * 31) % 440, 40 + (i % 7) * 9, 30 + (i % 4) * 11);
  }
  const jpeg = new Uint8Array(await (await new Promise((r) => photo.toBlob(r, 'image/jpeg', 0.8))).arrayBuffer());
  // The signature: pen strokes on the pad (612x392 device pixels), 1-bit PNG at CSS size.
  const pad = Object.assign(document.createElement('canvas'), { width: 612, height: 392 });
  const s = pad.getContext('2d');
  s.fillStyle = '#fff'; s.fillRect(0, 0, 612, 392);
  s.strokeStyle = '#000'; s.lineWidth = 4; s.beginPath();
  for (let x = 40; x < 580; x += 3) s.lineTo(x, 196 + Math.sin(x / 17) * 70 + Math.cos(x / 5) * 12);
  s.stroke();
  const png = await signaturePng(pad, 306, 196);
  const blobs = [[jpeg, 'image/jpeg'], [png, 'image/png']];
  let count = 0;
  for (let i = 0; count < n - blobs.length; i++, count++) {
    const note = `Note ${i}: customer shown the old part`;
    if (i % 4 === 3) await records.recordVisit(wo, 'visit_event', { kind: 'note_left', note });
    else await records.recordVisit(wo, 'checklist_answer',
      { step: `step_${i}`, value: 'yes', note: i % 3 ? null : 'checked with the customer' });
  }
  const sizes = [];
  for (const [bytes, type] of blobs) {
    const hash = await sha(bytes);
    const caption = type === 'image/png' ? 'signature' : 'before';
    await records.recordVisit(wo, 'photo', { blob_sha256: hash, caption },
      { blob: { sha256: hash, type, bytes: bytes.buffer } });
    sizes.push(bytes.length);
  }
  const { pendingEntries } = await import('/static/js/outbox.js');
  const { pushBody } = await import('/static/js/wire.js');
  const { deviceId } = await import('/static/js/db.js');
  const entries = await pendingEntries(100);
  return { blobs: sizes, entries: entries.length, push_json: JSON.stringify(pushBody(await deviceId(), entries)) };
}"""

SYNCED = """() => { const s = document.getElementById('status');
  return s && s.dataset.pending === '0' && s.dataset.syncing === 'false'; }"""


def one_run(pw, server: Server, meter: Meter, profile: str, work: Path) -> dict:
    down_bps, up_bps, latency = PROFILES[profile]
    ctx = launch(pw, work)
    try:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.goto(f"{server.url}/app/login")
        page.fill("#f-email", TECH[0])
        page.fill("#f-password", TECH[1])
        page.click("#login-submit")
        page.wait_for_selector("#today-list a.job", timeout=60_000)
        page.wait_for_function(SYNCED, timeout=60_000)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
        wo = page.get_attribute("#today-list a.job", "href").rsplit("/", 1)[-1]
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        visit = page.evaluate(RECORD_VISIT, {"wo": wo, "n": ENTRIES})
        # Tell the app, as its screens do after recording: the status bar counts the outbox.
        page.evaluate("async () => (await import('/static/js/sync.js')).announce({})")
        page.wait_for_function(f"() => document.getElementById('status').dataset.pending === '{ENTRIES}'")
        page.wait_for_timeout(500)  # the debounced sync attempt fails offline and backs off
        meter.log.clear()
        meter.on = True
        start = time.perf_counter()
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency,
                "downloadThroughput": down_bps / 8,
                "uploadThroughput": up_bps / 8,
            },
        )
        t0 = page.evaluate("() => performance.now()")
        page.wait_for_function(SYNCED, polling="raf", timeout=120_000)
        elapsed = time.perf_counter() - start
        rejected = page.evaluate("async () => (await import('/static/js/db.js')).getAll('rejected')")
        assert not rejected, f"the server rejected entries of the visit: {rejected[:2]}"
        timeline = page.evaluate(
            """(t0) => performance.getEntriesByType('resource').filter((e) => e.startTime >= t0 - 50)
                 .map((e) => [new URL(e.name).pathname.slice(0, 24), Math.round(e.startTime - t0),
                              Math.round(e.responseEnd - t0)])""",
            t0,
        )
        meter.on = False
        log = list(meter.log)
    finally:
        ctx.close()
    push_json = visit["push_json"].encode()
    essential_up = len(gzip.compress(push_json, 6)) + sum(visit["blobs"])
    push_answers = [r["down"] for r in log if r["path"] == "/api/sync/push"]
    essential_down = min(push_answers) if push_answers else 0
    # The limit: the essential bytes at the emulated throughput plus three of the
    # emulated latencies (Chromium adds `latency` to each request's round trip).
    limit = essential_up * 8 / up_bps + essential_down * 8 / down_bps + 3 * latency / 1000
    return {
        "profile": profile,
        "entries": visit["entries"],
        "blobs": visit["blobs"],
        "requests": len(log),
        "paths": [f"{r['method']} {r['path']}" for r in log],
        "up": sum(r["up"] for r in log),
        "down": sum(r["down"] for r in log),
        "essential_up": essential_up,
        "essential_down": essential_down,
        "time": elapsed,
        "timeline": timeline,
        "limit": limit,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = make_app(work)
        meter = Meter(app.wsgi_app)
        app.wsgi_app = meter
        server = Server(app)
        server.start()
        try:
            with sync_playwright() as pw:
                for i in range(args.runs):
                    for profile in PROFILES:
                        run = one_run(pw, server, meter, profile, work / f"profile-{profile}-{i}")
                        results.append(run)
                        print(
                            f"  run {i + 1} {profile}: {run['requests']} requests {run['paths']}, "
                            f"{run['time']:.2f} s; started/ended (ms): {run['timeline']}",
                            flush=True,
                        )
        finally:
            server.stop()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    print(
        f"\nmedians of {args.runs} run(s); bytes are bodies (headers not counted), KB = 1,000 bytes\n"
        f"{'profile':<9} {'requests':>8} {'up KB':>7} {'essential':>9} {'÷':>5} {'down KB':>8} {'essential':>9} "
        f"{'÷':>5} {'time s':>7} {'limit s':>7} {'÷':>5}"
    )
    for profile in PROFILES:
        runs = [r for r in results if r["profile"] == profile]
        m = {k: statistics.median(r[k] for r in runs) for k in ("requests", "up", "down", "time", "limit")}
        eu = statistics.median(r["essential_up"] for r in runs)
        ed = statistics.median(r["essential_down"] for r in runs)
        print(
            f"{profile:<9} {m['requests']:>8.0f} {m['up'] / 1000:>7.1f} {eu / 1000:>9.1f} {m['up'] / eu:>4.2f}x "
            f"{m['down'] / 1000:>8.1f} {ed / 1000:>9.1f} {m['down'] / max(ed, 1):>4.2f}x {m['time']:>7.2f} "
            f"{m['limit']:>7.2f} {m['time'] / m['limit']:>4.2f}x"
        )
    print("targets: each ÷ <= 1.2x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
