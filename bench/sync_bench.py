#!/usr/bin/env python3
"""Sync benchmark: Onsite's push and pull on SQLite and PostgreSQL, side by side with
pouchdb-server 4.2.0 (LevelDB), Kinto 26.5 (PostgreSQL) and a Flask hello-world, every
server on loopback.

    .venv/bin/python bench/sync_bench.py            # 3 interleaved rounds of 3 s per figure
    .venv/bin/python bench/sync_bench.py --quick    # 1 round of 1 s per figure: a smoke run

It installs pouchdb-server into bench/.node (npm) and Kinto into bench/.kinto (a venv,
pip) on first use, makes its own databases (a temporary SQLite file; `onsite_bench_<pid>` and
`onsite_bench_kinto_<pid>` on the local PostgreSQL, dropped afterwards), prints one table and
writes bench/results/sync.json. bench/README.md says what each figure means.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NODE_DIR = BENCH / ".node"
POUCH_VERSION = "4.2.0"
POUCH_BIN = NODE_DIR / "node_modules" / ".bin" / "pouchdb-server"
RESULTS = BENCH / "results" / "sync.json"
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Named per run: two runs at once on one machine (another worktree's, say) must not drop each other's.
PG_DATABASE = f"onsite_bench_{os.getpid()}"
KINTO_VERSION = "26.5.0"
KINTO_DIR = BENCH / ".kinto"  # its own venv: Kinto's pins (SQLAlchemy, psycopg2) are not Onsite's
KINTO_DATABASE = f"onsite_bench_kinto_{os.getpid()}"

BATCH = 100  # mutations (or documents) per push request
PAGE = 500  # changes per pull page
PULL_PAGES = 6  # a pull from scratch reads this many pages, then starts again
PUSH_DEVICES = (1, 8)  # concurrent pushers
IDLE_CLIENTS = 8  # concurrent clients polling with nothing new
WORKERS = 4  # gunicorn sync workers, for Onsite and the hello-world alike
TECHNICIANS = 8  # one per pushing device
ORDERS_PER_TECHNICIAN = 20
CST = timezone(timedelta(hours=8))

# metric -> (label, unit, [(baseline column, target ratio of onsite-postgres to that baseline)])
METRICS = {
    "push_1": (f"push, 1 device, batches of {BATCH}", "mutations/s", [("pouchdb", 1.0), ("kinto", 10.0)]),
    "push_8": (f"push, 8 devices, batches of {BATCH}", "mutations/s", [("pouchdb", 1.0), ("kinto", 10.0)]),
    # the first PULL_PAGES pages
    "pull": (f"pull from scratch, pages of {PAGE}", "changes/s", [("pouchdb", 1.0), ("kinto", 1.0)]),
    "idle_pull": (f"no-change pull, {IDLE_CLIENTS} clients", "requests/s", [("hello", 0.5)]),
}
COLUMNS = ("sqlite", "postgres", "pouchdb", "kinto", "hello")
HEADINGS = {
    "sqlite": "onsite-sqlite",
    "postgres": "onsite-postgres",
    "pouchdb": "pouchdb-server",
    "kinto": "kinto",
    "hello": "hello-world",
}


# ---------------------------------------------------------------- a light HTTP client


class _Closed(Exception):
    """The server closed the connection."""


class Http:
    """A minimal HTTP/1.1 client over one socket: keep-alive when the server allows it.

    Far lighter on CPU than requests or http.client, so the load generator, which
    shares the machine's cores with the servers, takes as little from them as it can.
    """

    def __init__(self, port: int, headers: dict | None = None, host: str = "127.0.0.1"):
        self.addr = (host, port)
        self.last_headers: dict[str, str] = {}
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **(headers or {})}.items())
        self.sock: socket.socket | None = None
        self.buf = bytearray()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, bytearray()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def get_json(self, path: str):
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {body[:300]!r}")
        return json.loads(body)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request and read the whole response: (status, body)."""
        head = f"{method} {path} HTTP/1.1\r\n{self.head}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        data = (head + "\r\n").encode() + (body or b"")
        reused = self.sock is not None
        try:
            if not reused:
                self._connect()
            self.sock.sendall(data)
            return self._response()
        except (_Closed, ConnectionError):
            self.close()
            if not reused:
                raise
        # A kept-alive connection the server had already closed: once more on a new one.
        self._connect()
        self.sock.sendall(data)
        return self._response()

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.addr, timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise _Closed()
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill()
        return self._take(end + 2)[:-2]

    def _response(self) -> tuple[int, bytes]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        lines = self._take(end + 4).decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers, self.last_headers = {}, {}  # lower-cased values; as sent (Kinto's Next-Page is read there)
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(":")
                self.last_headers[key.strip().lower()] = value.strip()
                headers[key.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while size := int(self._line().split(b";")[0], 16):
                parts.append(self._take(size))
                self._line()
            while self._line():  # trailers, then the blank line
                pass
            body = b"".join(parts)
        else:  # the body runs to the end of the connection
            try:
                while True:
                    self._fill()
            except _Closed:
                pass
            body, self.buf = bytes(self.buf), bytearray()
            headers["connection"] = "close"
        if headers.get("connection") == "close" or (
            version == "HTTP/1.0" and headers.get("connection") != "keep-alive"
        ):
            self.close()
        return int(status), body


# ---------------------------------------------------------------- running clients in parallel

# A job runs in a thread: job(start_at, deadline) -> operations done (it starts at
# start_at and stops at the first operation ending after deadline).
Job = Callable[[float, float], int]


@dataclass
class Load:
    ops: int
    seconds: float
    client_cpu: float  # CPU seconds the load generator itself used

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0


def _run_group(jobs: list[Job], start_at: float, deadline: float, out) -> None:
    """In a forked process: one thread per job; report (ops, last end, cpu) or the error."""
    cpu0 = sum(os.times()[:2])
    results: list = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            ops = jobs[i](start_at, deadline)
            results[i] = (ops, time.monotonic())
        except BaseException:
            results[i] = traceback.format_exc()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, str)]
    if errors:
        out.put(("error", errors[0]))
    else:
        out.put(("ok", sum(r[0] for r in results), max(r[1] for r in results), sum(os.times()[:2]) - cpu0))


