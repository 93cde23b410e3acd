#!/usr/bin/env python3
"""PWA benchmark: the app shell's size, the offline cold start, and Lighthouse.

    .venv/bin/python bench/pwa_bench.py            # 7 cold starts and Lighthouse
    .venv/bin/python bench/pwa_bench.py --quick    # 3 cold starts, Lighthouse on the job list only

Prints:
- the app shell's gzipped size: HTML, CSS and JS the app is made of (the lazily loaded
  barcode scanner, ZXing compiled to WebAssembly, reported apart), and what a start
  actually fetches (the shell page, the CSS and the modules it preloads);
- offline cold start to the job list: a new Chromium process on a profile that signed in
  and synced before, network off and server stopped, the page's CPU throttled 4x through
  the DevTools protocol; time from navigation start to the job list drawn with its data;
- Lighthouse (npm lighthouse, Debian's chromium) mobile performance and accessibility of
  the job list and of a job's page, on the same signed-in profile;
- taps to walk a bare in-warranty repair with one part on a 360×740 touch phone (issue #15:
  at most 35; the walk and what counts as a tap: tests/e2e/walk.py), by step.

Targets (from the issue): shell <= 100 KB gzipped, cold start <= 1 s, Lighthouse
performance >= 95 and accessibility 100. Needs `npm ci` and /usr/bin/chromium.
Writes bench/results/pwa.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
RESULTS = ROOT / "bench" / "results" / "pwa.json"
TECH = ("tech1@demo.onsite", "onsite-demo")
KB = 1024


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def shell_sizes(app) -> dict:
    """Gzipped bytes of the shell by kind, what a start fetches, and the lazy scanner."""
    from server import pwa_views

    with app.test_request_context("/"):
        manifest = pwa_views.precache_manifest()
        html = pwa_views.render_shell().encode()
        webmanifest = pwa_views._manifest_json().encode()
        bundled = pwa_views.bundle() is not None

    def body(url: str) -> bytes:
        if url == "/":
            return html
        if url == "/manifest.webmanifest":
            return webmanifest
        return (pwa_views.STATIC_DIR / url.removeprefix("/static/")).read_bytes()

    kinds: dict[str, dict] = {}
    for entry in manifest["shell"]:
        url = entry["url"]
        kind = "html" if url == "/" else url.rsplit(".", 1)[-1]
        k = kinds.setdefault(kind, {"files": 0, "raw": 0, "gzip": 0})
        data = body(url)
        k["files"] += 1
        k["raw"] += len(data)
        k["gzip"] += gz(data)
    import re

    preloaded = re.findall(r'(?:modulepreload|stylesheet)" href="([^"]+)"', html.decode())
    preloaded += re.findall(r'<script type="module" src="([^"]+)"', html.decode())
    start = {"files": 1 + len(preloaded), "gzip": gz(html) + sum(gz(body(u)) for u in preloaded)}
    lazy = {"files": len(manifest["lazy"]), "raw": 0, "gzip": 0}
    for entry in manifest["lazy"]:
        data = body(entry["url"])
        lazy["raw"] += len(data)
        lazy["gzip"] += gz(data)
    code = {k: v for k, v in kinds.items() if k in ("html", "css", "js")}
    return {
        "by_kind": kinds,
        "shell_html_css_js_gzip": sum(v["gzip"] for v in code.values()),
        "shell_html_css_js_raw": sum(v["raw"] for v in code.values()),
        "start_fetch": start,
        "scanner_lazy": lazy,
        "version": manifest["version"],
        "bundled": bundled,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app on a free port in a thread (stop/start to take the network away)."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._srv = None

    def start(self):
        from werkzeug.serving import make_server

        self._srv = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()

    def stop(self):
        if self._srv:
            self._srv.shutdown()
            self._srv.server_close()
            self._srv = None


def make_app(workdir: Path):
    import logging

    from server import create_app
    from server.extensions import db
    from server.seed.demo import seed_demo

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "BLOB_DIR": str(workdir / "blobs"),
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo()
    return app


def launch(pw, profile: Path):
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
    )


def prime(pw, profile: Path, url: str) -> str:
    """Sign in, sync and let the worker cache the shell; returns a job id for later."""
    ctx = launch(pw, profile)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(f"{url}/app/login")
    page.fill("#f-email", TECH[0])
    page.fill("#f-password", TECH[1])
    page.click("#login-submit")
    page.wait_for_selector("#jobs")
    page.wait_for_function(
        "() => document.getElementById('status').dataset.pending === '0' && !!document.querySelector('#today-list a.job')",
        timeout=60_000,
    )
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_function(
        """async () => !!(await caches.match('/static/vendor/barcode-detector/zxing_reader.wasm'))""", timeout=60_000
    )
    href = page.get_attribute("#today-list a.job", "href")
    ctx.close()
    return href.rsplit("/", 1)[-1]


def cold_start(pw, profile: Path, url: str, throttle: float = 4.0) -> dict:
    """One offline cold start (a new browser process) to the drawn job list, page CPU throttled."""
    ctx = launch(pw, profile)
    try:
        ctx.set_offline(True)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(f"{url}/app/jobs", wait_until="commit")
        page.wait_for_function("() => performance.getEntriesByName('onsite:rendered:jobs').length > 0", timeout=30_000)
        figures = page.evaluate("""() => ({
            jobs_ms: performance.getEntriesByName('onsite:rendered:jobs')[0].startTime,
            fcp_ms: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
            jobs: document.querySelectorAll('#today-list a.job').length,
            from_worker: !!navigator.serviceWorker.controller,
        })""")
        if not figures["jobs"]:
            raise RuntimeError("cold start showed no jobs")
        return figures
    finally:
        ctx.close()


FLOOR_PAGE = (
    "data:text/html;charset=utf-8,<!doctype html><html lang=zh-CN><meta name=viewport "
    "content='width=device-width'><header>Onsite 上门服务</header><p>正在打开… Loading…</p></html>"
)


def floor_paint(pw, work: Path, throttle: float = 4.0) -> float:
    """For scale: first paint of a static two-line page in a new browser, same throttling."""
    ctx = launch(pw, Path(tempfile.mkdtemp(dir=work)))
    try:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        ctx.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(FLOOR_PAGE)
        page.wait_for_function("() => performance.getEntriesByType('paint').length > 0")
        return page.evaluate("() => performance.getEntriesByType('paint').at(-1).startTime")
    finally:
        ctx.close()


def lighthouse(profile: Path, urls: list[str]) -> dict:
    """Lighthouse mobile (default emulation and simulated throttling) on the primed profile."""
    port = free_port()
    chrome = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            *CHROMIUM_ARGS,
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = {}
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for name, target in urls:
            for _attempt in range(3):  # Lighthouse now and then loses the trace (NO_NAVSTART): try again
                run = subprocess.run(
                    [
                        str(LIGHTHOUSE),
                        target,
                        f"--port={port}",
                        "--only-categories=performance,accessibility",
                        "--disable-storage-reset",
                        "--output=json",
                        "--quiet",
                        "--max-wait-for-load=30000",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    env={**os.environ, "CHROME_PATH": CHROMIUM},
                )
                report = json.loads(run.stdout) if run.returncode == 0 else None
                if report and not report.get("runtimeError"):
                    break
            if not report or report.get("runtimeError"):
                out[name] = {"error": (report or {}).get("runtimeError", {}).get("message") or run.stderr[-800:]}
                continue
            cats = report["categories"]
            audits = report["audits"]
            out[name] = {
                "performance": round(cats["performance"]["score"] * 100),
                "accessibility": round(cats["accessibility"]["score"] * 100),
                "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
                "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
                "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
                "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
                "failed_a11y": [
                    a
                    for a, r in audits.items()
                    if r.get("score") == 0 and a in {x["id"] for x in cats["accessibility"]["auditRefs"]}
                ],
            }
    finally:
        chrome.terminate()
        chrome.wait(10)
    return out


def tap_walk(work: Path) -> dict:
    """The bare repair walked as in tests/e2e/test_visit_walk.py, on its own server and seed."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS as ARGS
    from tests.e2e.conftest import VIEWPORT, start_live, stop_live
    from tests.e2e.test_visit_walk import fit_parts, on_time
    from tests.e2e.walk import walk_bare_repair

    (work / "walk").mkdir(exist_ok=True)
    live = start_live(work / "walk")
    try:
        fit_parts(live)
        wo = live.seed.wo_in_warranty
        on_time(live, wo)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(work / "walk" / "profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport=VIEWPORT,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                service_workers="allow",
            )
            context.set_default_timeout(30_000)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                taps = walk_bare_repair(page, live.url, wo, live.seed.tickets[wo])
            finally:
                context.close()
    finally:
        stop_live(live)
    return {"taps": taps.count, "by_step": taps.by_step}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer cold starts, Lighthouse on the job list only")
    parser.add_argument("--runs", type=int, default=None, help="cold starts to measure")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    if not os.path.exists(CHROMIUM):
        print("needs /usr/bin/chromium (scripts/setup --browser)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="pwa-bench-"))
    results: dict = {}
    try:
        app = make_app(work)
        sizes = shell_sizes(app)
        results["sizes"] = sizes
        print("App shell (gzip -9)")
        for kind, v in sorted(sizes["by_kind"].items()):
            print(f"  {kind:<12} {v['files']:>3} files {v['raw'] / KB:8.1f} KB raw {v['gzip'] / KB:7.1f} KB gz")
        total = sizes["shell_html_css_js_gzip"]
        print(
            f"  shell HTML+CSS+JS: {total / KB:.1f} KB gzipped ({sizes['shell_html_css_js_raw'] / KB:.1f} KB raw)  target <= 100 KB  {'OK' if total <= 100 * KB else 'OVER'}"
        )
        print(
            f"  fetched at start (page, CSS, entry module and its preloads): {sizes['start_fetch']['files']} files, {sizes['start_fetch']['gzip'] / KB:.1f} KB gz"
            f"  ({'the `npm run build` bundle' if sizes['bundled'] else 'unbundled ES modules: run `npm run build`'})"
        )
        lazy = sizes["scanner_lazy"]
        print(
            f"  scanner, loaded only when scanning (ZXing wasm + JS): {lazy['files']} files, {lazy['raw'] / KB:.0f} KB raw, {lazy['gzip'] / KB:.0f} KB gz"
        )

        from playwright.sync_api import sync_playwright

        server = Server(app)
        server.start()
        profile = work / "profile"
        with sync_playwright() as pw:
            job_id = prime(pw, profile, server.url)
            server.stop()  # offline: nothing answers
            starts = [cold_start(pw, profile, server.url) for _ in range(runs)]
            floors = [floor_paint(pw, work) for _ in range(3)]
        server.start()
        times = sorted(s["jobs_ms"] for s in starts)
        med = statistics.median(times)
        load = os.getloadavg()
        results["cold_start"] = {
            "runs": starts,
            "median_ms": med,
            "cpu_throttle": 4,
            "floor_fcp_ms": floors,
            "loadavg": load,
            "cpus": os.cpu_count(),
        }
        print(f"\nOffline cold start to the job list, page CPU 4x throttled, {runs} runs (new browser process each)")
        print(
            f"  median {med:.0f} ms  (min {times[0]:.0f}, max {times[-1]:.0f})  first paint median "
            f"{statistics.median([s['fcp_ms'] for s in starts if s['fcp_ms']] or [0]):.0f} ms  target <= 1000 ms  {'OK' if med <= 1000 else 'OVER'}"
        )
        print(
            f"  for scale, a static two-line page in the same conditions paints at {statistics.median(floors):.0f} ms (median of 3);"
            f" machine: {os.cpu_count()} CPUs, load average {load[0]:.1f}"
        )

        if LIGHTHOUSE.exists():
            pages = [("job list", f"{server.url}/app/jobs")]
            if not args.quick:
                pages.append(("job page", f"{server.url}/app/jobs/{job_id}"))
            lh = lighthouse(profile, pages)
            results["lighthouse"] = lh
            print("\nLighthouse (mobile: Moto G class emulation, simulated slow 4G and 4x CPU)")
            for name, r in lh.items():
                if "error" in r:
                    print(f"  {name}: failed: {r['error']}")
                    continue
                print(
                    f"  {name:<9} performance {r['performance']:>3} (target >= 95)  accessibility {r['accessibility']:>3} (target 100)"
                    f"   FCP {r['fcp_ms']} ms  LCP {r['lcp_ms']} ms  TBT {r['tbt_ms']} ms  CLS {r['cls']}"
                    + (f"  failed: {', '.join(r['failed_a11y'])}" if r["failed_a11y"] else "")
                )
        else:
            print("\nLighthouse: not installed (npm ci)")
        server.stop()

        walk = tap_walk(work)
        results["walk"] = walk
        print("\nTaps for a bare in-warranty repair with one part, 360×740 touch (tests/e2e/walk.py)")
        print(f"  {walk['taps']} taps  target <= 35  {'OK' if walk['taps'] <= 35 else 'OVER'}")
        print("  by step: " + ", ".join(f"{k} {v}" for k, v in walk["by_step"].items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
