"""Fault-injection harness: phones sync a day of visits while the server is being broken.

    .venv/bin/python -m tests.faults.harness [--devices N] [--kills K] [--seed S]

It makes a fresh PostgreSQL database (from TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test), migrates and seeds it, and runs the app
under gunicorn with several sync workers. Simulated phones (threads) each record a
day of house calls into an outbox that empties only when the server acknowledges an
entry (last_seq), exactly as the PWA does, and push it in batches while:

- a killer thread SIGKILLs a gunicorn worker while it is serving a request (found with
  `ss`: the worker holding an established connection on the server port);
- some requests go through a proxy that forwards the request, then hangs up on the
  phone without the response (the server did the work; the phone cannot know);
- phones replay batches already acknowledged, and sometimes send one batch twice at once;
- the two phones of one technician edit the same work order offline, from the same
  base_version (notes, outcome, appointment);
- a phone makes two offline edits of another job (notes, then a new appointment), both
  from the version it pulled in the morning, and the office moves that appointment
  after the first edit reached the server and before the second one is made;
- a few entries are invalid (unknown part, unknown event kind, void of nothing, event data
  the kind does not have, nested deep);
- a poisoned record, one no JSON encoder takes (data nested 300 levels), is planted in the
  database before the day on a job of the first technician: every pull, theirs and the
  office's, must still answer.

Phones retry with backoff until every entry is acknowledged. Then the database is
checked directly: every entry is on the server exactly once or rejected with its
reason, nothing is lost or duplicated, and every overwritten value is in the
conflict log (the office's appointment too). The counts are printed as a table; the exit status is 1 on any problem.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CST = timezone(timedelta(hours=8))
PART_NUMBER = "PCB-220"
TABLE_OF = {  # visit-record entity -> its table
    "checklist_answer": "checklist_answers",
    "visit_event": "visit_events",
    "diagnosis": "diagnoses",
    "part_fitted": "parts_fitted",
    "fee_quote": "fee_quotes",
    "photo": "photos",
}
VISIT_TABLES = tuple(TABLE_OF.values())
CONTESTED_FIELDS = ("technician_notes", "outcome", "appointment_start", "appointment_end")


@dataclass
class Config:
    """How big the day is and how hard the server is hit."""

    devices: int = 6
    kills: int = 25
    orders_per_technician: int = 3
    day_seconds: float = 20.0  # phones record their entries spread over this long
    cut_rate: float = 0.12  # share of requests whose response the proxy throws away
    replay_rate: float = 0.15  # chance, after an acknowledged push, to resend an old batch
    twin_rate: float = 0.06  # chance to send a batch twice at the same moment
    batch_max: int = 12  # a push carries 1..batch_max outbox entries
    kill_gap: tuple[float, float] = (0.25, 0.8)  # seconds between kills
    workers: int = 3
    preload: bool = True  # fork workers from a loaded app: a respawn costs little CPU
    deadline_s: float = 240.0
    seed: int | None = None
    pg_url: str = field(default_factory=lambda: os.environ.get("TEST_POSTGRES_URL") or DEFAULT_PG)


# ---------------------------------------------------------------- database


def _sa_url(url: str) -> str:
    """Name the psycopg 3 driver (SQLAlchemy's bare postgresql:// means psycopg2)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def create_database(admin_url: str) -> str:
    """A new, empty database next to `admin_url`'s; returns its postgresql:// URL."""
    name = f"onsite_faults_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(_sa_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by create_database (connections still open are cut)."""
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(_sa_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    """Run every migration, as an operator would (`flask init-db`)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "onsite-faults"}
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "server", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        raise RuntimeError(f"flask init-db failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


@dataclass
class Technician:
    id: str
    tokens: list[str]  # one bearer token per phone
    work_orders: list[str]


def seed(url: str, cfg: Config) -> tuple[list[Technician], str]:
    """Technicians (two phones each), their scheduled work orders, the part in the catalogue.

    Returns the technicians and a dispatcher's bearer token (the office's view at the end).
    """
    import logging
    import secrets

    from server import create_app
    from server.auth.session import issue_token
    from server.extensions import db
    from server.models import Customer, Part, Product, User, VisitEvent
    from server.services.work_orders import create_work_order

    app = create_app({"SQLALCHEMY_DATABASE_URI": _sa_url(url), "SECRET_KEY": "onsite-faults"})
    logging.getLogger().setLevel(logging.WARNING)  # create_app turns INFO on; keep the table readable

    def user(email: str, name: str, role: str) -> User:
        u = User(email=email, name=name, role=role, password_hash=None, webauthn_user_handle=secrets.token_bytes(32))
        db.session.add(u)
        return u

    n_techs = math.ceil(cfg.devices / 2)
    technicians = []
    with app.app_context():
        try:
            dispatcher = user("dispatcher@faults.onsite", "客服小张", "dispatcher")
            db.session.add(
                Part(
                    part_number=PART_NUMBER,
                    name="主控板",
                    name_en="Main board",
                    price="180.00",
                    barcode="6901234567892",
                    barcode_formats=["ean_13"],
                    serialised=True,
                )
            )
            day = datetime.combine(datetime.now(CST).date(), datetime.min.time(), CST)
            for t in range(n_techs):
                tech = user(f"tech{t}@faults.onsite", f"师傅{t}", "technician")
                db.session.flush()
                orders = []
                for i in range(cfg.orders_per_technician):
                    customer = Customer(
                        name=f"客户{t}-{i}", phone=f"139{t:02d}{i:06d}", address=f"上海市徐汇区漕溪北路 {t * 10 + i} 号"
                    )
                    db.session.add(customer)
                    db.session.flush()
                    product = Product(
                        customer_id=customer.id,
                        model="KFR-35GW",
                        serial_no=f"KFR35-F{t}-{i}",
                        purchase_date=day.date() - timedelta(days=200),
                        warranty_months=12,
                    )
                    db.session.add(product)
                    db.session.flush()
                    start = day + timedelta(hours=9 + 2 * i)
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
                    orders.append(wo.id)
                if t == 0:  # on one more job of theirs, written past every schema, as a row from before them would be
                    poisoned = create_work_order(
                        {
                            "channel": "phone",
                            "type": "repair",
                            "priority": "normal",
                            "fault_description": "漏水",
                            "customer_id": customer.id,
                            "technician_id": tech.id,
                            "appointment_start": day + timedelta(hours=17),
                            "appointment_end": day + timedelta(hours=18),
                        },
                        dispatcher,
                    )
                    db.session.flush()
                    poison: object = 1
                    for _ in range(300):
                        poison = [poison]
                    db.session.add(
                        VisitEvent(
                            work_order_id=poisoned.id,
                            kind="note_left",
                            created_by_id=tech.id,
                            device_at=datetime.now(UTC),
                            data={"poison": poison},
                        )
                    )
                tokens = [issue_token(tech, f"phone-{t}-{k}") for k in range(2)]
                technicians.append(Technician(tech.id, tokens, orders))
            office_token = issue_token(dispatcher, "faults-office")
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()
    return technicians, office_token


# ---------------------------------------------------------------- the server and its faults


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The app under gunicorn in its own process group, so stopping it stops every worker."""

    def __init__(self, url: str, tmp: Path, cfg: Config):
        self.port = free_port()
        self.n_workers = cfg.workers
        self.log_path = tmp / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "onsite-faults",
            "SESSION_COOKIE_SECURE": "0",
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "BLOB_DIR": str(tmp / "blobs"),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        }
        argv = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(cfg.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "info",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--no-control-socket",
        ]  # gunicorn 27 otherwise shares ~/.gunicorn/gunicorn.ctl with any other run
        argv += ["--preload"] if cfg.preload else []
        argv.append("server.wsgi:app")
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """Pids of the live workers: children of the master, not yet dead (a zombie is no target)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split() if _alive(int(pid))]

    def busy_workers(self) -> list[int]:
        """Workers holding an established connection on the server port: serving a request now."""
        inodes = {f"socket:[{i}]" for i in self._established_inodes()}
        busy = []
        for pid in self.workers():
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:  # gone already
                continue
            if {_link(pid, fd) for fd in fds} & inodes:
                busy.append(pid)
        return busy

    def _established_inodes(self) -> list[str]:
        """Socket inodes of connections to the server port (`ss` filters in the kernel: cheap)."""
        try:
            out = subprocess.run(
                ["ss", "-tneH", "state", "established", f"( sport = :{self.port} )"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            return re.findall(r"ino:(\d+)", out)
        except FileNotFoundError:  # no iproute2: read the whole table (slower)
            suffix = f":{self.port:04X}"
            rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
            return [r[9] for r in rows if r[1].endswith(suffix) and r[3] == "01"]

    def wait_workers(self, timeout: float) -> bool:
        """True once every killed worker has been replaced."""
        end = time.monotonic() + timeout
        while len(self.workers()) < self.n_workers:
            if time.monotonic() > end:
                return False
            time.sleep(0.1)
        return True

    def wait_ready(self, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            try:
                if (
                    requests.get(self.url + "/healthz", timeout=5).status_code == 200
                    and len(self.workers()) == self.n_workers
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not come up on port {self.port}:\n{self.log_tail()}")

    def log_tail(self, n: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        # Workers in the group that outlived the master (should not happen): end them too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()


def _alive(pid: int) -> bool:
    """Running or sleeping, i.e. not a zombie waiting for the master to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _link(pid: int, fd: str) -> str | None:
    """What a process's file descriptor points at ('socket:[inode]' for a socket)."""
    try:
        return os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:  # closed meanwhile
        return None


