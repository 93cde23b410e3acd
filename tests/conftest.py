"""Shared fixtures: a fresh app and database per test, on SQLite and (if configured) PostgreSQL."""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from server import create_app
from server.extensions import db as _db
from server.models import Customer, Part, Product, User, VanStock

PG_URL = os.environ.get("TEST_POSTGRES_URL")
TEST_DATA_KEYS = "t1:" + "A" * 43  # 32 zero bytes, base64url: fixed so tests are repeatable
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct horse battery"
# Argon2id like production, with light parameters: verification cost comes from the
# hash itself, so signing in during tests stays fast while exercising the same code.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
_pg_schema_ready = False


_pg_database: str | None = None


def pg_admin_url() -> str:
    """TEST_POSTGRES_URL with the psycopg 3 driver named (the server's own database)."""
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_url() -> str:
    """A database of this test run's own, so parallel runs on one server never collide."""
    global _pg_database
    admin = sa.engine.make_url(pg_admin_url())
    if _pg_database is None:
        _pg_database = f"onsite_test_{os.getpid()}_{secrets.token_hex(3)}"
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{_pg_database}"'))
        engine.dispose()
    return admin.set(database=_pg_database).render_as_string(hide_password=False)


def drop_pg_database() -> None:
    """Drop this run's database (end of session)."""
    if _pg_database is None:
        return
    engine = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_pg_database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _pg_cleanup():
    yield
    drop_pg_database()


def test_config(tmp_path, backend: str) -> dict:
    """Config for a test app: its own database, blobs under tmp_path, high rate limits."""
    url = f"sqlite:///{tmp_path / 'test.db'}" if backend == "sqlite" else pg_url()
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATA_KEYS": TEST_DATA_KEYS,
        "PHONE_HASH_KEY": "test-phone-hash-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "BLOB_DIR": str(tmp_path / "blobs"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PUSH_ENDPOINT_PLAIN_HTTP": True,  # the tests' local push service (tests/notify/push_endpoint.py)
        "NOTIFY_QUEUE": "manual",  # no delivery thread racing the test's database (tests/notify deliver)
    }


def reset_database(backend: str) -> None:
    """An empty schema: created fresh on SQLite, truncated on PostgreSQL (faster than DDL)."""
    global _pg_schema_ready
    if backend == "sqlite":
        _db.create_all()
        return
    if not _pg_schema_ready:
        _db.drop_all()
        _db.create_all()
        _pg_schema_ready = True
    names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    _db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    _db.session.commit()


def isolate_requests(app) -> None:
    """Give each test request a clean `g`.

    Tests keep an app context pushed (to use db.session), and Flask then reuses it for
    every request, so `g` (where Flask-Login caches the user, Flask-WTF the CSRF token
    and Flask-Limiter its bookkeeping) would leak from one client's request to the next.
    In production every request has its own app context.
    """
    from flask import g

    def _fresh_g():
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(tmp_path, backend):
    app = create_app(test_config(tmp_path, backend))
    isolate_requests(app)
    with app.app_context():
        reset_database(backend)
        yield app
        _db.session.remove()
        _db.engine.dispose()
        app.wsgi_app.dispose()  # the idle-pull lane's own connections


@pytest.fixture
def db(app):
    return _db


class ApiClient:
    """A test client that signs in and sends the CSRF token with every write, as the PWA does."""

    def __init__(self, app):
        self.client = app.test_client()
        self.csrf = None

    def _token(self) -> str:
        if self.csrf is None:
            self.csrf = self.client.get("/api/auth/session").get_json()["csrf_token"]
        return self.csrf

    def login(self, email: str, password: str = PASSWORD):
        response = self.post("/api/auth/login", json={"email": email, "password": password})
        self.csrf = None  # a new session, a new token
        return response

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def _write(self, method, url, **kw):
        headers = {"X-CSRFToken": self._token(), **kw.pop("headers", {})}
        return getattr(self.client, method)(url, headers=headers, **kw)

    def post(self, url, **kw):
        return self._write("post", url, **kw)

    def put(self, url, **kw):
        return self._write("put", url, **kw)

    def patch(self, url, **kw):
        return self._write("patch", url, **kw)

    def delete(self, url, **kw):
        return self._write("delete", url, **kw)