def run_load(jobs: list[Job], duration: float, processes: int = 2) -> Load:
    """Run the jobs together for `duration` seconds, spread over forked client processes."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    groups = [jobs[i::processes] for i in range(min(processes, len(jobs)))]
    start_at = time.monotonic() + 0.2
    deadline = start_at + duration
    procs = [ctx.Process(target=_run_group, args=(g, start_at, deadline, out)) for g in groups]
    for p in procs:
        p.start()
    reports = [out.get(timeout=duration + 600) for _ in procs]
    for p in procs:
        p.join()
    for report in reports:
        if report[0] == "error":
            raise RuntimeError("a benchmark client failed:\n" + report[1])
    ops = sum(r[1] for r in reports)
    end = max(r[2] for r in reports)
    return Load(ops, end - start_at, sum(r[3] for r in reports))


T0 = time.monotonic()


def say(message: str) -> None:
    """Progress on stdout, with the seconds since the start."""
    print(f"{time.monotonic() - T0:6.1f}s  {message}", flush=True)


def wait_until(t: float) -> None:
    if (delay := t - time.monotonic()) > 0:
        time.sleep(delay)


def repeat(op: Callable[[], int]) -> Job:
    """A job that calls op() (which returns how many units it did) until the deadline."""

    def job(start_at: float, deadline: float) -> int:
        wait_until(start_at)
        done = 0
        while time.monotonic() < deadline:
            done += op()
        return done

    return job


# ---------------------------------------------------------------- what a technician records on a visit


def _visit_script(part_number: str) -> list[tuple[str, dict]]:
    """The records of one house call (seed 003), in the order a technician makes them."""
    ev = lambda kind, **kw: ("visit_event", {"kind": kind, **kw})
    ck = lambda step, value="yes", **kw: ("checklist_answer", {"step": step, "value": value, **kw})
    kit = [
        "kit_tools",
        "kit_parts",
        "kit_gloves",
        "kit_shoe_covers",
        "kit_floor_cloth",
        "kit_forms",
        "kit_receipts",
        "kit_fee_schedule",
        "kit_note_slips",
        "kit_id_badge",
    ]
    return [
        ev("accepted"),
        ev("appointment_confirmed", note="客户确认下午两点到三点在家"),
        *[ck(step) for step in kit],
        ev("kit_checked"),
        ev("departed"),
        ev("arrived", note="小区东门，3号楼2单元"),
        ck("appearance_ok"),
        ck("knock", "knocked_three_times"),
        ck("introduced"),
        ck("identity_confirmed", note="户主本人"),
        ck("badge_shown"),
        ev("entered"),
        (
            "diagnosis",
            {
                "fault_cause": "压缩机启动电容老化，容量下降",
                "repair_method": "更换启动电容并测试运行",
                "customer_visible": True,
            },
        ),
        # The quote and the consent before the repair; the bench's products are in warranty, so
        # fees.compute_quote prices every line at 0.00 and the part is free (issue #13).
        (
            "fee_quote",
            {
                "schedule_revision": 1,
                "work_minutes": 30,
                "travel_minutes": 20,
                "parts": [{"part_number": part_number, "quantity": 1}],
                "lines": [
                    {"kind": "call_out", "ref": "", "quantity": 1, "description": "上门费", "amount": "0.00"},
                    {"kind": "labour", "ref": "", "quantity": 30, "description": "工时费", "amount": "0.00"},
                    {"kind": "part", "ref": part_number, "quantity": 1, "description": "主控板", "amount": "0.00"},
                ],
                "total": "0.00",
                "consented": True,
                "consented_at": datetime.now(CST).isoformat(),
            },
        ),
        (
            "part_fitted",
            {
                "part_number": part_number,
                "serial_fitted": "SN-NEW-0001",
                "serial_removed": "SN-OLD-0001",
                "quantity": 1,
                "unit_price": "0.00",
                "under_warranty": True,
            },
        ),
        ev("fee_consented"),
        ev("three_guarantees_explained"),
        ck("test_run", "ok", note="制冷正常，出风口温度 12℃"),
        ck("training"),
        ev("test_run_ok"),
        ev("training_done"),
        ev("fixed"),
        ck("service_card"),
        ev("service_card_given"),
    ]


class Device:
    """A technician's phone: numbered outbox entries for the work orders it holds."""

    def __init__(self, work_orders: list[str], part_number: str):
        self.id = str(uuid.uuid4())
        self.seq = 0
        self.work_orders = work_orders
        self.script = _visit_script(part_number)
        self.step = 0

    def records(self, n: int) -> list[dict]:
        """The next n records: visits one after another, round the work orders."""
        out = []
        for _ in range(n):
            visit, i = divmod(self.step, len(self.script))
            entity, fields = self.script[i]
            out.append(
                {
                    "entity": entity,
                    "entity_id": str(uuid.uuid4()),
                    "at": datetime.now(CST).isoformat(),
                    "fields": {"work_order_id": self.work_orders[visit % len(self.work_orders)], **fields},
                }
            )
            self.step += 1
        return out

    def push_body(self, n: int) -> bytes:
        mutations = []
        for record in self.records(n):
            self.seq += 1
            mutations.append({"seq": self.seq, "id": str(uuid.uuid4()), "op": "create", "base_version": None, **record})
        return json.dumps(
            {"device_id": self.id, "device_time": datetime.now(CST).isoformat(), "mutations": mutations},
            ensure_ascii=False,
        ).encode()

    def bulk_docs_body(self, n: int) -> bytes:
        """The same records as PouchDB documents (what a PouchDB app would replicate)."""
        docs = [
            {"_id": r["entity_id"], "type": r["entity"], "device_id": self.id, "at": r["at"], **r["fields"]}
            for r in self.records(n)
        ]
        return json.dumps({"docs": docs}, ensure_ascii=False).encode()


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A server we start in its own process group (so stopping it stops its workers)."""

    def __init__(self, name: str, argv: list[str], log: Path, port: int, env: dict | None = None, cwd: Path = ROOT):
        self.name, self.port, self.log = name, port, log
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            try:
                status, _ = Http(self.port).get(path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not come up on port {self.port}:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def gunicorn(name: str, app: str, tmp: Path, chdir: Path, env: dict | None = None, bin_dir: Path = VENV_BIN) -> Service:
    """The one server setup of every Python server (Flask or, for Kinto, Pyramid): gunicorn,
    WORKERS sync workers, loopback. `app` may be `--paste FILE.ini`."""
    port = free_port()
    argv = [
        str(bin_dir / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--log-level",
        "warning",
        *app.split(" "),
    ]
    # gunicorn puts its working directory first on sys.path: it must be the tree to serve.
    return Service(name, argv, tmp / f"{name}.log", port, env=env, cwd=chdir)


def onsite_app(root: Path) -> str:
    """The app gunicorn serves: the production entry point (server/wsgi.py), or, for a tree from
    before it (--onsite-root), the app factory."""
    return "server.wsgi:app" if (root / "server" / "wsgi.py").exists() else "server:create_app()"


def onsite_env(url: str, tmp: Path, root: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "onsite-bench",
        "SESSION_COOKIE_SECURE": "0",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "BLOB_DIR": str(tmp / "blobs"),
        "PYTHONPATH": str(root),
    }


# ---------------------------------------------------------------- databases and seed data


def seed(url: str, root: Path, technicians: int = TECHNICIANS, orders_each: int = ORDERS_PER_TECHNICIAN) -> dict:
    """(In a subprocess) staff with API tokens, a part, and work orders held by each technician."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(root))
    import secrets

    from server import create_app
    from server.auth.session import issue_token
    from server.extensions import db
    from server.models import Customer, Part, Product, User
    from server.services.work_orders import create_work_order

    app = create_app({"SECRET_KEY": "onsite-bench"})
    with app.app_context():

        def user(email, name, role):
            u = User(
                email=email, name=name, role=role, password_hash=None, webauthn_user_handle=secrets.token_bytes(32)
            )
            db.session.add(u)
            return u

        dispatcher = user("dispatcher@bench.onsite", "张丽", "dispatcher")
        techs = [user(f"tech{i}@bench.onsite", f"师傅{i}", "technician") for i in range(technicians)]
        part = Part(
            part_number="AC-CAP-35",
            name="压缩机运行电容 35μF",
            name_en="Compressor run capacitor",
            price="45.00",
            barcode="6901234567892",
            barcode_formats=["ean_13"],
            serialised=False,
        )
        db.session.add(part)
        db.session.flush()
        start = datetime.combine(datetime.now(CST).date(), datetime.min.time(), CST) + timedelta(hours=14)
        orders: dict[str, list[str]] = {}
        for t, tech in enumerate(techs):
            for i in range(orders_each):
                customer = Customer(
                    name=f"客户{t}-{i}", phone=f"138{t:02d}{i:06d}", address=f"上海市浦东新区世纪大道 {t * 100 + i} 号"
                )
                db.session.add(customer)
                db.session.flush()
                product = Product(
                    customer_id=customer.id,
                    model="KFR-35GW",
                    serial_no=f"KFR35-{t}-{i}",
                    purchase_date=datetime.now(CST).date() - timedelta(days=200),
                    warranty_months=12,
                )
                db.session.add(product)
                db.session.flush()
                wo = create_work_order(
                    {
                        "channel": "phone",
                        "type": "repair",
                        "priority": "normal",
                        "fault_description": "空调不制冷",
                        "customer_id": customer.id,
                        "product_id": product.id,
                        "technician_id": tech.id,
                        "appointment_start": start,
                        "appointment_end": start + timedelta(hours=1),
                    },
                    dispatcher,
                )
                db.session.flush()
                orders.setdefault(tech.id, []).append(wo.id)
        out = {
            "dispatcher": issue_token(dispatcher, "bench"),
            "technicians": [{"token": issue_token(t, "bench"), "work_orders": orders[t.id]} for t in techs],
            "part_number": part.part_number,
        }
        db.session.commit()
        db.engine.dispose()
    return out


