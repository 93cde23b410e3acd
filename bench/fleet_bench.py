#!/usr/bin/env python3
"""Fleet benchmark: how many technicians one server carries with p99 push and pull under 300 ms.

    .venv/bin/python bench/fleet_bench.py            # SQLite and PostgreSQL, 30 s per fleet size
    .venv/bin/python bench/fleet_bench.py --quick    # 10 s per fleet size
    .venv/bin/python bench/fleet_bench.py --only sqlite --sizes 5,10 --seconds 5

Each simulated technician does what the PWA does all day (issue #17): a pull every 30 s
(paging on while the server says there is more) and, every 45 minutes, the push of one
whole house call (the entries of bench/sync_bench.py's visit script, in one request). The
day is compressed in time by --compress (default 60): a technician polls every 0.5 s and
pushes a visit every 45 s, so N simulated technicians load the server like N x 60 real
ones; the table prints both. Fleet sizes grow until p99 of push or pull passes 300 ms;
the largest size that stayed under is the answer, per database.

The server is Onsite under gunicorn (bench/sync_bench.py's settings: 4 sync workers,
loopback), on a fresh SQLite file and on a fresh `onsite_fleet` database on the local
PostgreSQL. Clients are threads in two processes; the machine's cores are shared by
clients and server, as in bench/sync_bench.py, and the load average is printed beside.
Results go to bench/results/fleet.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_bench as sb

RESULTS = sb.BENCH / "results" / "fleet.json"
PG_DATABASE = "onsite_fleet"
TARGET_MS = 300.0
POLL_S = 30.0
VISIT_S = 45 * 60.0
ORDERS_PER_TECHNICIAN = 4
DEFAULT_SIZES = (10, 20, 40, 80, 160, 320)
CLIENT_PROCESSES = 2


# ---------------------------------------------------------------- one simulated technician


def _technician(port, tech, part_number, poll_s, visit_s, start_at, deadline, out, errors) -> None:
    http = sb.Http(port, {"Authorization": f"Bearer {tech['token']}"})
    device = sb.Device(tech["work_orders"], part_number)
    visit_size = len(device.script)
    cursor = None
    try:  # untimed: a phone in the field is already up to date when the day's polling starts
        while True:
            page = http.get_json("/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""))
            cursor = page["cursor"]
            if not page["has_more"]:
                break
    except (OSError, RuntimeError) as exc:
        errors.append(f"first pull: {exc}")
        return
    rng = random.Random(tech["token"])
    next_poll = start_at + rng.uniform(0, poll_s)  # staggered, as phones are
    # Every technician's first visit falls inside the measured window (a busier start than the
    # steady rate when the window is shorter than a visit interval: the figure errs on the safe side).
    next_visit = start_at + rng.uniform(0, min(visit_s, deadline - start_at) * 0.9)
    while True:
        now = time.monotonic()
        due = min(next_poll, next_visit)
        if due >= deadline:
            return
        if due > now:
            time.sleep(due - now)
        try:
            if next_visit <= next_poll:
                began = time.perf_counter()
                status, body = http.request("POST", "/api/sync/push", device.push_body(visit_size))
                out.append(("push", (time.perf_counter() - began) * 1000))
                if status != 200 or any(r["status"] != "applied" for r in json.loads(body)["results"]):
                    errors.append(f"push {status}: {body[:200]!r}")
                next_visit += visit_s
            else:
                while True:
                    began = time.perf_counter()
                    status, body = http.get("/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""))
                    out.append(("pull", (time.perf_counter() - began) * 1000))
                    if status != 200:
                        errors.append(f"pull {status}: {body[:200]!r}")
                        break
                    page = json.loads(body)
                    cursor = page["cursor"]
                    if not page["has_more"]:
                        break
                next_poll += poll_s
        except OSError as exc:
            errors.append(f"connection: {exc}")
            http.close()


def _client_process(port, techs, part_number, poll_s, visit_s, start_at, deadline, queue) -> None:
    out, errors = [], []
    threads = [
        threading.Thread(
            target=_technician, args=(port, t, part_number, poll_s, visit_s, start_at, deadline, out, errors)
        )
        for t in techs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((out, errors[:20], len(errors)))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_fleet(port, data, size, seconds, compress) -> dict:
    """`size` technicians for `seconds` (after a warm-up poll each); latency figures in ms."""
    techs = data["technicians"][:size]
    poll_s, visit_s = POLL_S / compress, VISIT_S / compress
    start_at = time.monotonic() + 2.0 + size / 50  # after every technician's first (untimed) pull
    deadline = start_at + seconds
    queue = mp.Queue()
    shares = [techs[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    procs = [
        mp.Process(
            target=_client_process,
            args=(port, share, data["part_number"], poll_s, visit_s, start_at, deadline, queue),
        )
        for share in shares
        if share
    ]
    for p in procs:
        p.start()
    samples, errors, error_count = [], [], 0
    for _ in procs:
        got, errs, n = queue.get(timeout=seconds + 600)
        samples += got
        errors += errs
        error_count += n
    for p in procs:
        p.join()
    push = [ms for kind, ms in samples if kind == "push"]
    pull = [ms for kind, ms in samples if kind == "pull"]
    return {
        "technicians": size,
        "equivalent_real_technicians": size * compress,
        "requests_per_s": len(samples) / seconds,
        "push": {"n": len(push), "p50_ms": percentile(push, 50), "p99_ms": percentile(push, 99)},
        "pull": {"n": len(pull), "p50_ms": percentile(pull, 50), "p99_ms": percentile(pull, 99)},
        "errors": error_count,
        "error_examples": errors[:5],
        "load_average": os.getloadavg(),
    }


def within_target(row: dict) -> bool:
    return row["errors"] == 0 and row["push"]["p99_ms"] <= TARGET_MS and row["pull"]["p99_ms"] <= TARGET_MS


def bench_database(label, url, tmp, root, sizes, seconds, compress) -> list[dict]:
    sb.say(f"[{label}] migrating and seeding {max(sizes)} technicians")
    data = sb.prepare_onsite_db(url, root, max(sizes), ORDERS_PER_TECHNICIAN)  # sync_bench's seed, sized
    server = sb.gunicorn(f"fleet-{label}", sb.onsite_app(root), tmp, root, env=sb.onsite_env(url, tmp, root))
    rows = []
    try:
        server.wait_ready("/healthz")
        for size in sizes:
            sb.say(f"[{label}] {size} technicians for {seconds:g} s")
            row = run_fleet(server.port, data, size, seconds, compress)
            rows.append(row)
            sb.say(
                f"[{label}] {size}: push p99 {row['push']['p99_ms']:.0f} ms, pull p99 {row['pull']['p99_ms']:.0f} ms,"
                f" {row['requests_per_s']:.0f} req/s, errors {row['errors']}"
            )
            if not within_target(row):
                break
    finally:
        server.stop()
    return rows


def table(results: dict[str, list[dict]], compress: int) -> str:
    head = (
        f"{'database':<10} {'techs':>6} {'(x' + str(compress) + ')':>8} {'req/s':>7} "
        f"{'push p50':>9} {'push p99':>9} {'pull p50':>9} {'pull p99':>9} {'errors':>7}"
    )
    lines = [head, "-" * len(head)]
    for label, rows in results.items():
        for r in rows:
            lines.append(
                f"{label:<10} {r['technicians']:>6} {r['equivalent_real_technicians']:>8} {r['requests_per_s']:>7.1f} "
                f"{r['push']['p50_ms']:>7.0f}ms {r['push']['p99_ms']:>7.0f}ms "
                f"{r['pull']['p50_ms']:>7.0f}ms {r['pull']['p99_ms']:>7.0f}ms {r['errors']:>7}"
            )
        best = max((r["technicians"] for r in rows if within_target(r)), default=0)
        lines.append(
            f"{label:<10} largest fleet with p99 push and pull <= {TARGET_MS:.0f} ms: {best} simulated "
            f"({best * compress} technicians at real rates)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 s per fleet size")
    parser.add_argument("--seconds", type=float, help="seconds per fleet size (default 30; 10 with --quick)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="fleet sizes to try, growing")
    parser.add_argument("--compress", type=int, default=60, help="time compression of the working day")
    parser.add_argument("--only", default="sqlite,postgres", help="databases (default %(default)s)")
    parser.add_argument("--postgres", default=sb.DEFAULT_PG, metavar="URL", help="PostgreSQL server (admin URL)")
    parser.add_argument("--onsite-root", type=Path, default=sb.ROOT, metavar="DIR", help="the Onsite tree to serve")
    args = parser.parse_args(argv)
    root = args.onsite_root.resolve()
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    wanted = [c.strip() for c in args.only.split(",") if c.strip() in ("sqlite", "postgres")]
    tmp = Path(tempfile.mkdtemp(prefix="onsite-fleet-"))
    results: dict[str, list[dict]] = {}
    try:
        for label in wanted:
            if label == "sqlite":
                url = f"sqlite:///{tmp / 'fleet.db'}"
            else:
                sb.pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', args.postgres)
                sb.pg_admin(f'CREATE DATABASE "{PG_DATABASE}"', args.postgres)
                url = sb.pg_url(args.postgres, PG_DATABASE).replace("postgresql://", "postgresql+psycopg://", 1)
            results[label] = bench_database(label, url, tmp, root, sizes, seconds, args.compress)
    finally:
        if "postgres" in wanted:
            sb.pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', args.postgres)
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(
        f"Fleet benchmark: each technician pulls every {POLL_S:g} s and pushes a visit every {VISIT_S / 60:g} min, "
        f"day compressed x{args.compress}; {seconds:g} s per size; gunicorn {sb.WORKERS} sync workers; "
        f"{os.cpu_count()} cores shared by server and clients; load average {os.getloadavg()[0]:.1f}"
    )
    print(table(results, args.compress))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "settings": {"seconds": seconds, "compress": args.compress, "sizes": sizes, "target_ms": TARGET_MS},
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