class CuttingProxy:
    """Forwards each request to the server, then hangs up on the client without the response.

    Half the time it waits for the server's first response byte (the work is done and
    committed), half the time it hangs up at once (the server still gets and does it).
    """

    def __init__(self, upstream_port: int, rng: random.Random):
        self.upstream = upstream_port
        self.rng = rng
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.cuts = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="cutting-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._cut, args=(client,), daemon=True).start()

    def _cut(self, client: socket.socket) -> None:
        upstream = None
        try:
            client.settimeout(30)
            request = _read_request(client)
            with self._lock:
                wait = self.rng.random() < 0.5
            upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=90)
            upstream.sendall(request)
            if wait:
                upstream.recv(1)  # the server answered: it has done the work
            with self._lock:
                self.cuts["after response" if wait else "at once"] += 1
        except OSError:
            with self._lock:
                self.cuts["upstream failed"] += 1
        finally:
            # RST instead of FIN: the phone sees a reset connection, no response.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            if upstream is not None:
                upstream.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _read_request(conn: socket.socket) -> bytes:
    """One whole HTTP/1.1 request (headers and a Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("client closed before the request was complete")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("client closed before the body was complete")
        body += chunk
    return head + b"\r\n\r\n" + body


class Tally:
    """Thread-safe counts, requests in flight, and problems found along the way."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: Counter = Counter()
        self.problems: list[str] = []
        self.inflight = 0
        self.pushes_inflight = 0

    def add(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] += n

    def flight(self, delta: int, push: bool) -> None:
        with self._lock:
            self.inflight += delta
            self.pushes_inflight += delta if push else 0

    def problem(self, message: str) -> None:
        with self._lock:
            if len(self.problems) < 200:
                self.problems.append(message)


class WorkerKiller(threading.Thread):
    """SIGKILLs a worker that is serving a request, `target` times, at random moments."""

    def __init__(self, server: Gunicorn, tally: Tally, target: int, rng: random.Random, gap: tuple[float, float]):
        super().__init__(name="worker-killer", daemon=True)
        self.server, self.tally, self.target, self.rng, self.gap = server, tally, target, rng, gap
        self.stop = threading.Event()
        self.finished = threading.Event()
        self.kills = Counter()

    def run(self) -> None:
        try:
            while sum(self.kills.values()) < self.target and not self.stop.is_set():
                self.stop.wait(self.rng.uniform(*self.gap))
                self._kill_one()
        except Exception:  # never leave the phones waiting on a dead killer
            self.tally.problem("killer crashed:\n" + traceback.format_exc())
        finally:
            self.finished.set()

    def _kill_one(self) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            waited = time.monotonic() - started
            # Aim at pushes (where exactly-once is at stake); settle for any request after a while.
            if self.tally.pushes_inflight > 0 or (waited > 2 and self.tally.inflight > 0):
                time.sleep(self.rng.uniform(0, 0.04))  # a random point in the request
                busy = self.server.busy_workers()
                if busy and self._kill(self.rng.choice(busy)):
                    self.kills["mid-request"] += 1
                    return
            if waited > 6:  # nothing in flight for long: kill an idle one
                workers = self.server.workers()
                if workers and self._kill(self.rng.choice(workers)):
                    self.kills["idle"] += 1
                    return
            time.sleep(0.01)

    def _kill(self, pid: int) -> bool:
        if pid not in self.server.workers():  # only ever a child of our own master
            return False
        try:
            os.kill(pid, signal.SIGKILL)
            return True
        except ProcessLookupError:
            return False