def prepare_onsite_db(
    url: str, root: Path, technicians: int = TECHNICIANS, orders: int = ORDERS_PER_TECHNICIAN
) -> dict:
    """Migrate the empty database and load the seed data; returns the tokens and work orders."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "onsite-bench", "PYTHONPATH": str(root)}
    seed_argv = [sys.executable, str(Path(__file__).resolve()), "--seed", url, "--onsite-root", str(root)]
    seed_argv += ["--technicians", str(technicians), "--orders", str(orders)]
    for argv in ([str(VENV_BIN / "flask"), "--app", "server", "init-db"], seed_argv):
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def pg_admin(sql: str, base_url: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def pg_url(base_url: str, database: str) -> str:
    head, _, _ = base_url.rpartition("/")
    return f"{head}/{database}"


# ---------------------------------------------------------------- the systems under test
# Each column is a running server that hands out jobs for the metrics it takes part in.


def repeat_once(op: Callable[[], int]) -> Job:
    def job(start_at: float, deadline: float) -> int:
        return op()

    return job


def _check_status(what: str, status: int, body: bytes, ok: int = 200) -> None:
    if status != ok:
        raise RuntimeError(f"{what} -> {status}: {body[:500]!r}")


def idle_job(port: int, path: str, headers: dict | None = None, check: Callable[[bytes], bool] | None = None) -> Job:
    """GET `path` over and over, checking each answer."""
    http = Http(port, headers)

    def op() -> int:
        status, body = http.get(path)
        if status != 200 or (check and not check(body)):
            raise RuntimeError(f"GET {path} -> {status}: {body[:300]!r}")
        return 1

    return repeat(op)


class Onsite:
    """Onsite under gunicorn on one database, seeded with technicians who hold work orders."""

    metrics = ("push_1", "push_8", "pull", "idle_pull")

    def __init__(self, label: str, url: str, tmp: Path, root: Path):
        say(f"[{label}] migrating and seeding the database")
        self.label = label
        self.data = prepare_onsite_db(url, root)
        self.server = gunicorn(f"onsite-{label}", onsite_app(root), tmp, root, env=onsite_env(url, tmp, root))

    def ready(self) -> None:
        self.server.wait_ready("/healthz")
        # Warm every worker (imports, connection pool) with one push per technician.
        run_load([repeat_once(self._push_op(i)) for i in range(TECHNICIANS)], 0)

    def stop(self) -> None:
        self.server.stop()

    def _auth(self, token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    def _push_op(self, i: int) -> Callable[[], int]:
        """Pushes of BATCH visit records from a new device of technician i; returns how many applied."""
        tech = self.data["technicians"][i]
        device = Device(tech["work_orders"], self.data["part_number"])
        http = Http(self.server.port, self._auth(tech["token"]))

        def op() -> int:
            status, body = http.request("POST", "/api/sync/push", device.push_body(BATCH))
            _check_status("push", status, body)
            results = json.loads(body)["results"]
            if bad := [r for r in results if r["status"] != "applied"]:
                raise RuntimeError(f"push: {len(bad)} of {len(results)} not applied, e.g. {bad[0]}")
            return len(results)

        return op

    def push_jobs(self, devices: int) -> list[Job]:
        return [repeat(self._push_op(i)) for i in range(devices)]

    def _pull_all(self, token: str) -> tuple[str, int]:
        """Page through everything `token` may see: the final cursor and the number of changes."""
        http, cursor, total = Http(self.server.port, self._auth(token)), None, 0
        while True:
            page = http.get_json("/api/sync/pull?limit=1000" + (f"&cursor={cursor}" if cursor else ""))
            total += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return cursor, total

    def pull_jobs(self, pages: int) -> list[Job]:
        """The dispatcher pulls from no cursor in pages of PAGE; after `pages` pages, again from scratch."""
        token = self.data["dispatcher"]
        _, total = self._pull_all(token)
        top_up = self._push_op(0)
        while total < pages * PAGE:  # untimed: enough records for the pages
            total += top_up()
        http, state = Http(self.server.port, self._auth(token)), {"cursor": None, "page": 0}

        def op() -> int:
            cursor = state["cursor"]
            page = http.get_json(f"/api/sync/pull?limit={PAGE}" + (f"&cursor={cursor}" if cursor else ""))
            if page["reset"]:
                raise RuntimeError("pull answered reset")
            state["page"] = (state["page"] + 1) % pages
            state["cursor"] = page["cursor"] if page["has_more"] and state["page"] else None
            return len(page["changes"])

        return [repeat(op)]

    def idle_jobs(self) -> list[Job]:
        """Technicians' phones, up to date, asking whether anything changed."""
        jobs = []
        for i in range(IDLE_CLIENTS):
            token = self.data["technicians"][i % TECHNICIANS]["token"]
            cursor, _ = self._pull_all(token)
            jobs.append(idle_job(self.server.port, f"/api/sync/pull?cursor={cursor}", self._auth(token), _empty_pull))
        return jobs


