"""Browser tests: the Flask app on a free port (SQLite file, seeded), Debian's chromium via Playwright."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct horse battery"
TECH_EMAIL = "tech1@e2e.onsite"
CST = timezone(timedelta(hours=8))  # the service area's time zone (and the browser's)
VIEWPORT = {"width": 360, "height": 740}
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def _have_browser() -> bool:
    if not os.path.exists(CHROMIUM):
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    if _have_browser():
        return
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium and the playwright package (scripts/setup --browser)")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Seed:
    tech_id: str
    wo_in_warranty: str
    wo_out_of_warranty: str
    tickets: dict = field(default_factory=dict)


def seed(app) -> Seed:
    """Two jobs today for tech1 (one product in warranty, one out), the catalogue and van stock."""
    from server.auth.passwords import hash_password
    from server.extensions import db
    from server.models import Customer, Part, Product, User, VanStock
    from server.services.work_orders import create_work_order

    with app.app_context():
        db.create_all()
        users = {}
        for key, email, role, name in (
            ("tech1", TECH_EMAIL, "technician", "王师傅"),
            ("tech2", "tech2@e2e.onsite", "technician", "李师傅"),
            ("dispatcher", "dispatch@e2e.onsite", "dispatcher", "客服小张"),
        ):
            users[key] = User(
                email=email,
                name=name,
                role=role,
                password_hash=hash_password(PASSWORD),
                webauthn_user_handle=secrets.token_bytes(32),
            )
            db.session.add(users[key])
        c1 = Customer(name="张伟", phone="13800000001", address="上海市浦东新区世纪大道 100 号 3 楼", tier="vip")
        c2 = Customer(name="Anna Li", phone="13800000002", address="北京市朝阳区建国路 8 号", locale="en")
        db.session.add_all([c1, c2])
        db.session.flush()
        p1 = Product(
            customer_id=c1.id,
            model="AC-3000",
            name="变频空调",
            serial_no="AC3K-0001",
            purchase_date=date.today() - timedelta(days=100),
            warranty_months=12,
        )
        p2 = Product(
            customer_id=c2.id,
            model="WM-800",
            name="滚筒洗衣机",
            serial_no="WM8-0002",
            purchase_date=date.today() - timedelta(days=800),
            warranty_months=24,
        )
        board = Part(
            part_number="PCB-220",
            name="主控板",
            name_en="Main board",
            price="180.00",
            barcode="6901234567892",
            barcode_formats=["ean_13"],
            serialised=True,
        )
        belt = Part(
            part_number="BLT-10",
            name="传动皮带",
            name_en="Drive belt",
            price="35.50",
            barcode="BLT10",
            barcode_formats=["code_128"],
            serialised=False,
        )
        db.session.add_all([p1, p2, board, belt])
        db.session.flush()
        now = datetime.now(CST)
        today = datetime.combine(now.date(), datetime.min.time(), CST)
        # The first job started (up to) an hour ago, today: arriving now is late.
        started = max(today, now - timedelta(hours=1))
        base = {"channel": "phone", "type": "repair", "technician_id": users["tech1"].id}
        wo1 = create_work_order(
            {
                **base,
                "priority": "normal",
                "customer_id": c1.id,
                "product_id": p1.id,
                "fault_description": "空调不制冷，外机不启动",
                "appointment_start": started,
                "appointment_end": started + timedelta(hours=1),
            },
            users["dispatcher"],
        )
        wo2 = create_work_order(
            {
                **base,
                "priority": "urgent",
                "customer_id": c2.id,
                "product_id": p2.id,
                "fault_description": "Drum does not turn; loud noise",
                "appointment_start": today + timedelta(hours=23),
                "appointment_end": today + timedelta(hours=23, minutes=50),
            },
            users["dispatcher"],
        )
        db.session.add_all(
            [
                VanStock(technician_id=users["tech1"].id, part_id=board.id, quantity=3),
                VanStock(technician_id=users["tech1"].id, part_id=belt.id, quantity=5),
            ]
        )
        db.session.commit()
        return Seed(users["tech1"].id, wo1.id, wo2.id, {wo1.id: wo1.ticket_no, wo2.id: wo2.ticket_no})


class LiveServer:
    """The app served by werkzeug in a thread; stop() and start() simulate the network going
    away, block() makes chosen paths fail with 503 (a server that is up but not syncing)."""

    def __init__(self, app, port: int):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self.blocked: tuple[str, ...] = ()
        self._server = None
        self._thread = None

    def block(self, *prefixes: str) -> None:
        self.blocked = prefixes

    def _wsgi(self, environ, start_response):
        if self.blocked and environ.get("PATH_INFO", "").startswith(self.blocked):
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"code": 503, "message": "blocked by the test"}']
        return self.app(environ, start_response)

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


def start_live(tmp_path, port: int | None = None, **config) -> LiveServer:
    """A fresh app and seeded database served on `port` (a free one by default)."""
    from server import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.db'}",
            "BLOB_DIR": str(tmp_path / "blobs"),
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "SERVICE_PHONE": "400-820-1234",
            "FEE_SCHEDULE": {"call_out": "50.00", "labour": "80.00"},
            "PUSH_ENDPOINT_PLAIN_HTTP": True,  # the test's local push service
            **config,
        }
    )
    data = seed(app)
    server = LiveServer(app, port or free_port())
    server.start()
    server.seed = data
    return server


def stop_live(server: LiveServer) -> None:
    from server.extensions import db

    server.stop()
    with server.app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live(tmp_path):
    """A fresh app and database per test, served on a free port."""
    server = start_live(tmp_path)
    yield server
    stop_live(server)


class Browser:
    """Opens (and reopens) a persistent Chromium profile: closing and reopening keeps its storage."""

    def __init__(self, pw, profile: Path, extra_args=()):
        self.pw, self.profile, self.extra_args = pw, profile, list(extra_args)
        self.context = None

    def open(self):
        self.context = self.pw.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + self.extra_args,
            viewport=VIEWPORT,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            service_workers="allow",
        )
        self.context.set_default_timeout(30_000)  # CI machines are shared: be patient, not flaky
        self.errors = []
        self.context.on("weberror", lambda e: self.errors.append(str(e.error)))
        self.console_errors = []
        self.context.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        return self.context

    def csp_violations(self) -> list[str]:
        """Console errors that are Content-Security-Policy refusals (inline script or style...)."""
        return [m for m in self.console_errors if "Content Security Policy" in m]

    def page(self):
        pages = self.context.pages
        return pages[0] if pages else self.context.new_page()

    def close(self):
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture
def browser(playwright_instance, tmp_path):
    b = Browser(playwright_instance, tmp_path / "profile")
    b.open()
    yield b
    b.close()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