def make_user(email: str, role: str, name: str | None = None) -> User:
    user = User(
        email=email,
        name=name or email.split("@")[0],
        role=role,
        password_hash=PASSWORD_HASH,
        webauthn_user_handle=secrets.token_bytes(32),
    )
    _db.session.add(user)
    return user


@pytest.fixture
def people(app):
    """One user per role plus a second technician, committed."""
    users = {
        "tech1": make_user("tech1@test.onsite", "technician", "王师傅"),
        "tech2": make_user("tech2@test.onsite", "technician", "李师傅"),
        "dispatcher": make_user("dispatch@test.onsite", "dispatcher", "客服小张"),
        "manager": make_user("manager@test.onsite", "manager", "售后主管"),
    }
    _db.session.commit()
    return users


@pytest.fixture
def client_for(app, people):
    """client_for('tech1') -> an ApiClient signed in as that person."""

    def make(who: str) -> ApiClient:
        client = ApiClient(app)
        response = client.login(people[who].email)
        assert response.status_code == 200, response.get_json()
        return client

    return make


@pytest.fixture
def world(app, people):
    """Two customers with a product each, one work order per technician, a part and van stock."""
    from server.services.work_orders import create_work_order

    c1 = Customer(name="张伟", phone="13800000001", address="上海市浦东新区世纪大道 100 号", tier="vip")
    c2 = Customer(name="Anna Li", phone="13800000002", address="北京市朝阳区建国路 8 号", locale="en")
    _db.session.add_all([c1, c2])
    _db.session.flush()
    p1 = Product(
        customer_id=c1.id,
        model="AC-3000",
        serial_no="AC3K-0001",
        purchase_date=date.today() - timedelta(days=100),
        warranty_months=12,
    )
    p2 = Product(
        customer_id=c2.id,
        model="WM-800",
        serial_no="WM8-0002",
        purchase_date=date.today() - timedelta(days=800),
        warranty_months=24,
    )
    part = Part(
        part_number="PCB-220",
        name="主控板",
        name_en="Main board",
        price="180.00",
        barcode="6901234567892",
        barcode_formats=["ean_13"],
        serialised=True,
    )
    _db.session.add_all([p1, p2, part])
    _db.session.flush()
    base = {"channel": "phone", "type": "repair", "priority": "normal", "fault_description": "不制冷"}
    cst = timezone(timedelta(hours=8))  # appointments are days in the service area (UTC+8)
    soon = datetime.combine(datetime.now(cst).date(), datetime.min.time(), cst) + timedelta(hours=14)
    wo1 = create_work_order(
        {
            **base,
            "customer_id": c1.id,
            "product_id": p1.id,
            "technician_id": people["tech1"].id,
            "appointment_start": soon,
            "appointment_end": soon + timedelta(hours=1),
        },
        people["dispatcher"],
    )
    wo2 = create_work_order(
        {
            **base,
            "customer_id": c2.id,
            "product_id": p2.id,
            "technician_id": people["tech2"].id,
            "appointment_start": soon,
            "appointment_end": soon + timedelta(hours=1),
        },
        people["dispatcher"],
    )
    _db.session.add(VanStock(technician_id=people["tech1"].id, part_id=part.id, quantity=3))
    _db.session.commit()
    return {"customers": [c1, c2], "products": [p1, p2], "part": part, "wo1": wo1, "wo2": wo2}


@pytest.fixture(scope="session")
def playwright_instance():
    """One Playwright driver for the whole run: the sync API allows only one at a time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw
