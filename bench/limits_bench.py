#!/usr/bin/env python3
"""Request-limits benchmark: what oversized and malformed bodies cost the server.

    .venv/bin/python bench/limits_bench.py                           # this tree
    .venv/bin/python bench/limits_bench.py --onsite-root /tmp/before # another checkout, e.g. the old code

Starts Onsite under gunicorn (2 sync workers) on 127.0.0.1 on a free port with a
temporary SQLite database (migrated and seeded as bench/sync_bench.py does), then sends,
one at a time and loopback only, a bounded set of bad requests (see CASES). For each it
prints the status, the size of the answer, the time to answer and the peak resident
memory of the gunicorn workers during it (VmHWM from /proc, reset before each case; the
largest worker) next to their resident memory before it (memory a worker took stays taken). Every request has
a client timeout (--timeout, 120 s); a case that runs into it is reported as such and
the rest still run. bench/README.md has the last before/after figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_bench

ROOT = sync_bench.ROOT
WORKERS = 2
CST = timezone(timedelta(hours=8))
MB = 1024 * 1024


def now() -> str:
    return datetime.now(CST).isoformat()


def entry(seq: int, wo_id: str, **change) -> dict:
    return {
        "seq": seq,
        "id": str(uuid.uuid4()),
        "entity": "checklist_answer",
        "entity_id": str(uuid.uuid4()),
        "op": "create",
        "fields": {"work_order_id": wo_id, "step": f"step_{seq}", "value": "yes"},
        "base_version": None,
        "at": now(),
        **change,
    }


def push_body(mutations: list) -> bytes:
    return json.dumps({"device_id": str(uuid.uuid4()), "device_time": now(), "mutations": mutations}).encode()


def cases(wo_id: str) -> list[tuple[str, str, str, bool, bytes]]:
    """(name, method, path, authenticated, body): bounded in size, built up front."""
    deep = 5000
    return [
        (
            "token: 64 MB JSON body, unauthenticated",
            "POST",
            "/api/auth/token",
            False,
            b'{"email": "a@b.cn", "password": "' + b"x" * (64 * MB) + b'"}',
        ),
        (
            f"token: {deep}-deep JSON, unauthenticated",
            "POST",
            "/api/auth/token",
            False,
            b'{"email": "a@b.cn", "password": ' + b"[" * deep + b"]" * deep + b"}",
        ),
        ("push: 1 MB of 350,000 bad entries", "POST", "/api/sync/push", True, push_body([0] * 350_000)),
        (
            "push: 3 MB, 1,500 entries of unknown fields",
            "POST",
            "/api/sync/push",
            True,
            push_body([entry(i + 1, wo_id, fields={f"k{j}": "v" * 20 for j in range(60)}) for i in range(1500)]),
        ),
        (
            "push: 100 entries, one 1,000-deep",
            "POST",
            "/api/sync/push",
            True,
            push_body([entry(i + 1, wo_id) for i in range(99)] + [entry(100, wo_id, fields={"data": "DEEP"})]).replace(
                b'"DEEP"', b"[" * 1000 + b"]" * 1000
            ),
        ),
        (
            "push: 100 good entries (the ordinary case)",
            "POST",
            "/api/sync/push",
            True,
            push_body([entry(i + 1, wo_id) for i in range(100)]),
        ),
    ]


def workers_of(master: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master):
            pids.append(int(status.parent.name))
    return pids


def reset_peaks(pids: list[int]) -> None:
    """Start each worker's peak RSS afresh (Linux: 5 to /proc/PID/clear_refs), so a case shows its own."""
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass


def peak_rss_mb(pids: list[int], field: str = "VmHWM") -> float:
    """The largest worker's peak resident memory (VmHWM; VmRSS: now), MB."""
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return max(peaks, default=0.0)


def send(port: int, method: str, path: str, body: bytes, headers: dict, timeout: float) -> tuple[str, int, float]:
    """(status, answer bytes, seconds); the status says so when the server closed or the client gave up."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    try:
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading the whole body: its answer may be waiting
        response = conn.getresponse()
        data = response.read()
        return str(response.status), len(data), time.monotonic() - start
    except TimeoutError:
        return f"no answer in {timeout:g} s", 0, time.monotonic() - start
    except (ConnectionError, http.client.HTTPException) as exc:
        return f"closed ({type(exc).__name__})", 0, time.monotonic() - start
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onsite-root", type=Path, default=ROOT, metavar="DIR", help="the checkout to serve")
    parser.add_argument("--timeout", type=float, default=120, help="client timeout per request, seconds")
    args = parser.parse_args(argv)
    root = args.onsite_root.resolve()
    with tempfile.TemporaryDirectory(prefix="onsite-limits-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        sync_bench.say(f"[{root}] migrating and seeding a temporary SQLite database")
        data = sync_bench.prepare_onsite_db(url, root)
        port = sync_bench.free_port()
        argv_ = [
            str(sync_bench.VENV_BIN / "gunicorn"),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            str(int(args.timeout) + 30),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(root),
            "--log-level",
            "warning",
            sync_bench.onsite_app(root),
        ]
        server = sync_bench.Service(
            "onsite", argv_, tmp / "onsite.log", port, env=sync_bench.onsite_env(url, tmp, root), cwd=root
        )
        try:
            server.wait_ready("/healthz")
            tech = data["technicians"][0]
            auth = {"Authorization": f"Bearer {tech['token']}"}
            for _ in range(2 * WORKERS):  # warm every worker (imports, connections)
                send(port, "POST", "/api/sync/push", push_body([entry(1, tech["work_orders"][0])]), auth, args.timeout)
            pids = workers_of(server.proc.pid)
            baseline = peak_rss_mb(pids)
            print(f"Onsite at {root} (git {_commit(root)}), gunicorn {WORKERS} sync workers, SQLite")
            print(f"worker peak RSS after warm-up: {baseline:.0f} MB")
            print(f"{'case':<46} {'body':>9} {'status':>22} {'answer':>11} {'time':>9} {'RSS before → peak':>17}")
            for name, method, path, authenticated, body in cases(tech["work_orders"][0]):
                reset_peaks(pids)
                before = peak_rss_mb(pids, "VmRSS")
                status, size, seconds = send(port, method, path, body, auth if authenticated else {}, args.timeout)
                pids = workers_of(server.proc.pid) or pids
                print(
                    f"{name:<46} {_size(len(body)):>9} {status:>22} {_size(size):>11} {seconds:>8.2f}s "
                    f"{before:>5.0f} → {peak_rss_mb(pids):>4.0f} MB",
                    flush=True,
                )
        finally:
            server.stop()
    return 0


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def _commit(root: Path) -> str:
    import subprocess

    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return done.stdout.strip() + ("+changes" if dirty else "") if done.returncode == 0 else "?"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