# ---------------------------------------------------------------- a phone's day


def now_iso() -> str:
    return datetime.now(CST).isoformat()


@dataclass
class Entry:
    """One outbox entry and what the harness expects the server to make of it."""

    mutation: dict
    valid: bool
    blob: bytes | None = None
    void_of: str | None = None  # entity_id this entry voids


def visit_script(wo_id: str, rng: random.Random) -> list[tuple[str, dict, bytes | None]]:
    """The records of one house call (seed 003), in the order a technician makes them."""
    tag = uuid.uuid4().hex[:8]
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(64)

    def ev(kind, **extra):
        return ("visit_event", {"work_order_id": wo_id, "kind": kind, **extra}, None)

    def ck(step, value="yes"):
        return ("checklist_answer", {"work_order_id": wo_id, "step": step, "value": value}, None)

    return [
        ev("departed"),
        ev("arrived"),
        ev("knock_started"),
        ev("door_answered"),
        ck("identity_confirmed"),
        ck("badge_shown"),
        ev("entered"),
        (
            "diagnosis",
            {
                "work_order_id": wo_id,
                "fault_cause": "主控板电容鼓包",
                "repair_method": "更换主控板",
                "customer_visible": True,
            },
            None,
        ),
        (
            "fee_quote",
            {
                "work_order_id": wo_id,
                # In warranty (bought 200 days ago, 12 months): quoted at 0.00, as fees.compute_quote prices it.
                "schedule_revision": 1,
                "parts": [{"part_number": PART_NUMBER, "quantity": 1}],
                "lines": [
                    {"kind": "call_out", "ref": "", "quantity": 1, "description": "上门费", "amount": "0.00"},
                    {"kind": "labour", "ref": "", "quantity": 0, "description": "工时费", "amount": "0.00"},
                    {"kind": "part", "ref": PART_NUMBER, "quantity": 1, "description": "主控板", "amount": "0.00"},
                ],
                "total": "0.00",
                "consented": True,
                "consented_at": now_iso(),
            },
            None,
        ),
        (
            "part_fitted",
            {
                "work_order_id": wo_id,
                "part_number": PART_NUMBER,
                "serial_fitted": f"SN-{tag}",
                "serial_removed": f"OLD-{tag}",
                "quantity": 1,
                "unit_price": "0.00",
                "under_warranty": True,
            },
            None,
        ),
        (
            "photo",
            {"work_order_id": wo_id, "blob_sha256": hashlib.sha256(photo).hexdigest(), "caption": "更换后的主控板"},
            photo,
        ),
        ev("test_run_ok"),
        ck("test_run", "ok"),
        ev("training_done"),
        ev("completed"),
    ]


def contested_values(role: str, wo: dict) -> dict:
    """What each of a technician's two phones writes on the shared work order while offline."""
    start = datetime.fromisoformat(wo["fields"]["appointment_start"]).astimezone(CST)
    if role == "A":
        new_start, notes, outcome = start + timedelta(hours=1), "A机：主控板已更换，试机正常。", "fixed"
    else:
        new_start, notes, outcome = start + timedelta(days=2), "B机：客户要求周末回访。", "awaiting_parts"
    return {
        "technician_notes": notes,
        "outcome": outcome,
        "appointment_start": new_start.isoformat(),
        "appointment_end": (new_start + timedelta(hours=1)).isoformat(),
    }


class HarnessTimeout(Exception):
    """The run went past its deadline."""