def _empty_pull(body: bytes) -> bool:
    page = json.loads(body)
    return page["changes"] == [] and not page["has_more"] and not page["reset"]


def ensure_pouchdb() -> None:
    """npm install pouchdb-server into bench/.node once (kept out of git)."""
    if POUCH_BIN.exists():
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed to install pouchdb-server")
    say(
        f"[pouchdb] installing pouchdb-server@{POUCH_VERSION} into {NODE_DIR.relative_to(ROOT)} "
        "(first run only; takes a few minutes)"
    )
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(NODE_DIR),
            "--no-audit",
            "--no-fund",
            "--loglevel",
            "error",
            f"pouchdb-server@{POUCH_VERSION}",
        ],
        check=True,
    )


class PouchDB:
    """pouchdb-server 4.2.0 on LevelDB in a temporary directory; one database of visit records."""

    metrics = ("push_1", "push_8", "pull", "idle_pull")
    db = "visits"

    def __init__(self, tmp: Path):
        ensure_pouchdb()
        home = tmp / "pouchdb"
        home.mkdir()
        port = free_port()
        argv = [
            str(POUCH_BIN),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(home),
            "--config",
            str(home / "config.json"),
            "--no-stdout-logs",
        ]
        self.server = Service("pouchdb-server", argv, tmp / "pouchdb.log", port, cwd=home)
        # A technician's work orders, as ids the documents refer to.
        self.work_orders = [[str(uuid.uuid4()) for _ in range(ORDERS_PER_TECHNICIAN)] for _ in range(TECHNICIANS)]

    def ready(self) -> None:
        self.server.wait_ready("/")
        status, body = Http(self.server.port).request("PUT", f"/{self.db}")
        _check_status(f"PUT /{self.db}", status, body, 201)
        run_load([repeat_once(self._push_op(i)) for i in range(TECHNICIANS)], 0)

    def stop(self) -> None:
        self.server.stop()

    def _push_op(self, i: int) -> Callable[[], int]:
        device = Device(self.work_orders[i], "AC-CAP-35")
        http = Http(self.server.port)

        def op() -> int:
            status, body = http.request("POST", f"/{self.db}/_bulk_docs", device.bulk_docs_body(BATCH))
            _check_status("_bulk_docs", status, body, 201)
            results = json.loads(body)
            if bad := [r for r in results if not r.get("ok")]:
                raise RuntimeError(f"_bulk_docs: {len(bad)} of {len(results)} failed, e.g. {bad[0]}")
            return len(results)

        return op

    def push_jobs(self, devices: int) -> list[Job]:
        return [repeat(self._push_op(i)) for i in range(devices)]

    def pull_jobs(self, pages: int) -> list[Job]:
        """_changes with documents from since=0 in pages of PAGE; after `pages` pages, again from 0."""
        http = Http(self.server.port)
        top_up = self._push_op(0)
        total = http.get_json(f"/{self.db}")["doc_count"]
        while total < pages * PAGE:  # untimed: enough documents for the pages
            total += top_up()
        state = {"since": 0, "page": 0}

        def op() -> int:
            page = http.get_json(
                f"/{self.db}/_changes?limit={PAGE}&include_docs=true&since={quote(str(state['since']))}"
            )
            n = len(page["results"])
            state["page"] = (state["page"] + 1) % pages
            state["since"] = page["last_seq"] if n == PAGE and state["page"] else 0
            return n

        return [repeat(op)]

    def idle_jobs(self) -> list[Job]:
        last = Http(self.server.port).get_json(f"/{self.db}")["update_seq"]
        path = f"/{self.db}/_changes?limit={PAGE}&include_docs=true&since={quote(str(last))}"
        return [
            idle_job(self.server.port, path, check=lambda b: json.loads(b)["results"] == [])
            for _ in range(IDLE_CLIENTS)
        ]


