"""How fast could a push be? The parts of a 100-mutation push that no design can skip.

    .venv/bin/python bench/push_floor.py [--batches N] [--postgres URL]

Prints, for batches of 100 visit records like sync_bench.py's:

- sql: only the SQL a push must run, from a bare psycopg script on one connection
  (each record, its mutation record and a change-log row by binary COPY, the device's
  and the log's counters, a durable commit). No HTTP, validation or checks.
- validation: the contract's marshmallow schemas on the request body (envelopes and
  each entity's fields), in process.

- push: Onsite's own push of the same batches (sync_bench.py's house calls, one device),
  in process through Flask's test client on the same database, as deployed on PostgreSQL: its
  customer messages queued on RQ (Redis at 127.0.0.1:6379; the queue is removed after) and the
  start-up heap frozen (server/wsgi.py; the validation above runs so too): time per batch, SQL
  statements per batch (SQLAlchemy's cursor events and each COPY, the push's thread only), and its
  ratio to the floor (the goal: within 1.5x). `--profile` prints a pyinstrument profile
  of those pushes; `--only push` skips the floor.

Compare their sum with pouchdb-server's time per batch of 100 in sync_bench.py: what is
left is all a push may spend on HTTP, sign-in, the permission, lifecycle, seal and
reference checks, the merge rules and the results.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_bench as sb

DATABASE = f"onsite_floor_{os.getpid()}"  # its own: other runs may share the server


def sql_floor(url: str, batches: int) -> float:
    """Seconds per batch of the bare SQL, on a freshly seeded database."""
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        user, wo = cur.execute("SELECT technician_id, id FROM work_orders LIMIT 1").fetchone()
        device = str(uuid.uuid4())
        cur.execute(
            "INSERT INTO devices (id, user_id, last_seq, user_agent, created_at) VALUES (%s, %s, 0, '', now())",
            (device, user),
        )
        conn.commit()
        seq = 0

        def copy(sql: str, types: list[str], rows: list[tuple]) -> None:
            with cur.copy(sql) as c:
                c.set_types(types)
                for row in rows:
                    c.write_row(row)

        def batch() -> None:
            nonlocal seq
            now = datetime.now(UTC)
            records, mutations, log = [], [], []
            for _ in range(sb.BATCH):
                rid, seq = str(uuid.uuid4()), seq + 1
                records.append((rid, user, device, now, 1, wo, "arrived", "小区东门，3号楼2单元", False, now, now))
                sent = {
                    "entity": "visit_event",
                    "entity_id": rid,
                    "op": "create",
                    "base_version": None,
                    "at": now.isoformat(),
                    "fields": {"work_order_id": wo, "kind": "arrived", "note": "小区东门"},
                }
                mutations.append(
                    (
                        str(uuid.uuid4()),
                        device,
                        seq,
                        user,
                        "visit_event",
                        rid,
                        "create",
                        "applied",
                        json.dumps(sent),
                        json.dumps({"seq": seq, "status": "applied", "version": 1}),
                        now,
                        now,
                    )
                )
                log.append(("visit_event", rid, "put", user, now))
            copy(
                "COPY visit_events (id, created_by_id, device_id, device_at, version, work_order_id, kind, note, "
                "deleted, created_at, updated_at) FROM STDIN (FORMAT BINARY)",
                [
                    "text",
                    "text",
                    "text",
                    "timestamptz",
                    "int4",
                    "text",
                    "text",
                    "text",
                    "bool",
                    "timestamptz",
                    "timestamptz",
                ],
                records,
            )
            copy(
                "COPY mutations (id, device_id, seq, user_id, entity, entity_id, op, status, payload, result, "
                "device_at, received_at) FROM STDIN (FORMAT BINARY)",
                [
                    "text",
                    "text",
                    "int8",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "timestamptz",
                    "timestamptz",
                ],
                mutations,
            )
            cur.execute("UPDATE devices SET last_seq = %s WHERE id = %s", (seq, device))
            last = cur.execute(
                "UPDATE sync_state SET last_seq = last_seq + %s WHERE id = 1 RETURNING last_seq", (len(log),)
            ).fetchone()[0]
            copy(
                "COPY change_log (seq, entity, entity_id, op, audience_user_id, changed_at) FROM STDIN (FORMAT BINARY)",
                ["int8", "text", "text", "text", "text", "timestamptz"],
                [(last - len(log) + i + 1, *row) for i, row in enumerate(log)],
            )
            conn.commit()

        for _ in range(10):
            batch()
        start = time.perf_counter()
        for _ in range(batches):
            batch()
        return (time.perf_counter() - start) / batches


def validation(root: Path, batches: int) -> float:
    """Seconds per batch to load a push body with the contract's schemas."""
    sys.path.insert(0, str(root))
    from server import create_app
    from server.sync.schemas import CREATE_SCHEMAS, PushIn

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    device = sb.Device([str(uuid.uuid4()) for _ in range(3)], "AC-CAP-35")
    bodies = [json.loads(device.push_body(sb.BATCH)) for _ in range(batches)]
    push_in, fields = PushIn(), {name: schema() for name, schema in CREATE_SCHEMAS.items()}
    with app.app_context(), frozen_heap():
        start = time.perf_counter()
        for body in bodies:
            for entry in push_in.load(body)["mutations"]:
                fields[entry["mutation"]["entity"]].load(entry["mutation"]["fields"])
        return (time.perf_counter() - start) / batches