class Phone(threading.Thread):
    """A technician's phone: an outbox emptied only by acknowledgements, pushed through faults."""

    def __init__(
        self,
        index: int,
        role: str,
        token: str,
        work_orders: list[str],
        base_url: str,
        proxy_url: str,
        cfg: Config,
        tally: Tally,
        killer: WorkerKiller,
        barrier: threading.Barrier,
        deadline: float,
        abort: threading.Event,
        seed: int,
    ):
        super().__init__(name=f"phone-{index}", daemon=True)
        self.index, self.role, self.token, self.wo_ids = index, role, token, work_orders
        self.base_url, self.proxy_url, self.cfg, self.tally = base_url, proxy_url, cfg, tally
        self.killer, self.barrier, self.deadline, self.abort = killer, barrier, deadline, abort
        self.rng = random.Random(seed)
        self.device_id = str(uuid.uuid4())
        self.http = self._session()
        self.outbox: list[Entry] = []
        self.released = 0  # entries recorded so far (the day goes on)
        self.acked = 0  # last_seq the server acknowledged
        self.acked_batches: list[list[dict]] = []
        self.first: dict[str, tuple] = {}  # mutation id -> canonical result
        self.uploaded: set[str] = set()
        self.failures = 0
        self.morning: dict[str, dict] = {}
        self.cursor: str | None = None
        self.contested: dict | None = None  # (wo_id, values) written on the shared work order
        # Two offline edits of one job with an office reschedule between them:
        # {wo_id, first_seq, hold, office, values}; the second edit is held until the office is done.
        self.rescheduled: dict | None = None
        self.office_token: str | None = None
        self.last_fault = ""
        self.unsure: dict[str, str] = {}  # first id of a push whose answer never came -> the fault

    def _session(self) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    # ---- the wire, one attempt at a time

    def _check_deadline(self) -> None:
        if self.abort.is_set():
            raise HarnessTimeout(f"{self.name}: run aborted")
        if time.monotonic() > self.deadline:
            raise HarnessTimeout(f"{self.name}: deadline passed with {self.acked}/{len(self.outbox)} acknowledged")

    def request(
        self, method: str, path: str, session: requests.Session | None = None, **kw
    ) -> requests.Response | None:
        """One attempt; None when the connection broke (outcome unknown to the phone)."""
        cut = self.rng.random() < self.cfg.cut_rate
        url = (self.proxy_url if cut else self.base_url) + path
        self.tally.add("requests")
        push = path == "/api/sync/push"
        self.tally.flight(+1, push)
        try:
            response = (session or self.http).request(method, url, timeout=(10, 90), **kw)
        except requests.RequestException:
            self.last_fault = "cut by the proxy" if cut else "broken by a kill"
            self.tally.add(f"requests {self.last_fault}")
            return None
        finally:
            self.tally.flight(-1, push)
        if cut:
            self.tally.problem(f"{self.name}: the proxy let a response through ({response.status_code})")
        if response.status_code >= 500:
            self.tally.add("HTTP 5xx")
            self.tally.problem(f"{self.name}: {method} {path} -> {response.status_code}: {response.text[:500]}")
        return response

    def backoff(self) -> None:
        self.failures += 1
        self.tally.add("retries")
        time.sleep(min(1.0, 0.05 * 2 ** min(self.failures, 6)) * self.rng.uniform(0.5, 1.5))

    def ask(self, method: str, path: str, ok=(200,), **kw) -> requests.Response:
        """Retry until the server answers (any non-5xx); a status outside `ok` is a problem."""
        while True:
            self._check_deadline()
            response = self.request(method, path, **kw)
            if response is not None and response.status_code < 500:
                self.failures = 0
                if response.status_code not in ok:
                    self.tally.problem(f"{self.name}: {method} {path} -> {response.status_code}: {response.text[:300]}")
                return response
            self.backoff()

    def pull_all(self) -> list[dict]:
        """Pull pages from self.cursor until has_more is false."""
        changes: list[dict] = []
        while True:
            query = "?limit=500" + (f"&cursor={self.cursor}" if self.cursor else "")
            page = self.ask("GET", "/api/sync/pull" + query).json()
            if page["reset"]:
                self.cursor = None
                changes.clear()
                continue
            changes.extend(page["changes"])
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return changes

    # ---- the day

    def run(self) -> None:
        try:
            changes = self.pull_all()
            self.morning = {c["id"]: c for c in changes if c["entity"] == "work_order" and c["op"] == "put"}
            self.tally.add(
                "poisoned records pulled as unreadable",
                sum(1 for c in changes if "unreadable" in (c.get("fields") or {})),
            )
            missing = set(self.wo_ids) - set(self.morning)
            if missing:
                raise RuntimeError(f"morning pull lacks work orders {sorted(missing)}")
            morning_cursor = self.cursor
            self.plan_day()
            self.barrier.wait()  # every phone has its base versions before anyone writes
            self.work_day()
            self.cursor = morning_cursor
            self.evening_check()
        except threading.BrokenBarrierError:
            self.tally.problem(f"{self.name}: another phone failed before the day started")
        except Exception:
            self.tally.problem(f"{self.name} crashed:\n{traceback.format_exc()}")
            self.barrier.abort()

    def plan_day(self) -> None:
        """Visits, one void, three invalid entries and the work-order edits, numbered 1..n."""
        items: list[Entry] = []
        for wo in self.wo_ids:
            for entity, fields, blob in visit_script(wo, self.rng):
                items.append(Entry(self._mutation(entity, fields), True, blob))
        wo0 = self.wo_ids[0]

        def insert_after(entry: Entry, after: int = -1) -> None:
            items.insert(self.rng.randint(after + 1, len(items)), entry)

        badge = next(i for i, e in enumerate(items) if e.mutation["fields"].get("step") == "badge_shown")
        target = items[badge].mutation
        insert_after(
            Entry(
                self._mutation("checklist_answer", {}, op="delete", entity_id=target["entity_id"]),
                True,
                void_of=target["entity_id"],
            ),
            badge,
        )
        insert_after(
            Entry(
                self._mutation(
                    "part_fitted",
                    {
                        "work_order_id": wo0,
                        "part_number": "NO-SUCH-PART",
                        "quantity": 1,
                        "unit_price": "9.00",
                        "under_warranty": False,
                    },
                ),
                False,
            )
        )
        insert_after(Entry(self._mutation("visit_event", {"work_order_id": wo0, "kind": "teleported"}), False))
        insert_after(Entry(self._mutation("visit_event", {}, op="delete"), False))  # voids a record that never was
        deep: object = "x"
        for _ in range(20):  # within the request's JSON limits, but no field of the kind
            deep = {"k": deep}
        insert_after(
            Entry(
                self._mutation("visit_event", {"work_order_id": wo0, "kind": "arrived", "data": {"deep": deep}}), False
            )
        )
        if self.role in ("A", "B"):
            values = contested_values(self.role, self.morning[wo0])
            self.contested = {"wo_id": wo0, "values": values}
            insert_after(Entry(self._wo_update(wo0, values), True))
        own = {"A": 1, "B": 2, "solo": 1}[self.role]
        second = None
        if own < len(self.wo_ids):  # edits nobody else makes: the first applies without conflict
            wo_id = self.wo_ids[own]
            first = Entry(self._wo_update(wo_id, {"technician_notes": f"{self.name}：已与客户确认上门时间。"}), True)
            insert_after(first)
            start = datetime.fromisoformat(self.morning[wo_id]["fields"]["appointment_start"]).astimezone(CST)
            mine, office = start + timedelta(days=1), start + timedelta(hours=4)
            values = {"appointment_start": mine.isoformat(), "appointment_end": (mine + timedelta(hours=1)).isoformat()}
            second = Entry(self._wo_update(wo_id, values), True)  # same base: the version pulled this morning
            insert_after(second, items.index(first))
            self.rescheduled = {
                "wo_id": wo_id,
                "first": first,
                "values": values,
                "office": {
                    "appointment_start": office.isoformat(),
                    "appointment_end": (office + timedelta(hours=1)).isoformat(),
                },
            }
        for seq, entry in enumerate(items, start=1):
            entry.mutation["seq"] = seq
        self.outbox = items
        if second is not None:
            self.rescheduled["first_seq"] = self.rescheduled.pop("first").mutation["seq"]
            self.rescheduled["hold"] = items.index(second)  # entries released before the second edit
            self.rescheduled["done"] = False

    def _mutation(self, entity: str, fields: dict, op: str = "create", entity_id: str | None = None) -> dict:
        return {
            "seq": 0,
            "id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id or str(uuid.uuid4()),
            "op": op,
            "fields": fields,
            "base_version": None,
            "at": now_iso(),
        }

    def _wo_update(self, wo_id: str, values: dict) -> dict:
        m = self._mutation("work_order", values, op="update", entity_id=wo_id)
        m["base_version"] = self.morning[wo_id]["version"]
        return m

    def work_day(self) -> None:
        start, n = time.monotonic(), len(self.outbox)
        offline_until = 0.0
        while True:
            self._check_deadline()
            now = time.monotonic()
            self.released = max(self.released, min(n, math.ceil(n * (now - start) / self.cfg.day_seconds)))
            if self.rescheduled and not self.rescheduled["done"]:
                self.released = min(self.released, self.rescheduled["hold"])
                if self.acked >= self.rescheduled["first_seq"]:
                    self.office_reschedules()
            if now >= offline_until:
                if self.rng.random() < 0.08:  # into a basement: entries pile up
                    offline_until = now + self.rng.uniform(1, 3)
                else:
                    self.push_pending()
            if self.acked >= n and self.released >= n:
                if self.killer.finished.is_set():
                    return
                self.idle_traffic()  # the day is done; keep syncing like an open app does
            time.sleep(self.rng.uniform(0.15, 0.5))

    def office_reschedules(self) -> None:
        """The office moves the appointment after the first offline edit arrived, before the second is made."""
        office = self._session()
        office.headers["Authorization"] = f"Bearer {self.office_token}"
        try:
            self.ask(
                "PATCH",
                f"/api/work-orders/{self.rescheduled['wo_id']}",
                session=office,
                json=self.rescheduled["office"],
            )
        finally:
            office.close()
        self.tally.add("office reschedules between two offline edits")
        self.rescheduled["done"] = True

    def idle_traffic(self) -> None:
        if self.acked_batches and self.rng.random() < 0.7:
            self.replay()
        else:
            self.pull_all()

    def push_pending(self) -> None:
        while self.acked < self.released:
            self._check_deadline()
            limit = self.rng.randint(1, self.cfg.batch_max)
            batch = [e.mutation for e in self.outbox[self.acked : min(self.released, self.acked + limit)]]
            self.upload_blobs(self.outbox[self.acked : self.acked + len(batch)])
            if self.rng.random() < self.cfg.twin_rate:
                self.tally.add("batches sent twice at once")
                responses = self.twin_push(batch)
            else:
                responses = [self.post_push(batch)]
                if responses[0] is None:
                    self.unsure.setdefault(batch[0]["id"], self.last_fault)
            results = [self.take(r, batch) for r in responses]
            if not any(results):
                self.backoff()
                continue
            self.failures = 0
            if self.rng.random() < self.cfg.replay_rate:
                self.replay()

    def upload_blobs(self, entries: list[Entry]) -> None:
        """The photo's file goes up before the record that refers to it."""
        for entry in entries:
            if entry.blob is None:
                continue
            sha = entry.mutation["fields"]["blob_sha256"]
            if sha in self.uploaded:
                continue
            self.ask("PUT", f"/api/blobs/{sha}", ok=(200, 201), data=entry.blob, headers={"Content-Type": "image/png"})
            self.uploaded.add(sha)

    def post_push(self, batch: list[dict], session: requests.Session | None = None) -> requests.Response | None:
        body = {"device_id": self.device_id, "device_time": now_iso(), "mutations": batch}
        return self.request("POST", "/api/sync/push", session=session, json=body)

    def twin_push(self, batch: list[dict]) -> list[requests.Response | None]:
        """The same batch on two connections at once (a flaky network retransmitting)."""
        out: list = [None, None]
        twin = self._session()

        def second():
            out[1] = self.post_push(batch, session=twin)

        t = threading.Thread(target=second)
        t.start()
        out[0] = self.post_push(batch)
        t.join()
        twin.close()
        return out

    def take(self, response: requests.Response | None, batch: list[dict]) -> bool:
        """Absorb one push response; True when it acknowledged something."""
        if response is None or response.status_code >= 500:
            return False
        if response.status_code == 409:
            expected = response.json().get("expected_seq")
            self.tally.problem(
                f"{self.name}: 409 sequence gap for a batch from seq {batch[0]['seq']} "
                f"(acked {self.acked}, server expects {expected})"
            )
            if isinstance(expected, int):
                self.acked = min(self.acked, expected - 1)
            return False
        if response.status_code != 200:
            self.tally.problem(f"{self.name}: push -> {response.status_code}: {response.text[:300]}")
            return False
        body = response.json()
        results = body["results"]
        if sorted(r["id"] for r in results) != sorted(m["id"] for m in batch):
            self.tally.problem(f"{self.name}: results do not match the batch one to one")
        if body["last_seq"] < batch[-1]["seq"]:
            self.tally.problem(
                f"{self.name}: last_seq {body['last_seq']} below the batch's last seq {batch[-1]['seq']}"
            )
        entries = {e.mutation["id"]: e for e in self.outbox}
        for r in results:
            self.record_result(r, entries.get(r["id"]))
        self.acked = max(self.acked, body["last_seq"])
        self.acked_batches.append(batch)
        return True

    def record_result(self, r: dict, entry: Entry | None) -> None:
        status = r["status"]
        self.tally.add(f"responses: {status}")
        if status == "duplicate":
            self.tally.add("duplicates absorbed")
        canonical = (
            r.get("original_status") if status == "duplicate" else status,
            r["version"],
            r["error"],
            r["conflict"],
        )
        if r["id"] not in self.first and r["id"] in self.unsure:
            # The first answer we get says whether the attempt that broke had committed.
            fault = self.unsure.pop(r["id"])
            self.tally.add(f"{fault}: {'had committed' if status == 'duplicate' else 'had not committed'}")
        first = self.first.setdefault(r["id"], canonical)
        if first != canonical:
            self.tally.problem(f"{self.name}: mutation {r['id']} answered {canonical} after {first}")
        if entry is None:
            return
        if entry.valid and canonical[0] == "rejected":
            self.tally.problem(
                f"{self.name}: valid {entry.mutation['entity']} {entry.mutation['op']} rejected: {r['error']}"
            )
        if not entry.valid and canonical[0] != "rejected":
            self.tally.problem(f"{self.name}: invalid {entry.mutation['entity']} was {canonical[0]}")

    def replay(self) -> None:
        """Resend a batch the server already acknowledged: every entry must come back a duplicate."""
        batch = self.rng.choice(self.acked_batches)
        self.tally.add("acknowledged batches replayed")
        response = self.post_push(batch)
        if response is None or response.status_code != 200:
            return
        entries = {e.mutation["id"]: e for e in self.outbox}
        for r in response.json()["results"]:
            if r["status"] != "duplicate":
                self.tally.problem(f"{self.name}: replayed mutation {r['id']} came back {r['status']}")
            self.record_result(r, entries.get(r["id"]))

    def evening_check(self) -> None:
        """Everything this phone recorded comes back in a pull (voided ones as deletes)."""
        seen = {(c["entity"], c["id"]): c["op"] for c in self.pull_all()}
        voided = {e.void_of for e in self.outbox if e.void_of}
        for e in self.outbox:
            m = e.mutation
            if not e.valid or m["op"] != "create":
                continue
            want = "delete" if m["entity_id"] in voided else "put"
            got = seen.get((m["entity"], m["entity_id"]))
            if got != want:
                self.tally.problem(f"{self.name}: pull shows {m['entity']} {m['entity_id']} as {got}, expected {want}")


