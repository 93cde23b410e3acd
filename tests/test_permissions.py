"""Who may do what: every REST endpoint against every kind of caller.

Rows are the /api endpoints of the app (auth, sync, passkeys, blobs and the API docs
have suites of their own); columns are the callers. A technician calls once with
their own records in the URL and once with another technician's. The matrix must
list every endpoint the app serves: a new endpoint fails the suite until someone
decides who may call it.

One app and world per backend for the whole module (sign-ins are slow by design,
argon2): refused calls change nothing, and allowed writes only add new records or
rewrite a value with itself, so the order of the rows does not matter.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import BACKENDS, ApiClient, isolate_requests, make_user, reset_database
from conftest import test_config as app_config  # (a plain import would be collected as a test)

from server import create_app
from server.domain.service_day import SERVICE_TZ, today
from server.extensions import db as _db
from server.models import Customer, Part, Product, VanStock, WorkOrder
from server.services.work_orders import create_work_order

ANON, OWN, OTHER, DISPATCHER, MANAGER = (
    "anonymous", "technician, own record", "technician, other's record", "dispatcher", "manager"
)
CALLERS = (ANON, OWN, OTHER, DISPATCHER, MANAGER)
ALLOWED = "allowed"  # past the permission gate: not 401/403 and no server error
EXCLUDED = ("/api/auth/", "/api/sync/", "/api/passkeys", "/api/blobs/", "/api/docs", "/api/openapi.json")


def row(own, other=None, office=None, manager=None, anonymous=401) -> dict:
    """Expected status per caller; `other` defaults to `own`, `manager` to `office`."""
    other = own if other is None else other
    manager = office if manager is None else manager
    return {ANON: anonymous, OWN: own, OTHER: other, DISPATCHER: office, MANAGER: manager}


OFFICE_ONLY = row(own=403, office=ALLOWED)
MANAGER_ONLY = row(own=403, office=403, manager=ALLOWED)

MATRIX: dict[tuple[str, str], dict] = {
    # customers and products: a technician reads those of their jobs; the office writes
    ("GET", "/api/customers"): row(own=200, office=200),
    ("POST", "/api/customers"): row(own=403, office=201),
    ("GET", "/api/customers/<string:customer_id>"): row(own=200, other=404, office=200),
    ("PATCH", "/api/customers/<string:customer_id>"): row(own=403, office=200),
    ("GET", "/api/products"): row(own=200, office=200),
    ("POST", "/api/products"): row(own=403, office=201),
    ("GET", "/api/products/<string:product_id>"): row(own=200, other=404, office=200),
    # the parts catalogue is for everyone to read; van stock a technician sees for their van
    ("GET", "/api/parts"): row(own=200, office=200),
    ("POST", "/api/parts"): row(own=403, office=201),
    ("GET", "/api/parts/<string:part_id>"): row(own=200, office=200),
    ("GET", "/api/van-stock"): row(own=200, office=200),
    ("PUT", "/api/van-stock"): row(own=403, office=200),
    # work orders: a technician sees and updates the jobs they hold
    ("GET", "/api/work-orders/"): row(own=200, office=200),
    ("POST", "/api/work-orders/"): row(own=403, office=201),
    ("GET", "/api/work-orders/mine"): row(own=200, office=200),
    ("GET", "/api/work-orders/<string:wo_id>"): row(own=200, other=404, office=200),
    ("PATCH", "/api/work-orders/<string:wo_id>"): row(own=200, other=404, office=200),
    ("POST", "/api/work-orders/<string:wo_id>/assign"): row(own=403, office=200),
    # the back office (its own suites check what each call does; here: who gets in)
    ("POST", "/api/office/intake"): OFFICE_ONLY,
    ("GET", "/api/office/intake/check"): OFFICE_ONLY,
    ("GET", "/api/office/board"): OFFICE_ONLY,
    ("GET", "/api/office/sla-settings"): OFFICE_ONLY,
    ("PUT", "/api/office/sla-settings"): MANAGER_ONLY,
    ("GET", "/api/office/technicians"): OFFICE_ONLY,
    ("GET", "/api/office/technicians/<string:technician_id>/day"): OFFICE_ONLY,
    ("POST", "/api/office/work-orders/<string:wo_id>/assign"): OFFICE_ONLY,
    ("POST", "/api/office/work-orders/<string:wo_id>/reschedule"): OFFICE_ONLY,
    ("GET", "/api/office/work-orders/<string:wo_id>/dispatch-log"): OFFICE_ONLY,
    ("GET", "/api/office/follow-ups"): OFFICE_ONLY,
    ("POST", "/api/office/follow-ups/<string:follow_up_id>/outcome"): OFFICE_ONLY,
    ("POST", "/api/office/complaints"): OFFICE_ONLY,
    ("GET", "/api/office/reconciliation"): OFFICE_ONLY,
    ("POST", "/api/office/reconciliation/reviews"): OFFICE_ONLY,
    ("GET", "/api/office/kpis"): OFFICE_ONLY,
    ("GET", "/api/office/kpis.csv"): OFFICE_ONLY,
    ("GET", "/api/office/kpis/monthly"): OFFICE_ONLY,
    ("POST", "/api/office/conflicts/<string:conflict_id>/settle"): OFFICE_ONLY,
    ("GET", "/api/office/work-orders/<string:wo_id>/service-report.pdf"): OFFICE_ONLY,
    ("POST", "/api/office/work-orders/<string:wo_id>/service-report/share"): OFFICE_ONLY,
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# Bodies and query strings for calls that need them; `mine` is False for the
# technician-other column. Office-only rows of the back office send {} / nothing:
# who gets in is decided before the body is read.
BODIES = {
    ("POST", "/api/customers"): lambda w, mine: {"name": "周八", "phone": "13900000008", "address": "深圳市南山区 8 号"},
    ("PATCH", "/api/customers/<string:customer_id>"): lambda w, mine: {"locale": "zh-CN" if mine else "en"},
    ("POST", "/api/products"): lambda w, mine: {
        "customer_id": w["c1" if mine else "c2"], "model": "AC-3000", "serial_no": unique("SN")},
    ("POST", "/api/parts"): lambda w, mine: {"part_number": unique("P"), "name": "滤网", "price": "12.00"},
    ("PUT", "/api/office/sla-settings"): lambda w, mine: {  # valid, and what is in force already
        "response_hours": {"urgent": 2, "important": 4, "normal": 24},
        "resolution_hours": {"urgent": 24, "important": 48, "normal": 72},
        "low_rating_threshold": 3},
    ("PUT", "/api/van-stock"): lambda w, mine: {
        "technician_id": w["tech1" if mine else "tech2"], "part_id": w["part"], "quantity": 3},
    ("POST", "/api/work-orders/"): lambda w, mine: {
        "customer_id": w["c2"], "channel": "wechat", "type": "consultation", "priority": "normal",
        "fault_description": "咨询滤网更换周期"},
    ("PATCH", "/api/work-orders/<string:wo_id>"): lambda w, mine: {"technician_notes": "带上备用电容"},
    ("POST", "/api/work-orders/<string:wo_id>/assign"): lambda w, mine: {
        "technician_id": w["tech1" if mine else "tech2"]},
}
QUERIES = {
    ("GET", "/api/work-orders/"): lambda w, mine: "" if mine else f"?technician_id={w['tech2']}",
    ("GET", "/api/van-stock"): lambda w, mine: "" if mine else f"?technician_id={w['tech2']}",
}
# Path parameters: the technician's own record, or the other technician's.
PATH_VALUES = {
    "wo_id": ("wo1", "wo2"),
    "customer_id": ("c1", "c2"),
    "product_id": ("p1", "p2"),
    "part_id": ("part", "part"),
    "technician_id": ("tech1", "tech2"),
}
NOBODY = "00000000-0000-4000-8000-00000000abcd"  # ids of records the world does not have


@dataclass
class Context:
    app: object
    world: dict
    clients: dict


def build_world() -> dict:
    """Technicians, office staff, two customers with a product and a job each, a part, van stock."""
    people = {
        "tech1": make_user("tech1@test.onsite", "technician", "王师傅"),
        "tech2": make_user("tech2@test.onsite", "technician", "李师傅"),
        "dispatcher": make_user("dispatch@test.onsite", "dispatcher", "客服小张"),
        "manager": make_user("manager@test.onsite", "manager", "售后主管"),
    }
    c1 = Customer(name="张伟", phone="13800000001", address="上海市浦东新区世纪大道 100 号", tier="vip")
    c2 = Customer(name="Anna Li", phone="13800000002", address="北京市朝阳区建国路 8 号", locale="en")
    _db.session.add_all([c1, c2])
    _db.session.flush()
    p1 = Product(customer_id=c1.id, model="AC-3000", serial_no="AC3K-0001",
                 purchase_date=date.today() - timedelta(days=100), warranty_months=12)
    p2 = Product(customer_id=c2.id, model="WM-800", serial_no="WM8-0002",
                 purchase_date=date.today() - timedelta(days=800), warranty_months=24)
    part = Part(part_number="PCB-220", name="主控板", name_en="Main board", price="180.00",
                barcode="6901234567892", barcode_formats=["ean_13"], serialised=True)
    _db.session.add_all([p1, p2, part])
    _db.session.flush()
    start = datetime.combine(today(), datetime.min.time(), SERVICE_TZ) + timedelta(hours=14)
    base = {"channel": "phone", "type": "repair", "priority": "normal", "fault_description": "不制冷",
            "appointment_start": start, "appointment_end": start + timedelta(hours=1)}
    wo1 = create_work_order({**base, "customer_id": c1.id, "product_id": p1.id,
                             "technician_id": people["tech1"].id}, people["dispatcher"])
    wo2 = create_work_order({**base, "customer_id": c2.id, "product_id": p2.id,
                             "technician_id": people["tech2"].id}, people["dispatcher"])
    _db.session.add(VanStock(technician_id=people["tech1"].id, part_id=part.id, quantity=3))
    _db.session.add(VanStock(technician_id=people["tech2"].id, part_id=part.id, quantity=1))
    _db.session.commit()
    return {**{k: u.id for k, u in people.items()}, "c1": c1.id, "c2": c2.id, "p1": p1.id, "p2": p2.id,
            "part": part.id, "wo1": wo1.id, "wo2": wo2.id}


@pytest.fixture(scope="module", params=BACKENDS)
def ctx(request, tmp_path_factory):
    """One app, world and set of signed-in clients per backend for the whole module."""
    backend = request.param
    app = create_app(app_config(tmp_path_factory.mktemp(backend), backend))
    isolate_requests(app)
    with app.app_context():
        reset_database(backend)
        world = build_world()
        clients = {ANON: ApiClient(app)}
        for who, email in [("tech1", "tech1@test.onsite"), (DISPATCHER, "dispatch@test.onsite"),
                           (MANAGER, "manager@test.onsite")]:
            clients[who] = ApiClient(app)
            assert clients[who].login(email).status_code == 200
        clients[OWN] = clients[OTHER] = clients.pop("tech1")
        yield Context(app, world, clients)
        _db.session.remove()
        _db.engine.dispose()


def api_endpoints(app) -> set[tuple[str, str]]:
    """(method, rule) of every REST endpoint the app serves under /api/."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and not rule.rule.startswith(EXCLUDED)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def url_for_call(world: dict, rule: str, mine: bool) -> str:
    def fill(match: str) -> str:
        name = match.split(":")[-1]
        keys = PATH_VALUES.get(name)
        return world[keys[0] if mine else keys[1]] if keys else NOBODY

    parts, out = rule.split("<"), []
    out.append(parts[0])
    for part in parts[1:]:
        name, rest = part.split(">", 1)
        out.append(fill(name) + rest)
    return "".join(out)