@contextmanager
def frozen_heap():
    """What exists so far out of the garbage collector's full passes, as the production entry
    point freezes the app's start-up heap (server/wsgi.py); thawed after (a test may call us)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def onsite_push(url: str, root: Path, data: dict, batches: int, profile: bool) -> tuple[float, float]:
    """Seconds and SQL statements per batch of Onsite's push, in process (no gunicorn, no sockets)."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(root))
    import sqlalchemy as sa

    from server import create_app
    from server.extensions import db

    # As deployed on PostgreSQL (README: NOTIFY_QUEUE): the customer messages a push queues go to
    # RQ on Redis, for a worker process to send. The embedded default's delivery thread would
    # otherwise share this process's interpreter with the pushes being timed.
    queue_name = f"onsite-bench-{os.getpid()}"
    app = create_app(
        {"SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False, "NOTIFY_QUEUE": "rq", "NOTIFY_RQ_QUEUE": queue_name}
    )
    tech = data["technicians"][0]
    device = sb.Device(tech["work_orders"], data["part_number"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tech['token']}", "Content-Type": "application/json"}
    statements = 0
    main = threading.main_thread()

    def count(*_args) -> None:
        # The push's own statements (not the inline notification sender's, a thread of its own).
        nonlocal statements
        statements += threading.current_thread() is main

    from server.sync import bulk

    copy = bulk._copy

    def counted_copy(*args) -> None:  # a COPY is a statement too, sent past SQLAlchemy's events
        count()
        copy(*args)

    bulk._copy = counted_copy

    def push(body: bytes) -> None:
        answer = client.post("/api/sync/push", data=body, headers=headers)
        if answer.status_code != 200 or any(r["status"] != "applied" for r in answer.json["results"]):
            raise RuntimeError(f"push: {answer.status_code} {answer.get_data(as_text=True)[:500]}")

    with app.app_context():
        engine = db.engine
    with frozen_heap():
        for _ in range(10):  # warm: imports, the pool, the work orders' first records
            push(device.push_body(sb.BATCH))
        bodies = [device.push_body(sb.BATCH) for _ in range(batches)]  # made before the clock starts, as validation's
        sa.event.listen(engine, "before_cursor_execute", count)
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        start = time.perf_counter()
        for body in bodies:
            push(body)
        seconds = (time.perf_counter() - start) / batches
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        sa.event.remove(engine, "before_cursor_execute", count)
    engine.dispose()  # the database is dropped next
    from server.services import notify_runner

    notify_runner.rq_queue(app).delete(delete_jobs=True)
    return seconds, statements / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--postgres", default=sb.DEFAULT_PG)
    parser.add_argument("--only", choices=("floor", "push"), help="measure only the floor, or only Onsite's push")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of Onsite's pushes")
    parser.add_argument("--onsite-root", type=Path, default=sb.ROOT, help="the Onsite tree whose push to measure")
    args = parser.parse_args()
    root = args.onsite_root.resolve()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figures = []
    sb.pg_admin(f"DROP DATABASE IF EXISTS {DATABASE}", args.postgres)
    sb.pg_admin(f"CREATE DATABASE {DATABASE}", args.postgres)
    try:
        url = sb.pg_url(args.postgres, DATABASE)
        data = sb.prepare_onsite_db(url, root)
        if args.only != "push":
            sql = sql_floor(url, args.batches)
            check = validation(root, min(args.batches, 100))
            figures += [("sql", sql, None), ("validation", check, None), ("floor", sql + check, None)]
        if args.only != "floor":
            pushed, statements = onsite_push(url, root, data, min(args.batches, 100), args.profile)
            figures.append(("push", pushed, statements))
    finally:
        # FORCE: the app's pools (the idle-pull lane's included) may still hold a connection.
        sb.pg_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", args.postgres)
    floor = dict((what, seconds) for what, seconds, _ in figures).get("floor")
    for what, seconds, statements in figures:
        line = f"{what:<12} {seconds * 1000:6.2f} ms per batch of {sb.BATCH}  ({sb.BATCH / seconds:8,.0f} mutations/s)"
        if statements is not None:
            line += f"  {statements:.1f} statements" + (f"  {seconds / floor:.2f}x the floor" if floor else "")
        print(line)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