# ---------------------------------------------------------------- the verdict, from the database


@dataclass
class Report:
    """What happened, what the database holds, and every problem found."""

    counts: dict
    problems: list[str]
    db_url: str
    log_path: Path
    sent: list[dict] = field(default_factory=list)  # {id, device_id, seq, entity, entity_id, op, valid}
    contested: list[dict] = field(default_factory=list)  # {wo_id, field, values: [a, b]}
    work_orders: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.counts.get("lost") == 0


def _same(field_name: str, a, b) -> bool:
    """Equal values, datetimes compared as instants whatever their offset."""
    if field_name.startswith("appointment_") and a is not None and b is not None:

        def dt(v):
            d = v if isinstance(v, datetime) else datetime.fromisoformat(str(v))
            return d if d.tzinfo else d.replace(tzinfo=UTC)

        return dt(a) == dt(b)
    return a == b


def sent_entries(phones: list[Phone]) -> list[dict]:
    """Every outbox entry of every phone, flat: what the server must account for."""
    return [
        {
            "id": e.mutation["id"],
            "device_id": p.device_id,
            "seq": e.mutation["seq"],
            "entity": e.mutation["entity"],
            "entity_id": e.mutation["entity_id"],
            "op": e.mutation["op"],
            "valid": e.valid,
        }
        for p in phones
        for e in p.outbox
    ]