def call(ctx: Context, caller: str, method: str, rule: str):
    mine = caller != OTHER
    url = url_for_call(ctx.world, rule, mine)
    url += QUERIES.get((method, rule), lambda w, m: "")(ctx.world, mine)
    body = BODIES.get((method, rule), lambda w, m: {} if method != "GET" else None)(ctx.world, mine)
    client = ctx.clients[caller]
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method.lower())(url, **kwargs)


def test_every_api_endpoint_has_a_row_in_the_matrix(ctx):
    served = api_endpoints(ctx.app)
    assert served - set(MATRIX) == set(), "new endpoint(s): add them to MATRIX with who may call them"
    assert set(MATRIX) - served == set(), "MATRIX lists endpoint(s) the app no longer serves"


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_permission_matrix(ctx, endpoint):
    method, rule = endpoint
    if endpoint not in api_endpoints(ctx.app):
        pytest.fail(f"{method} {rule} is in MATRIX but not served")
    expected, actual = MATRIX[endpoint], {}
    for caller in CALLERS:
        response = call(ctx, caller, method, rule)
        status = response.status_code
        if expected[caller] == ALLOWED and status not in (401, 403) and status < 500:
            status = ALLOWED
        actual[caller] = status
        if response.status_code in (401, 403, 404):
            body = response.get_json()
            assert body and body["code"] == response.status_code and body["message"], (caller, body)
    assert actual == expected