def ensure_kinto() -> Path:
    """pip install Kinto (with its PostgreSQL backends) and gunicorn into the venv bench/.kinto once
    (kept out of git); returns the venv's bin directory. Raises with pip's words when it cannot."""
    bin_dir = KINTO_DIR / "bin"
    stamp = KINTO_DIR / "installed.txt"
    wanted = f"kinto[postgresql]=={KINTO_VERSION} gunicorn"
    if stamp.exists() and stamp.read_text() == wanted and (bin_dir / "kinto").exists():
        return bin_dir
    say(f"[kinto] installing kinto {KINTO_VERSION} into {KINTO_DIR.relative_to(ROOT)} (first run only; ~30 s)")
    base = getattr(sys, "_base_executable", sys.executable)  # a venv of the interpreter, not of .venv
    steps = ([base, "-m", "venv", "--clear", str(KINTO_DIR)], [str(bin_dir / "pip"), "install", "-q", *wanted.split()])
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {(done.stderr or done.stdout).strip()[-600:]}")
    stamp.write_text(wanted)
    return bin_dir


KINTO_INI = """\
[app:main]
use = egg:kinto
kinto.storage_backend = kinto.core.storage.postgresql
kinto.storage_url = {url}
kinto.permission_backend = kinto.core.permission.postgresql
kinto.permission_url = {url}
kinto.cache_backend = kinto.core.cache.memory
kinto.userid_hmac_secret = onsite-bench
kinto.bucket_create_principals = system.Authenticated
kinto.batch_max_requests = {batch}
multiauth.policies = basicauth
multiauth.policy.basicauth.use = kinto.core.authentication.BasicAuthAuthenticationPolicy

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = plain
[logger_root]
level = WARNING
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = plain
[formatter_plain]
format = %(levelname)s %(name)s %(message)s
"""