def read_database(url: str, ids: list[str], device_ids: list[str], wo_ids: list[str]) -> dict:
    """The rows the verdict is drawn from, read straight from PostgreSQL."""
    engine = sa.create_engine(_sa_url(url))
    try:
        with engine.connect() as conn:

            def rows(sql: str, **params):
                return conn.execute(sa.text(sql), params).all()

            return {
                "mutations": rows("SELECT id, status, result FROM mutations WHERE id = ANY(:ids)", ids=ids),
                "devices": dict(rows("SELECT id, last_seq FROM devices WHERE id = ANY(:ids)", ids=device_ids)),
                "visits": {
                    t: rows(f"SELECT id, deleted FROM {t} WHERE work_order_id = ANY(:wo)", wo=wo_ids)
                    for t in VISIT_TABLES
                },
                "conflicts": rows(
                    "SELECT entity_id, field, rule, losing_value FROM conflicts "
                    "WHERE entity = 'work_order' AND entity_id = ANY(:wo)",
                    wo=wo_ids,
                ),
                "work_orders": {
                    r.id: r
                    for r in rows(
                        "SELECT id, technician_notes, outcome, appointment_start, appointment_end FROM work_orders "
                        "WHERE id = ANY(:wo)",
                        wo=wo_ids,
                    )
                },
            }
    finally:
        engine.dispose()


def check_mutations(sent: list[dict], db: dict, phones: list[Phone], problems: list[str]) -> list[str]:
    """One server record per mutation, rejected exactly when invalid, with a reason; returns the lost ids."""
    per_id = Counter(r.id for r in db["mutations"])
    status = {r.id: r.status for r in db["mutations"]}
    lost = [s["id"] for s in sent if s["id"] not in per_id]
    problems += [f"lost: mutation {i} has no server record" for i in lost[:10]]
    if any(n > 1 for n in per_id.values()):
        problems.append("a mutation id has more than one server record")
    for r in db["mutations"]:
        if r.status == "rejected" and not ((r.result or {}).get("error") or {}).get("message"):
            problems.append(f"rejected mutation {r.id} has no reason")
    for s in sent:
        got = status.get(s["id"])
        if got is not None and (got == "rejected") == s["valid"]:
            problems.append(f"{s['entity']} {s['op']} {s['id']} (valid={s['valid']}) is stored as {got}")
    for p in phones:
        if db["devices"].get(p.device_id) != len(p.outbox):
            problems.append(f"{p.name}: server last_seq {db['devices'].get(p.device_id)}, outbox has {len(p.outbox)}")
        if p.acked != len(p.outbox):
            problems.append(f"{p.name}: only {p.acked}/{len(p.outbox)} entries acknowledged")
    return lost


def check_visit_records(sent: list[dict], db: dict, voided: set[str], problems: list[str]) -> int:
    """Each valid record stored once (voided ones as tombstones); returns how many rows are extra."""
    duplicated = 0
    for entity, table in TABLE_OF.items():
        want = {s["entity_id"] for s in sent if s["entity"] == entity and s["op"] == "create" and s["valid"]}
        rows = db["visits"][table]
        got = {r.id for r in rows}
        extra = len(rows) - len(want & got)
        duplicated += extra
        if extra:
            problems.append(f"{table}: {extra} record(s) beyond the {len(want)} sent")
        if want - got:
            problems.append(f"{table}: {len(want - got)} sent record(s) missing")
        problems += [
            f"{table} {r.id}: deleted={r.deleted} but voided={r.id in voided}"
            for r in rows
            if r.deleted != (r.id in voided)
        ]
    return duplicated


def check_conflicts(phones: list[Phone], db: dict, problems: list[str]) -> tuple[list[dict], int, int]:
    """Each value two phones fought over: kept, merged, or in the conflict log exactly once.

    Returns the contested fields, how many conflict rows were expected, and how many
    overwritten values the log misses.
    """
    pairs: dict[str, list[dict]] = {}
    for p in phones:
        if p.contested:
            pairs.setdefault(p.contested["wo_id"], []).append(p.contested["values"])
    contested, expected, unlogged = [], 0, 0
    for wo_id, edits in pairs.items():
        for name in CONTESTED_FIELDS:
            a, b = edits[0][name], edits[1][name]
            contested.append({"wo_id": wo_id, "field": name, "values": [a, b]})
            if _same(name, a, b):
                continue
            expected += 1
            rows = [c for c in db["conflicts"] if c.entity_id == wo_id and c.field == name]
            kept = getattr(db["work_orders"][wo_id], name)
            if len(rows) != 1:
                problems.append(f"work order {wo_id} {name}: {len(rows)} conflict rows, expected 1")
            if name == "technician_notes":  # merged text: nothing may be missing from it
                if not (a in (kept or "") and b in (kept or "")):
                    problems.append(f"work order {wo_id} notes lost text: {kept!r}")
                continue
            for value in (a, b):
                if not _same(name, value, kept) and not any(
                    _same(name, c.losing_value.get("value"), value) for c in rows
                ):
                    unlogged += 1
                    problems.append(
                        f"work order {wo_id} {name}: overwritten value {value!r} is not in the conflict log"
                    )
    for p in phones:
        if not p.rescheduled:
            continue
        wo_id, kept = p.rescheduled["wo_id"], db["work_orders"][p.rescheduled["wo_id"]]
        if any(c.entity_id == wo_id and c.field == "technician_notes" for c in db["conflicts"]):
            problems.append(f"work order {wo_id}: the phone's own first edit was logged as a conflict")
        for name, office_value in p.rescheduled["office"].items():
            expected += 1
            contested.append(
                {
                    "wo_id": wo_id,
                    "field": name,
                    "values": [office_value, p.rescheduled["values"][name]],
                    "office": office_value,
                }
            )
            rows = [c for c in db["conflicts"] if c.entity_id == wo_id and c.field == name]
            if not _same(name, getattr(kept, name), p.rescheduled["values"][name]):
                problems.append(f"work order {wo_id} {name}: the phone's later edit did not apply")
            if len(rows) != 1 or not _same(name, rows[0].losing_value.get("value"), office_value):
                unlogged += 1
                problems.append(
                    f"work order {wo_id} {name}: the office's {office_value!r}, overwritten by a second "
                    f"offline edit, is not in the conflict log ({len(rows)} rows)"
                )
    fought = {(c["wo_id"], c["field"]) for c in contested}
    problems += [
        f"unexpected conflict row: work order {c.entity_id} field {c.field}"
        for c in db["conflicts"]
        if (c.entity_id, c.field) not in fought
    ]
    return contested, expected, unlogged


def verify(url: str, phones: list[Phone], tally: Tally) -> tuple[dict, list[str], list[dict], list[dict]]:
    """Compare what the phones sent with what the database holds: counts, problems, sent, contested."""
    sent = sent_entries(phones)
    db = read_database(
        url, [s["id"] for s in sent], [p.device_id for p in phones], sorted({w for p in phones for w in p.wo_ids})
    )
    problems: list[str] = []
    lost = check_mutations(sent, db, phones, problems)
    voided = {e.void_of for p in phones for e in p.outbox if e.void_of}
    duplicated = check_visit_records(sent, db, voided, problems)
    contested, expected, unlogged = check_conflicts(phones, db, problems)
    statuses = Counter(r.status for r in db["mutations"])
    counts = {
        "sent": len({s["id"] for s in sent}),
        "applied": statuses["applied"],
        "merged": statuses["merged"],
        "duplicates": tally.counts["duplicates absorbed"],
        "rejected": statuses["rejected"],
        "lost": len(lost),
        "duplicated": duplicated,
        "conflicts": len(db["conflicts"]),
        "conflicts_expected": expected,
        "unlogged": unlogged,
    }
    return counts, problems, sent, contested


# ---------------------------------------------------------------- the run


def server_tracebacks(log: str) -> list[str]:
    """The last line of each traceback in gunicorn's log (a killed worker leaves none)."""
    out = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = [ln for ln in block.splitlines() if ln and not ln.startswith(" ")]
        out.append(lines[0] if lines else "?")
    return out