# --- what a technician may see is only what their jobs need ----------------------------


def ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()}


def test_lists_show_a_technician_only_their_own_records(ctx):
    w, tech = ctx.world, ctx.clients[OWN]
    assert ids(tech.get("/api/work-orders/")) == {w["wo1"]}
    assert ids(tech.get("/api/work-orders/mine")) == {w["wo1"]}
    assert ids(tech.get("/api/customers")) == {w["c1"]}
    products = tech.get("/api/products").get_json()  # the matrix may have added some for c1
    assert w["p1"] in {p["id"] for p in products} and {p["customer_id"] for p in products} == {w["c1"]}
    assert {v["technician_id"] for v in tech.get("/api/van-stock").get_json()} == {w["tech1"]}
    assert ids(tech.get(f"/api/work-orders/?technician_id={w['tech2']}")) == set()
    assert ids(tech.get(f"/api/van-stock?technician_id={w['tech2']}")) == set()
    assert ids(tech.get("/api/customers?q=Anna")) == set()


def test_the_office_sees_everything(ctx):
    w = ctx.world
    for who in (DISPATCHER, MANAGER):
        client = ctx.clients[who]
        assert {w["wo1"], w["wo2"]} <= ids(client.get("/api/work-orders/"))
        assert {w["c1"], w["c2"]} <= ids(client.get("/api/customers"))
        assert {w["p1"], w["p2"]} <= ids(client.get("/api/products"))
        assert {v["technician_id"] for v in client.get("/api/van-stock").get_json()} >= {w["tech1"], w["tech2"]}