def _basic(user: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:bench".encode()).decode()}


class Kinto:
    """Kinto 26.5 (Mozilla's sync server: Pyramid, PostgreSQL storage and permissions, a memory
    cache, basicauth) under the same gunicorn settings as Onsite, on its own database.

    One collection of visit records: the dispatcher made the bucket and the collection (so reads
    them all, as Onsite's dispatcher does) and let every signed-in user create records in it;
    each technician's device pushes with its own user. Request logging is off, as gunicorn's is.
    """

    metrics = ("push_1", "push_8", "pull", "idle_pull")
    records = "/v1/buckets/onsite/collections/visits/records"

    def __init__(self, tmp: Path, url: str):
        bin_dir = ensure_kinto()
        ini = tmp / "kinto.ini"
        ini.write_text(KINTO_INI.format(url=url, batch=BATCH))
        done = subprocess.run([str(bin_dir / "kinto"), "migrate", "--ini", str(ini)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"kinto migrate failed:\n{done.stderr[-2000:]}")
        self.server = gunicorn("kinto", f"--paste {ini}", tmp, tmp, env=dict(os.environ), bin_dir=bin_dir)
        self.work_orders = [[str(uuid.uuid4()) for _ in range(ORDERS_PER_TECHNICIAN)] for _ in range(TECHNICIANS)]

    def ready(self) -> None:
        self.server.wait_ready("/v1/")
        http = Http(self.server.port, _basic("dispatcher"))
        status, body = http.request("PUT", "/v1/buckets/onsite", b"{}")
        _check_status("PUT bucket", status, body, 201)
        anyone = json.dumps({"permissions": {"record:create": ["system.Authenticated"]}}).encode()
        status, body = http.request("PUT", "/v1/buckets/onsite/collections/visits", anyone)
        _check_status("PUT collection", status, body, 201)
        run_load([repeat_once(self._push_op(i)) for i in range(TECHNICIANS)], 0)

    def stop(self) -> None:
        self.server.stop()

    def _push_op(self, i: int) -> Callable[[], int]:
        """POST /v1/batch of BATCH record creations (Kinto's own bulk write) from technician i's device."""
        device = Device(self.work_orders[i], "AC-CAP-35")
        http = Http(self.server.port, _basic(f"tech{i}"))
        defaults = {"method": "POST", "path": self.records.removeprefix("/v1")}

        def op() -> int:
            docs = [
                {"id": r["entity_id"], "type": r["entity"], "device_id": device.id, "at": r["at"], **r["fields"]}
                for r in device.records(BATCH)
            ]
            # Concurrent writers to one collection can meet a 409 "integrity constraint violated,
            # please retry" on some records; those are sent again at once (Retry-After not honoured,
            # which favours Kinto), so the op counts every record, each created once.
            for _ in range(20):
                batch = {"defaults": defaults, "requests": [{"body": {"data": d}} for d in docs]}
                status, body = http.request("POST", "/v1/batch", json.dumps(batch, ensure_ascii=False).encode())
                _check_status("batch", status, body)
                results = json.loads(body)["responses"]
                if bad := [r for r in results if r["status"] not in (201, 409)]:
                    raise RuntimeError(f"batch: {len(bad)} of {len(results)} failed, e.g. {str(bad[0])[:300]}")
                docs = [d for d, r in zip(docs, results, strict=True) if r["status"] == 409]
                if not docs:
                    return BATCH
            raise RuntimeError(f"batch: {len(docs)} records still refused with 409 after 20 tries")

        return op

    def push_jobs(self, devices: int) -> list[Job]:
        return [repeat(self._push_op(i)) for i in range(devices)]

    def _page(self, http: Http, path: str) -> tuple[list, str | None, str]:
        """(records, the Next-Page path or None, the ETag: the collection's latest timestamp)."""
        status, body = http.request("GET", path)
        _check_status(f"GET {path}", status, body)
        head = http.last_headers
        nxt = head.get("next-page")
        return json.loads(body)["data"], (nxt[nxt.index("/v1/") :] if nxt else None), head["etag"].strip('"')

    def pull_jobs(self, pages: int) -> list[Job]:
        """_since pulls sorted by last_modified from 0 in pages of PAGE (following Next-Page's
        _token); after `pages` pages, again from 0: what a Kinto client's first sync reads."""
        http = Http(self.server.port, _basic("dispatcher"))
        first = f"{self.records}?_since=0&_sort=last_modified&_limit={PAGE}"
        total, path = 0, f"{self.records}?_fields=id&_limit=10000"
        while path:  # how many there are
            records, path, _ = self._page(http, path)
            total += len(records)
        top_up = self._push_op(0)
        while total < pages * PAGE:  # untimed: enough records for the pages
            total += top_up()
        state = {"path": first, "page": 0}

        def op() -> int:
            records, nxt, _ = self._page(http, state["path"])
            state["page"] = (state["page"] + 1) % pages
            state["path"] = nxt if nxt and state["page"] else first
            return len(records)

        return [repeat(op)]

    def idle_jobs(self) -> list[Job]:
        http = Http(self.server.port, _basic("dispatcher"))
        _, _, etag = self._page(http, f"{self.records}?_sort=-last_modified&_limit=1")
        path = f"{self.records}?_since={etag}&_sort=last_modified&_limit={PAGE}"
        return [
            idle_job(self.server.port, path, _basic(f"tech{i % TECHNICIANS}"), lambda b: json.loads(b)["data"] == [])
            for i in range(IDLE_CLIENTS)
        ]


class HelloWorld:
    """bench/hello_app.py under the same gunicorn settings as Onsite."""

    metrics = ("idle_pull",)

    def __init__(self, tmp: Path):
        self.server = gunicorn("hello", "hello_app:app", tmp, BENCH)

    def ready(self) -> None:
        self.server.wait_ready("/")

    def stop(self) -> None:
        self.server.stop()

    def idle_jobs(self) -> list[Job]:
        return [idle_job(self.server.port, "/") for _ in range(IDLE_CLIENTS)]


# ---------------------------------------------------------------- measuring


@dataclass
class Sample:
    rate: float
    ops: int
    seconds: float
    client_cpu_s: float
    dataset: int | None = None


def measure(system, metric: str, duration: float) -> Sample:
    """One timed run of `metric` against `system`."""
    dataset = None
    if metric.startswith("push_"):
        jobs = system.push_jobs(int(metric.split("_")[1]))
    elif metric == "pull":
        jobs, dataset = system.pull_jobs(PULL_PAGES), PULL_PAGES * PAGE
    else:
        jobs = system.idle_jobs()
    load = run_load(jobs, duration)
    return Sample(load.rate, load.ops, round(load.seconds, 3), round(load.client_cpu, 3), dataset)


def run_rounds(systems: dict, rounds: int, duration: float) -> dict[str, dict[str, list[Sample]]]:
    """Every metric on every system, interleaved, `rounds` times (each round in a new order).

    The machine is shared, so background load drifts; interleaving exposes every column
    to the same drift and the median of the rounds drops the outliers.
    """
    samples: dict[str, dict[str, list[Sample]]] = {c: {} for c in systems}
    for r in range(rounds):
        for metric, (label, unit, _) in METRICS.items():
            names = [c for c in systems if metric in systems[c].metrics]
            if not names:  # no column that runs it (e.g. --only hello, or Kinto skipped)
                continue
            names = names[r % len(names) :] + names[: r % len(names)]
            for c in names:
                s = measure(systems[c], metric, duration)
                samples[c].setdefault(metric, []).append(s)
                extra = f" (the first {s.dataset} changes)" if s.dataset is not None else ""
                say(f"round {r + 1}/{rounds}  {label:<32} {HEADINGS[c]:<15} {s.rate:>8,.0f} {unit}{extra}")
    return samples


# ---------------------------------------------------------------- report


def summarise(samples: dict) -> dict[str, dict[str, float]]:
    return {c: {m: statistics.median(s.rate for s in ss) for m, ss in per.items()} for c, per in samples.items()}


def ratios(figures: dict[str, dict[str, float]]) -> dict:
    """metric -> one entry per baseline that ran: onsite-postgres ÷ baseline against its target."""
    out: dict[str, list[dict]] = {}
    for metric, (_, _, bases) in METRICS.items():
        pg = figures.get("postgres", {}).get(metric)
        for base, target in bases:
            baseline = figures.get(base, {}).get(metric)
            if pg is not None and baseline:
                out.setdefault(metric, []).append(
                    {
                        "ratio": pg / baseline,
                        "baseline": HEADINGS[base],
                        "target": target,
                        "met": pg / baseline >= target,
                    }
                )
    return out


def table(figures: dict[str, dict[str, float]], found: dict) -> str:
    """One line per metric, and one more per further baseline it is compared with."""
    head = ["metric", "unit", *(HEADINGS[c] for c in COLUMNS), "onsite-postgres ÷ baseline", "target"]
    rows = [head]
    for metric, (label, unit, bases) in METRICS.items():
        cells = [label, unit]
        for c in COLUMNS:
            value = figures.get(c, {}).get(metric)
            cells.append(f"{value:,.0f}" if value is not None else "–")
        by_base = {r["baseline"]: r for r in found.get(metric, [])}
        ran = [(b, t) for b, t in bases if HEADINGS[b] in by_base] or bases[:1]  # baselines that did not run: no line
        for i, (base, target) in enumerate(ran):
            r = by_base.get(HEADINGS[base])
            line = list(cells) if i == 0 else [""] * len(cells)
            line.append(f"{r['ratio']:.2f}× {HEADINGS[base]}" if r else "–")
            line.append(f"≥ {target:.1f}×: " + ("met" if r and r["met"] else "MISSED" if r else "n/a"))
            rows.append(line)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.ljust(w) if i in (0, 1, len(head) - 1) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def start_systems(systems: dict, wanted: list[str], tmp: Path, pg_base: str, root: Path) -> None:
    """Start the wanted columns into `systems` (filled as they start, so a failure stops those already up)."""
    if "sqlite" in wanted:
        systems["sqlite"] = Onsite("sqlite", f"sqlite:///{tmp / 'onsite.db'}", tmp, root)
    if "postgres" in wanted:
        try:
            pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', pg_base)
            pg_admin(f'CREATE DATABASE "{PG_DATABASE}"', pg_base)
        except Exception as exc:  # no PostgreSQL here: leave its column empty and say why
            say(f"[postgres] skipped: cannot create database {PG_DATABASE} on {pg_base}: {exc}")
        else:
            systems["postgres"] = Onsite("postgres", pg_url(pg_base, PG_DATABASE), tmp, root)
    if "pouchdb" in wanted:
        systems["pouchdb"] = PouchDB(tmp)
    if "kinto" in wanted:
        try:  # offline (no PyPI) or no PostgreSQL: leave its column empty and say why
            ensure_kinto()
            pg_admin(f'DROP DATABASE IF EXISTS "{KINTO_DATABASE}" WITH (FORCE)', pg_base)
            pg_admin(f'CREATE DATABASE "{KINTO_DATABASE}"', pg_base)
            systems["kinto"] = Kinto(tmp, pg_url(pg_base, KINTO_DATABASE))
        except Exception as exc:
            say(f"[kinto] skipped: {exc}")
    if "hello" in wanted:
        systems["hello"] = HelloWorld(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round of 1 s per figure (a smoke run)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 3; 1 with --quick)")
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds; the table shows medians (default 3; 1 with --quick)"
    )
    parser.add_argument("--only", default=",".join(COLUMNS), help="columns to run (default %(default)s)")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_PG,
        metavar="URL",
        help=f"PostgreSQL server to create the {PG_DATABASE} database on (default %(default)s)",
    )
    parser.add_argument(
        "--onsite-root",
        type=Path,
        default=ROOT,
        metavar="DIR",
        help="the Onsite tree to serve, e.g. a copy with a change to compare (default: this one)",
    )
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--technicians", type=int, default=TECHNICIANS, help=argparse.SUPPRESS)
    parser.add_argument("--orders", type=int, default=ORDERS_PER_TECHNICIAN, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed:
        print(json.dumps(seed(args.seed, args.onsite_root.resolve(), args.technicians, args.orders)))
        return 0
    duration = args.seconds or (1.0 if args.quick else 3.0)
    rounds = args.rounds or (1 if args.quick else 3)
    wanted = [c.strip() for c in args.only.split(",") if c.strip() in COLUMNS]
    tmp = Path(tempfile.mkdtemp(prefix="onsite-bench-"))
    systems: dict = {}
    try:
        start_systems(systems, wanted, tmp, args.postgres, args.onsite_root.resolve())
        for name, system in systems.items():
            say(f"[{name}] starting and warming up")
            system.ready()
            if "pull" in system.metrics:  # every worker's pull path too (statement caches, first imports)
                measure(system, "pull", 1.0)
        say(f"measuring: {rounds} round(s) of {duration:g} s per figure")
        samples = run_rounds(systems, rounds, duration)
    finally:
        for system in systems.values():
            system.stop()
        if "postgres" in systems:
            pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', args.postgres)
        if "kinto" in wanted:
            try:
                pg_admin(f'DROP DATABASE IF EXISTS "{KINTO_DATABASE}" WITH (FORCE)', args.postgres)
            except Exception:  # never made (no PostgreSQL)
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    figures = summarise(samples)
    found = ratios(figures)
    print()
    print(
        f"Sync benchmark: median of {rounds} round(s) of {duration:g} s; gunicorn {WORKERS} sync workers; "
        f"{os.cpu_count()} cores shared by servers and clients; loopback; "
        "load average %.2f %.2f %.2f" % os.getloadavg()
    )
    print(table(figures, found))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": os.getloadavg(),
                },
                "settings": {
                    "seconds": duration,
                    "rounds": rounds,
                    "batch": BATCH,
                    "page": PAGE,
                    "pull_pages": PULL_PAGES,
                    "onsite_root": str(args.onsite_root),
                    "idle_clients": IDLE_CLIENTS,
                    "gunicorn_workers": WORKERS,
                    "pouchdb_server": POUCH_VERSION,
                    "kinto": KINTO_VERSION,
                },
                "figures": figures,
                "ratios": found,
                "samples": {c: {m: [s.__dict__ for s in ss] for m, ss in per.items()} for c, per in samples.items()},
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