def office_view(base_url: str, token: str, phones: list[Phone]) -> tuple[dict, list[str]]:
    """What a dispatcher sees afterwards: every rejected entry listed with its reason, the conflicts."""
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str):
        for _ in range(20):  # the last killed worker may still be coming back
            try:
                response = requests.get(base_url + path, headers=headers, timeout=30)
                if response.status_code == 200:
                    return response.json()
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"GET {path} kept failing")

    problems = []
    listed = {r["id"]: r for r in get("/api/sync/rejected?limit=500")}
    for p in phones:
        for e in p.outbox:
            row = listed.get(e.mutation["id"])
            if not e.valid and not (row and (row.get("error") or {}).get("message")):
                problems.append(
                    f"rejected {e.mutation['entity']} {e.mutation['id']} not listed with a reason for the office"
                )
            if e.valid and row:
                problems.append(f"valid {e.mutation['entity']} {e.mutation['id']} listed as rejected")
    wo_ids = {w for p in phones for w in p.wo_ids}
    conflicts = [c for c in get("/api/sync/conflicts?limit=500") if c["entity_id"] in wo_ids]
    # The office pulls everything, the poisoned record too (issue #12 finding 2): every page answers.
    unreadable, cursor = 0, None
    while True:
        page = get("/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        unreadable += sum(1 for c in page["changes"] if "unreadable" in (c.get("fields") or {}))
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    counts = {
        "office_rejected": len(listed),
        "office_conflicts": len(conflicts),
        "office_unreadable_pulled": unreadable,
    }
    return counts, problems


def run_day(
    phones: list[Phone], killer: WorkerKiller, barrier: threading.Barrier, deadline: float, tally: Tally
) -> float:
    """Phones sync their day while the killer works; returns how long it took."""
    started = time.monotonic()
    for p in phones:
        p.start()
    try:
        barrier.wait(timeout=max(1.0, deadline - time.monotonic()))
        killer.start()  # once every phone holds its base versions
    except threading.BrokenBarrierError:
        killer.finished.set()
    for p in phones:
        p.join(max(0.0, deadline - time.monotonic()) + 5)
    killer.stop.set()
    if killer.is_alive():
        killer.join(10)
    for p in phones:
        if p.is_alive():
            tally.problem(f"{p.name} still running at the deadline")
    return time.monotonic() - started


def fault_counts(tally: Tally, killer: WorkerKiller, respawns: int) -> dict:
    """How hard the server was hit, for the table."""
    t = tally.counts
    return {
        "http_5xx": t["HTTP 5xx"],
        "kills": sum(killer.kills.values()),
        "kills_mid_request": killer.kills["mid-request"],
        "kills_reported": respawns,
        "broken_by_kill": t["requests broken by a kill"],
        "broken_by_kill_split": f"{t['broken by a kill: had committed']} / {t['broken by a kill: had not committed']}",
        "cut_by_proxy": t["requests cut by the proxy"],
        "cut_by_proxy_split": f"{t['cut by the proxy: had committed']} / {t['cut by the proxy: had not committed']}",
        "replays": t["acknowledged batches replayed"],
        "unreadable_pulled": t["poisoned records pulled as unreadable"],
        "office_reschedules": t["office reschedules between two offline edits"],
        "twins": t["batches sent twice at once"],
        "retries": t["retries"],
        "requests": t["requests"],
    }


def run(cfg: Config, keep_database: bool = False, keep_logs: bool = False, echo=print) -> Report:
    """One full run; the database is dropped afterwards unless keep_database (then drop_database it).

    Logs (gunicorn's) are kept when something went wrong, or with keep_logs.
    """
    seed_value = cfg.seed if cfg.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed_value)
    tmp = Path(tempfile.mkdtemp(prefix="onsite-faults-"))
    tally = Tally()
    db_url = create_database(cfg.pg_url)
    server = proxy = killer = None
    phones: list[Phone] = []
    abort = threading.Event()
    started = time.monotonic()
    report = None
    try:
        echo(f"[faults] database {sa.engine.make_url(db_url).database}: migrating and seeding (seed {seed_value})")
        migrate(db_url)
        technicians, office_token = seed(db_url, cfg)
        server = Gunicorn(db_url, tmp, cfg)
        server.wait_ready()
        echo(
            f"[faults] gunicorn with {cfg.workers} workers on port {server.port}; "
            f"{cfg.devices} phones, {cfg.kills} kills"
        )
        proxy = CuttingProxy(server.port, random.Random(rng.random()))
        killer = WorkerKiller(server, tally, cfg.kills, random.Random(rng.random()), cfg.kill_gap)
        barrier = threading.Barrier(cfg.devices + 1)
        deadline = time.monotonic() + cfg.deadline_s
        for i in range(cfg.devices):
            tech = technicians[i // 2]
            role = "solo" if (i % 2 == 0 and i + 1 == cfg.devices) else "AB"[i % 2]
            phones.append(
                Phone(
                    i,
                    role,
                    tech.tokens[i % 2],
                    tech.work_orders,
                    server.url,
                    proxy.url,
                    cfg,
                    tally,
                    killer,
                    barrier,
                    deadline,
                    abort,
                    rng.randrange(1 << 30),
                )
            )
            phones[-1].office_token = office_token
        day = run_day(phones, killer, barrier, deadline, tally)
        if not server.wait_workers(10):
            tally.problem(f"gunicorn has {len(server.workers())} of {cfg.workers} workers after the kills")
        office_counts, office_problems = office_view(server.url, office_token, phones)
        server.stop()
        proxy.stop()
        counts, problems, sent, contested = verify(db_url, phones, tally)
        counts.update(office_counts)
        problems += office_problems
        traces = server_tracebacks(server.log_path.read_text(errors="replace"))
        for line, n in Counter(traces).items():
            problems.append(f"gunicorn log: {n} traceback(s) ending in: {line}")
        respawns = server.log_path.read_text(errors="replace").count("was sent SIGKILL")
        counts.update(fault_counts(tally, killer, respawns))
        counts.update(
            {
                "phones_orders": f"{cfg.devices} / {len({w for tech in technicians for w in tech.work_orders})}",
                "seed": seed_value,
                "seconds": f"{day:.1f} / {time.monotonic() - started:.1f}",
            }
        )
        if respawns != counts["kills"]:
            problems.append(f"{counts['kills']} kills but gunicorn reported {respawns}")
        if sum(killer.kills.values()) < cfg.kills:
            problems.append(f"only {sum(killer.kills.values())} of {cfg.kills} kills happened")
        report = Report(
            counts,
            tally.problems + problems,
            db_url,
            server.log_path,
            sent,
            contested,
            sorted({w for t in technicians for w in t.work_orders}),
        )
        return report
    finally:
        abort.set()
        if killer is not None:
            killer.stop.set()
        if proxy is not None:
            proxy.stop()
        if server is not None:
            server.stop()
        if not keep_database or report is None:
            drop_database(cfg.pg_url, db_url)
        if report is not None and report.ok and not keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            echo(f"[faults] logs kept in {tmp}")


LABELS = {  # report.counts key -> row of the printed table, in order
    "sent": "sent (unique mutation ids)",
    "applied": "applied",
    "merged": "merged (applied, with conflict)",
    "duplicates": "duplicates absorbed",
    "rejected": "rejected (each with its reason)",
    "lost": "lost",
    "duplicated": "duplicated records",
    "conflicts": "conflicts logged",
    "conflicts_expected": "  expected (overwritten/merged values)",
    "unlogged": "  overwritten values not logged",
    "office_rejected": "rejected listed for the office",
    "office_conflicts": "conflicts listed for the office",
    "office_unreadable_pulled": "poisoned records in the office's pull, as unreadable",
    "http_5xx": "HTTP 5xx",
    "kills": "worker SIGKILLs",
    "kills_mid_request": "  of a worker serving a request",
    "kills_reported": "  reported by gunicorn",
    "broken_by_kill": "requests broken by a kill",
    "broken_by_kill_split": "  push had committed / had not",
    "cut_by_proxy": "responses cut by the proxy",
    "cut_by_proxy_split": "  push had committed / had not",
    "replays": "acknowledged batches replayed",
    "unreadable_pulled": "poisoned records pulled as unreadable",
    "office_reschedules": "office reschedules between two offline edits",
    "twins": "batches sent twice at once",
    "retries": "retries (with backoff)",
    "requests": "requests",
    "phones_orders": "phones / work orders",
    "seed": "seed (--seed to repeat)",
    "seconds": "day / total seconds",
}


def format_table(report: Report) -> str:
    """The counts as a two-column table, then the verdict and any problems."""
    width = max(len(v) for v in LABELS.values()) + 2
    lines = ["", "Fault-injection run", "-" * (width + 20)]
    lines += [f"{LABELS[k]:<{width}}{report.counts[k]}" for k in LABELS if k in report.counts]
    lines.append("-" * (width + 20))
    lines.append("result: OK" if report.ok else f"result: {len(report.problems)} problem(s)")
    lines += [f"  - {p}" for p in report.problems[:40]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=Config.devices, help="simulated phones (two per technician)")
    parser.add_argument("--kills", type=int, default=Config.kills, help="workers to SIGKILL mid-request")
    parser.add_argument("--orders", type=int, default=Config.orders_per_technician, help="work orders per technician")
    parser.add_argument(
        "--day-seconds", type=float, default=Config.day_seconds, help="how long the day's recording lasts"
    )
    parser.add_argument("--batch-max", type=int, default=Config.batch_max, help="largest push batch")
    parser.add_argument("--workers", type=int, default=Config.workers, help="gunicorn workers")
    parser.add_argument("--no-preload", action="store_true", help="let each worker import the app itself")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep-logs", action="store_true", help="keep gunicorn's log even when all is well")
    args = parser.parse_args(argv)
    if args.devices < 1 or args.orders < 1 or args.kills < 0:
        parser.error("devices and orders must be at least 1, kills at least 0")
    cfg = Config(
        devices=args.devices,
        kills=args.kills,
        orders_per_technician=args.orders,
        day_seconds=args.day_seconds,
        batch_max=args.batch_max,
        workers=args.workers,
        preload=not args.no_preload,
        seed=args.seed,
    )
    report = run(cfg, keep_logs=args.keep_logs)
    print(format_table(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