def test_another_technicians_record_looks_the_same_as_a_missing_one(ctx):
    """No probing: tech2's work order and a made-up id give the same 404 shape."""
    tech = ctx.clients[OWN]
    theirs = tech.get(f"/api/work-orders/{ctx.world['wo2']}")
    missing = tech.get(f"/api/work-orders/{NOBODY}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json()["message"].replace(ctx.world["wo2"], "ID") == missing.get_json()["message"].replace(NOBODY, "ID")


def test_a_technician_cannot_change_another_technicians_job(ctx):
    w, tech = ctx.world, ctx.clients[OWN]
    before = _db.session.get(WorkOrder, w["wo2"]).version
    for body in ({"status": "en_route"}, {"technician_notes": "x"}, {"outcome": "fixed"}):
        assert tech.patch(f"/api/work-orders/{w['wo2']}", json=body).status_code == 404
    _db.session.expire_all()
    assert _db.session.get(WorkOrder, w["wo2"]).version == before


def test_access_ends_when_the_job_is_done(ctx):
    """Closed: the technician no longer sees the job, its customer or its product."""
    w = ctx.world
    tech = ctx.clients[OWN]
    # A third job, for tech1 at tech2's customer, then closed by the office.
    office = ctx.clients[DISPATCHER]
    wo = office.post("/api/work-orders/", json={
        "customer_id": w["c2"], "product_id": w["p2"], "technician_id": w["tech1"], "channel": "phone",
        "type": "repair", "priority": "normal", "fault_description": "漏水"}).get_json()
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 200
    assert tech.get(f"/api/products/{w['p2']}").status_code == 200
    for status in ("en_route", "on_site", "completed"):
        assert tech.patch(f"/api/work-orders/{wo['id']}", json={"status": status}).status_code == 200
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 200  # completed: still theirs
    assert office.patch(f"/api/work-orders/{wo['id']}", json={"status": "closed"}).status_code == 200
    assert tech.get(f"/api/work-orders/{wo['id']}").status_code == 404
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 404
    assert tech.get(f"/api/products/{w['p2']}").status_code == 404
    count = _db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(WorkOrder.id == wo["id"]))
    assert count == 1  # closed, not gone

