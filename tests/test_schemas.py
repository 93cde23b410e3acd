"""Bad input on every input schema of the REST API: a 4xx with the field named, and no change.

The cases are derived from the schemas themselves (required fields, types, length
limits, enums, UUIDs, ranges), so a field added later gets its bad-input cases
without anyone writing them. Each case goes through the real endpoint; the answer
must be 422 (400 for a body that is not JSON) with the one error body
{code, status, message, errors: {field: [...]}}, and the database must be exactly
as before. The valid body each case starts from is checked to be accepted, so a
case cannot pass merely because the starting body was already wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, ApiClient
from marshmallow import Schema
from marshmallow import fields as mf
from marshmallow import validate as mv
from test_permissions import DISPATCHER, OWN, ctx  # noqa: F401  (ctx: the module-scoped app and world)

from server.api.schemas import auth, customers, parts, work_orders
from server.extensions import db as _db
from server.wire.fields import Required, Text

DROP = object()  # "leave this field out"
NOT_BLANK = Required(1).validators[1]
NO_NUL = Text(1).validators[1]


@dataclass
class Endpoint:
    schema: type[Schema]
    method: str
    url: Callable[[dict], str]
    valid: Callable[[dict], dict]
    location: str = "json"
    caller: str = DISPATCHER  # "fresh" for sign-in: a new anonymous client each time
    extra: list = field(default_factory=list)  # (name, changes, field) beyond the derived ones


def work_order_in(w):
    return {
        "customer_id": w["c1"],
        "product_id": w["p1"],
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "fault_description": "不制冷",
        "technician_id": w["tech1"],
        "appointment_start": "2026-06-01T09:00:00+08:00",
        "appointment_end": "2026-06-01T10:00:00+08:00",
    }


ENDPOINTS = [
    Endpoint(
        auth.LoginIn,
        "POST",
        lambda w: "/api/auth/login",
        lambda w: {"email": "tech1@test.onsite", "password": PASSWORD, "remember": False},
        caller="fresh",
    ),
    Endpoint(
        auth.TokenIn,
        "POST",
        lambda w: "/api/auth/token",
        lambda w: {"email": "tech1@test.onsite", "password": PASSWORD, "name": "probe"},
        caller="fresh",
    ),
    Endpoint(
        auth.TokenCreateIn,
        "POST",
        lambda w: "/api/auth/token",
        lambda w: {"email": "tech1@test.onsite", "password": PASSWORD, "name": "probe", "expires_in_days": 30},
        caller="fresh",
    ),
    Endpoint(
        auth.PasswordChangeIn,
        "POST",
        lambda w: "/api/auth/password",
        lambda w: {"current_password": PASSWORD, "new_password": "a long new passphrase 42"},
    ),
    Endpoint(
        customers.CustomerIn,
        "POST",
        lambda w: "/api/customers",
        lambda w: {
            "name": "吴九",
            "phone": "13900000009",
            "address": "成都市武侯区 9 号",
            "tier": "key",
            "locale": "en",
        },
        extra=[
            ("phone_letters", {"phone": "call me"}, "phone"),
            ("phone_too_long", {"phone": "1" * 40}, "phone"),
            ("phone_two_lines", {"phone": "13900000009\n"}, "phone"),
        ],
    ),
    Endpoint(
        customers.CustomerPatch,
        "PATCH",
        lambda w: f"/api/customers/{w['c1']}",
        lambda w: {"name": "张伟", "phone": "13800000001", "address": "上海市浦东新区世纪大道 100 号"},
    ),
    Endpoint(customers.CustomerQuery, "GET", lambda w: "/api/customers", lambda w: {"q": "张"}, location="query"),
    Endpoint(
        customers.PageQuery, "GET", lambda w: "/api/products", lambda w: {"limit": 10, "offset": 0}, location="query"
    ),
    Endpoint(
        customers.ProductIn,
        "POST",
        lambda w: "/api/products",
        lambda w: {
            "customer_id": w["c2"],
            "model": "WM-800",
            "serial_no": "WM8-NEW",
            "purchase_date": "2025-05-01",
            "warranty_months": 24,
            "name": "洗衣机",
            "proof_of_purchase": "INV-1",
        },
        extra=[
            (
                "bought_in_the_future",
                {"purchase_date": (date.today() + timedelta(days=30)).isoformat()},
                "purchase_date",
            ),
            ("bought_in_year_9999", {"purchase_date": "9999-12-31"}, "purchase_date"),
        ],
    ),
    Endpoint(
        parts.PartIn,
        "POST",
        lambda w: "/api/parts",
        lambda w: {"part_number": "FLT-01", "name": "滤网", "price": "12.50", "barcode_formats": ["qr_code"]},
        extra=[
            ("negative_price", {"price": "-1"}, "price"),
            ("price_too_high", {"price": 1_000_001}, "price"),
            ("price_not_a_number", {"price": "NaN"}, "price"),
        ],
    ),
    Endpoint(
        parts.PartQuery,
        "GET",
        lambda w: "/api/parts",
        lambda w: {"q": "PCB", "barcode": "6901234567892"},
        location="query",
    ),
    Endpoint(
        parts.VanStockIn,
        "PUT",
        lambda w: "/api/van-stock",
        lambda w: {"technician_id": w["tech1"], "part_id": w["part"], "quantity": 3, "safety_stock": 1},
    ),
    Endpoint(
        parts.VanStockQuery,
        "GET",
        lambda w: "/api/van-stock",
        lambda w: {"technician_id": w["tech1"]},
        location="query",
    ),
    Endpoint(
        work_orders.WorkOrderIn,
        "POST",
        lambda w: "/api/work-orders/",
        work_order_in,
        extra=[
            ("ends_before_it_starts", {"appointment_end": "2026-06-01T08:00:00+08:00"}, "appointment_end"),
            ("time_without_zone", {"appointment_start": "2026-06-01T09:00:00"}, "appointment_start"),
            ("year_one", {"appointment_start": "0001-01-01T00:00:00+01:00"}, "appointment_start"),
        ],
    ),
    Endpoint(
        work_orders.WorkOrderPatch,
        "PATCH",
        lambda w: f"/api/work-orders/{w['wo1']}",
        lambda w: {"fault_description": "不制冷", "customer_requirements": None},
    ),
    Endpoint(
        work_orders.WorkOrderQuery,
        "GET",
        lambda w: "/api/work-orders/",
        lambda w: {"status": "scheduled", "from": "2026-01-01", "to": "2026-12-31"},
        location="query",
        extra=[("to_far_future", {"to": "9999-12-31"}, "to")],
    ),
    Endpoint(
        work_orders.MyJobsQuery,
        "GET",
        lambda w: "/api/work-orders/mine",
        lambda w: {"from": "2026-06-01", "to": "2026-06-07"},
        location="query",
        caller=OWN,
        extra=[("to_before_from", {"to": "2026-05-01"}, "to"), ("more_than_62_days", {"to": "2026-09-01"}, "to")],
    ),
    Endpoint(
        work_orders.AssignIn,
        "POST",
        lambda w: f"/api/work-orders/{w['wo1']}/assign",
        lambda w: {"technician_id": w["tech2"], "reason": "改派", "customer_consent": True},
    ),
]
BY_SCHEMA = {e.schema.__name__: e for e in ENDPOINTS}


# --- bad values derived from a field -----------------------------------------------------


def wrong_type(f: mf.Field, location: str):
    """A value of the wrong type for the field (None when a query string cannot express one)."""
    if isinstance(f, (mf.Integer, mf.Decimal)):
        return "many"
    if isinstance(f, mf.Boolean):
        return "maybe"
    if isinstance(f, (mf.DateTime, mf.Date)):
        return "someday"
    if location == "query":
        return None  # every query value is a string
    if isinstance(f, mf.List):
        return "ean_13"
    if isinstance(f, mf.Dict):
        return ["not", "an", "object"]
    if isinstance(f, mf.String):
        return 12345
    return None


def beyond(v: mv.Range):
    if v.max is not None:
        if isinstance(v.max, date):
            return (
                (v.max + timedelta(days=1)).isoformat()
                if type(v.max) is date
                else (v.max + timedelta(seconds=1)).isoformat()
            )
        return v.max + 1
    if isinstance(v.min, date):
        return (v.min - timedelta(days=1)).isoformat()
    return v.min - 1


def derived_cases(e: Endpoint):
    """(case name, changes to the valid body, field expected in errors, status)."""
    schema = e.schema()
    partial = getattr(schema, "partial", False)
    for name, f in schema.load_fields.items():
        key = f.data_key or name
        if f.required and not partial:
            yield "missing", {key: DROP}, key, 422
        bad = wrong_type(f, e.location)
        if bad is not None:
            yield "wrong_type", {key: bad}, key, 422
        validators = list(f.validators)
        inner = getattr(f, "inner", None)
        for v in validators:
            if isinstance(v, mv.Length) and v.max is not None:
                yield "too_long", {key: "x" * (v.max + 1)}, key, 422
            elif isinstance(v, mv.OneOf):
                yield "unknown_enum", {key: "teleport"}, key, 422
            elif isinstance(v, mv.Regexp) and "{12}" in v.regex.pattern:
                yield "not_a_uuid", {key: "42"}, key, 422
            elif isinstance(v, mv.Range):
                yield "out_of_range", {key: beyond(v)}, key, 422
        if NOT_BLANK in validators:
            yield "blank", {key: "   "}, key, 422
        if NO_NUL in validators:
            yield "nul_character", {key: "a\x00b"}, key, 422
        if inner is not None and any(isinstance(v, mv.OneOf) for v in inner.validators):
            yield "unknown_enum_in_list", {key: ["teleport"]}, key, 422
        if e.location == "json" and not f.allow_none:
            yield "null", {key: None}, key, 422
    if e.location == "json":
        yield "unknown_field", {"colour": "red"}, "colour", 422
        yield "malformed_json", "{not json", None, 400
        yield "not_an_object", "[1, 2, 3]", "_schema", 422
    for name, changes, key in e.extra:
        yield name, changes, key, 422


CASES = [
    pytest.param(e, changes, key, status, id=f"{e.schema.__name__}-{key or 'body'}-{name}")
    for e in ENDPOINTS
    for name, changes, key, status in derived_cases(e)
]


# --- sending and checking -------------------------------------------------------------


def fingerprint() -> dict:
    """Rows and summed versions of every table, read on a fresh connection (committed data)."""
    _db.session.rollback()  # end this test's transaction; on SQLite it would hold the lock
    result = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            columns = [sa.func.count()]
            if "version" in table.c:
                columns.append(sa.func.coalesce(sa.func.sum(table.c.version), 0))
            result[table.name] = tuple(conn.execute(sa.select(*columns).select_from(table)).one())
    return result


def apply(body: dict, changes: dict) -> dict:
    out = dict(body)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def send(ctx, e: Endpoint, payload):
    client = ApiClient(ctx.app) if e.caller == "fresh" else ctx.clients[e.caller]
    url = e.url(ctx.world)
    if e.location == "query":
        return client.get(f"{url}?{urlencode(payload)}")
    method = getattr(client, e.method.lower())
    if isinstance(payload, str):  # raw text: not JSON, or JSON that is not an object
        return method(url, data=payload, content_type="application/json")
    return method(url, json=payload)


@pytest.mark.parametrize("e, changes, key, status", CASES)
def test_bad_input_is_refused_with_the_field_named_and_nothing_changed(ctx, e, changes, key, status):
    payload = changes if isinstance(changes, str) else apply(e.valid(ctx.world), changes)
    before = fingerprint()
    response = send(ctx, e, payload)
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    if key is not None:
        assert key in body["errors"], body
        assert body["errors"][key] and all(isinstance(m, str) for m in body["errors"][key])
        if key != "_schema":
            assert key in body["message"]  # "Invalid input in: <field>"
    else:
        assert body["message"] == "Invalid JSON body."
    assert fingerprint() == before


@pytest.mark.parametrize("e", ENDPOINTS, ids=lambda e: e.schema.__name__)
def test_the_valid_body_each_case_starts_from_is_accepted(ctx, e):
    response = send(ctx, e, e.valid(ctx.world))
    assert response.status_code < 300, response.get_json()


def test_every_input_schema_has_bad_input_cases():
    """A new input schema (…In, …Patch, …Query) must be added to ENDPOINTS."""
    inputs = {
        name
        for module in (auth, customers, parts, work_orders)
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Schema)
        and cls.__module__ == module.__name__
        and name.endswith(("In", "Patch", "Query"))
        and not name.startswith("Passkey")
    } | {"PageQuery"}
    assert inputs == set(BY_SCHEMA)


@pytest.mark.parametrize(
    "url",
    [
        "/api/work-orders/not-a-uuid",
        "/api/customers/42",
        "/api/products/%00",
        "/api/parts/" + "9" * 300,
        "/api/work-orders/00000000-0000-4000-8000-000000000000/assign",
    ],
)
def test_ids_in_the_path_that_name_nothing_are_404(ctx, url):
    client = ctx.clients[DISPATCHER]
    response = (
        client.post(url, json={"technician_id": ctx.world["tech1"]}) if url.endswith("assign") else client.get(url)
    )
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_unknown_query_parameters_are_ignored_not_errors(ctx):
    response = ctx.clients[DISPATCHER].get("/api/customers?colour=red")
    assert response.status_code == 200
