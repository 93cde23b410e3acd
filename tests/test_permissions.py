"""Who may do what: every route of the app against every kind of caller.

One row per route and method of app.url_map: the REST API, sync, blobs, sign-in and
passkeys, the office pages, the public pages and the PWA shell. One column per caller:
anonymous, a technician with their own record in the request, the same technician with
another technician's record, a dispatcher and a manager. A cell is the exact status that
caller gets and a check of what came back: an allowed call must really return (or change)
the record; a refused one must say so in the error body, send the visitor to sign in, or
(sync push) reject the mutation. The test is parametrised over the routes the app serves,
so a new route fails until someone decides who may call it.

One app and world per backend for the whole module (sign-ins are slow by design, argon2):
refused calls change nothing, and allowed writes only add records, rewrite a value with
itself or work on a record made for that one call, so the order of the rows does not matter.
Calls that end or start a session run on a copy of the caller's cookies.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from conftest import BACKENDS, PASSWORD, ApiClient, isolate_requests, make_user, reset_database
from conftest import test_config as app_config  # (a plain import would be collected as a test)
from office.helpers import PNG, Phone, sync_completed_visit
from test_passkeys import ORIGIN, RP_ID, SoftAuthenticator

from server import create_app
from server.auth import sign_ins as sign_ins_service
from server.domain.service_day import SERVICE_TZ, today
from server.extensions import db as _db
from server.models import (
    ApiToken,
    Blob,
    BlobUpload,
    Conflict,
    Customer,
    CustomerSignOff,
    FollowUp,
    MutationRecord,
    Part,
    Passkey,
    Photo,
    Product,
    ReconciliationReview,
    RecoveryCase,
    SignIn,
    User,
    VanStock,
    VisitEvent,
    WorkOrder,
)
from server.services import followup_queue
from server.services import sla_settings as office_settings
from server.services.dispatch import reschedule
from server.services.work_orders import create_work_order

ANON, OWN, OTHER, DISPATCHER, MANAGER = (
    "anonymous",
    "technician, own record",
    "technician, other's record",
    "dispatcher",
    "manager",
)
CALLERS = (ANON, OWN, OTHER, DISPATCHER, MANAGER)
USER_OF = {ANON: None, OWN: "tech1", OTHER: "tech1", DISPATCHER: "dispatcher", MANAGER: "manager"}
EMAILS = {
    "tech1": "tech1@test.onsite",
    "tech2": "tech2@test.onsite",
    "dispatcher": "dispatch@test.onsite",
    "manager": "manager@test.onsite",
}
NOBODY = "00000000-0000-4000-8000-00000000abcd"  # ids of records the world does not have


def served_routes(app) -> set[tuple[str, str]]:
    """(method, rule) of every route the app serves (HEAD and OPTIONS come with GET and Flask)."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}


# The routes as the app factory builds them, known at collection time so each is a test case.
ROUTES = served_routes(create_app({"TESTING": True, "SECRET_KEY": "routes", "SQLALCHEMY_DATABASE_URI": "sqlite://"}))


# --- cells: what a caller sends and what they must get ------------------------------------


@dataclass
class Req:
    url: str
    json: Any = None
    form: dict | None = None
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Cell:
    """One caller calling one route; request builders and checks read the world through it."""

    ctx: Context
    caller: str
    method: str
    rule: str
    client: ApiClient
    req: Req | None = None
    made: dict = field(default_factory=dict)  # records made for this one call

    @property
    def w(self) -> dict:
        return self.ctx.world

    @property
    def mine(self) -> bool:
        return self.caller != OTHER

    @property
    def office(self) -> bool:
        return self.caller in (DISPATCHER, MANAGER)

    @property
    def user_id(self) -> str | None:
        who = USER_OF[self.caller]
        return who and self.w[who]

    @property
    def email(self) -> str | None:
        who = USER_OF[self.caller]
        return who and EMAILS[who]


@dataclass(frozen=True)
class Expect:
    status: int
    check: Callable[[Any, Cell], Any] | None = None
    says: str = ""

    def __str__(self) -> str:
        return f"{self.status} {self.says}".strip()


@dataclass
class Row:
    cells: dict[str, tuple[Expect, ...]]
    request: Callable[[Cell], Req | list[Req]] | None = None
    clone: bool = False  # run on a copy of the caller's cookies (the call starts or ends a session)


def _tuple(value) -> tuple[Expect, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def api(own, other=None, office=None, manager=None, anonymous=None, request=None, clone=False) -> Row:
    """Expected per caller; `other` defaults to `own`, `manager` to `office`, anonymous to 401."""
    other = own if other is None else other
    manager = office if manager is None else manager
    anonymous = UNAUTHENTICATED if anonymous is None else anonymous
    cells = {ANON: anonymous, OWN: own, OTHER: other, DISPATCHER: office, MANAGER: manager}
    return Row({k: _tuple(v) for k, v in cells.items()}, request, clone)


def office_api(allowed, manager=None, request=None) -> Row:
    """A back-office API call: technicians are refused whatever record they name."""
    return api(own=FORBIDDEN, office=allowed, manager=manager, request=request)


def page(allowed, manager=None, request=None, clone=False) -> Row:
    """A back-office page: anonymous visitors go to sign in, technicians get the refusal page."""
    return api(own=PAGE_FORBIDDEN, office=allowed, manager=manager, anonymous=TO_LOGIN, request=request, clone=clone)


def public(expect, request=None, clone=False) -> Row:
    """Open to everyone, signed in or not, by rule."""
    return api(own=expect, office=expect, anonymous=expect, request=request, clone=clone)


# --- checks -----------------------------------------------------------------------------------


def fetch(model, record_id):
    """The record as the database has it now (requests share this session)."""
    _db.session.expire_all()
    if model is MutationRecord:  # known by (device, id); the matrix's ids are distinct
        return _db.session.query(model).filter_by(id=record_id).one_or_none()
    return _db.session.get(model, record_id)


def all_of(*checks):
    def check(r, c):
        for one in checks:
            assert one(r, c) is not False, one.__name__

    return check


def api_error(status: int):
    def check(r, c):
        body = r.get_json()
        assert body and body["code"] == status and body["message"], body

    return check


def to_login(r, c):
    location = urlsplit(r.headers["Location"])
    assert location.path == "/office/login", r.headers["Location"]
    assert parse_qs(location.query)["next"][0] == urlsplit(c.req.url).path, r.headers["Location"]


def forbidden_page(r, c):
    html = r.get_data(as_text=True)
    assert r.mimetype == "text/html" and ("无权访问" in html or "Not allowed" in html), html[:200]


def redirects_to(path: str | Callable[[Cell], str]):
    def check(r, c):
        want = path(c) if callable(path) else path
        assert urlsplit(r.headers["Location"]).path == want, (r.headers["Location"], want)

    return check


def html_has(*keys: str, literal: tuple[str, ...] = (), absent: tuple[str, ...] = ()):
    """The page shows these world values (ticket numbers, names) and not the `absent` texts."""

    def check(r, c):
        html = r.get_data(as_text=True)
        assert r.mimetype == "text/html", r.mimetype
        missing = [k for k in keys if c.w[k] not in html] + [t for t in literal if t not in html]
        shown = [t for t in absent if t in html]
        assert not missing and not shown, f"missing {missing}, shown {shown}"

    return check


def pdf(r, c):
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF"), r.mimetype


def ids(r) -> set[str]:
    body = r.get_json()
    rows = body["rows"] if isinstance(body, dict) else body
    return {item["id"] for item in rows}


def lists(*names: str, absent: tuple[str, ...] = ()):
    """A list answer holding these world records and none of the `absent` ones."""

    def check(r, c):
        got = ids(r)
        missing = [n for n in names if c.w[n] not in got]
        leaked = [n for n in absent if c.w[n] in got]
        assert not missing and not leaked, f"missing {missing}, leaked {leaked}"

    return check


def empty(r, c):
    assert r.get_json() == [], r.get_json()


def record(key: str | None = None, /, **fields):
    """One record answered: the world's `key` (or the one made for the call), with these values."""

    def check(r, c):
        body = r.get_json()
        want = c.made["id"] if key is None else c.w[key]
        assert body["id"] == want, (body.get("id"), want)
        for name, value in fields.items():
            value = value(c) if callable(value) else value
            assert body[name] == value, (name, body[name], value)

    return check


def caller_id(c):
    return c.user_id


UNAUTHENTICATED = Expect(401, api_error(401), "sign in first")
FORBIDDEN = Expect(403, api_error(403), "refused")
HIDDEN = Expect(404, api_error(404), "someone else's: not found")
TO_LOGIN = Expect(302, to_login, "to sign-in")
PAGE_FORBIDDEN = Expect(403, forbidden_page, "refusal page")


def ok(status: int = 200, *checks, says: str = "") -> Expect:
    return Expect(status, all_of(*checks) if checks else None, says)


# --- request builders -------------------------------------------------------------------------

# Path parameters: the technician's own record, or the other technician's.
PATH_VALUES = {
    "wo_id": ("wo1", "wo2"),
    "customer_id": ("c1", "c2"),
    "product_id": ("p1", "p2"),
    "part_id": ("part", "part"),
    "technician_id": ("tech1", "tech2"),
    "passkey_id": ("passkey1", "passkey2"),
    "conflict_id": ("conflict", "conflict"),
    "mutation_id": ("rejected1", "rejected2"),
    "follow_up_id": ("follow_up", "follow_up"),
    "sha256": ("blob1", "blob2"),
    "code": ("code", "code"),
    "token": ("report_token", "report_token"),
}


def path(c: Cell, **given) -> str:
    """The rule with its parameters filled: `given` values (a literal, or a (own, other) pair of
    world keys), else PATH_VALUES; office callers and anonymous ones use the own record."""

    def value(name: str) -> str:
        choice = given.get(name, PATH_VALUES.get(name))
        if choice is None:
            return NOBODY
        if isinstance(choice, str):
            return choice
        return c.w[choice[0] if c.mine else choice[1]]

    parts = c.rule.split("<")
    out = [parts[0]]
    for part in parts[1:]:
        name, rest = part.split(">", 1)
        out.append(value(name.split(":")[-1]) + rest)
    return "".join(out)


def default_request(c: Cell) -> Req:
    return Req(path(c), json={} if c.method != "GET" else None)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def phone_number() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def local_time(day_offset: int, hour: int) -> datetime:
    return datetime.combine(today() + timedelta(days=day_offset), datetime.min.time(), SERVICE_TZ) + timedelta(
        hours=hour
    )


def user(c: Cell, who: str) -> User:
    return _db.session.get(User, c.w[who])


def fresh_work_order(c: Cell) -> str:
    """A new unassigned job, for an office call that changes it."""
    wo = create_work_order(
        {
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "矩阵: 改派改约",
            "customer_id": c.w["c1"],
        },
        user(c, "dispatcher"),
    )
    _db.session.commit()
    return wo.id


def fresh_incomplete_order(c: Cell) -> str:
    """A job taken in without a serial number: its record is to be completed (issue #14)."""
    wo = fresh_work_order(c)
    fetch(WorkOrder, wo).pending_product = {"model": "AC-3000"}
    _db.session.commit()
    return wo


def fresh_conflict(c: Cell) -> str:
    conflict = Conflict(
        id=str(uuid.uuid4()),
        entity="work_order",
        entity_id=c.w["wo1"],
        field="technician_notes",
        rule="last_arrival_wins",
        losing_value={"value": "带梯子"},
        winning_value={"value": "带电容"},
        user_id=c.w["tech1"],
    )
    _db.session.add(conflict)
    _db.session.commit()
    return conflict.id


def order_state(**fields):
    def check(r, c):
        wo = fetch(WorkOrder, c.made["id"])
        for name, want in fields.items():
            assert getattr(wo, name) == want, (name, getattr(wo, name), want)

    return check


def fresh_escalation(c: Cell) -> str:
    """An open case from a fee dispute the technician escalated on wo1 (services/escalations.py)."""
    from server.models import VisitEvent
    from server.services import escalations

    event = VisitEvent(
        id=str(uuid.uuid4()),
        work_order_id=c.w["wo1"],
        kind="escalated",
        note="客户对费用有异议",
        created_by_id=c.w["tech1"],
    )
    _db.session.add(event)
    _db.session.flush()
    case = escalations.open_for_event(_db.session, fetch(WorkOrder, c.w["wo1"]), event)
    _db.session.commit()
    return case.id


def escalation_state(**fields):
    def check(r, c):
        from server.models import Escalation

        case = fetch(Escalation, c.made["id"])
        for name, want in fields.items():
            want = want(c) if callable(want) else want
            assert getattr(case, name) == want, (name, getattr(case, name), want)

    return check


def recovery_case_at(stage: str):
    """A complaint on wo3 (services/recovery.py) taken as far as `stage`, for the step under test."""

    def make(c: Cell) -> str:
        from datetime import timedelta

        from server.services import recovery

        who = user(c, "dispatcher")
        case = recovery.open_case(_db.session.get(WorkOrder, c.w["wo3"]), "矩阵: 投诉", who, channel="phone")
        steps = ("contacted", "diagnosing", "remedy", "resolved", "rerated")
        reached = steps[: steps.index(stage) + 1] if stage in steps else ()
        if "contacted" in reached:
            recovery.log_contact(case, "已联系客户", who)
        if "diagnosing" in reached:
            recovery.investigate(case, "查记录", who)
        if "remedy" in reached:
            recovery.plan_remedy(case, "派单失误", "重新上门", None, None)
        if "resolved" in reached:
            recovery.resolve(case, who)
            case.resolved_at -= timedelta(days=4)  # the re-rating window is open
        if "rerated" in reached:
            recovery.rerate(case, 5, None, who)
        _db.session.commit()
        return case.id

    return make


def recovery_state(**fields):
    def check(r, c):
        from server.models import RecoveryCase

        case = fetch(RecoveryCase, c.made["id"])
        for name, want in fields.items():
            want = want(c) if callable(want) else want
            assert getattr(case, name) == want, (name, getattr(case, name), want)

    return check


def recovery_case_page(c: Cell) -> str:
    return f"/office/recovery/{c.made['id']}"


_seqs = itertools.count(1_000_000)


def fresh_rejected(c: Cell) -> str:
    row = MutationRecord(
        id=str(uuid.uuid4()),
        device_id=c.w["device1"],
        seq=next(_seqs),
        user_id=c.w["tech1"],
        entity="visit_event",
        entity_id=str(uuid.uuid4()),
        op="create",
        status="rejected",
        payload={"fields": {"work_order_id": c.w["wo2"]}},
        result={"status": "rejected", "error": {"message": "Not yours.", "errors": {}}},
    )
    _db.session.add(row)
    _db.session.commit()
    return row.id


def fresh_follow_up(c: Cell) -> str:
    case = followup_queue.open_complaint(_db.session.get(WorkOrder, c.w["wo3"]), "矩阵: 回访", user(c, "dispatcher"))
    _db.session.commit()
    return _db.session.scalars(sa.select(FollowUp.id).where(FollowUp.recovery_case_id == case.id)).first()


# Follow-up visits requested from the field (issue #15): a request on wo1, booked by the office.
def fresh_visit_request(c: Cell) -> str:
    start = datetime.now(SERVICE_TZ).replace(microsecond=0) + timedelta(days=2)
    event = VisitEvent(
        work_order_id=c.w["wo1"],
        kind="follow_up_requested",
        created_by_id=c.w["tech1"],
        device_at=start - timedelta(days=2),
        corrected_at=start - timedelta(days=2),
        data={
            "reason": "矩阵: 复查",
            "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}],
        },
    )
    _db.session.add(event)
    _db.session.commit()
    return event.id


def visit_request_booked(r, c):
    _db.session.expire_all()
    booked = _db.session.scalars(sa.select(VisitEvent).where(VisitEvent.kind == "follow_up_booked")).all()
    assert c.made["id"] in [b.data["request_id"] for b in booked]


def made_for_office(c: Cell, factory: Callable[[Cell], str], param: str) -> dict:
    """Path values: a record made for this call when the office calls, else the world's."""
    if not c.office:
        return {}
    c.made["id"] = factory(c)
    return {param: c.made["id"]}


def with_made(factory, param: str, **request):
    """A request on a record made for the call (office callers), with a JSON or form body."""

    def build(c: Cell) -> Req:
        url = path(c, **made_for_office(c, factory, param))
        return Req(url, **{k: (v(c) if callable(v) else v) for k, v in request.items()})

    return build


def intake_fields(c: Cell) -> dict:
    return {
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "customer_name": "赵六",
        "phone": phone_number(),
        "address": "杭州市西湖区文三路 6 号",
        "model": "AC-3000",
        "serial_no": unique("SN"),
        "fault_description": "不制冷",
    }


def current_sla(c: Cell) -> dict:
    hours = office_settings.sla_hours()
    return {
        "response_hours": hours["response"],
        "resolution_hours": hours["resolution"],
        "low_rating_threshold": office_settings.low_rating_threshold(),
    }


def current_calendar(c: Cell) -> dict:
    settings = office_settings.calendar_settings()
    return {**settings, "holidays": [d.isoformat() for d in settings["holidays"]]}


def credentials(c: Cell) -> dict:
    """The caller's own email and password (anonymous: a technician who has not signed in here)."""
    return {"email": c.email or EMAILS["tech2"], "password": PASSWORD}


# --- sync ----------------------------------------------------------------------------------


def now_iso() -> str:
    return datetime.now(SERVICE_TZ).isoformat()


def push_body(device_id: str, wo_id: str, seq: int = 1) -> dict:
    mutation = {
        "seq": seq,
        "id": str(uuid.uuid4()),
        "entity": "visit_event",
        "entity_id": str(uuid.uuid4()),
        "op": "create",
        "fields": {"work_order_id": wo_id, "kind": "phoned_customer", "note": "矩阵"},
        "base_version": None,
        "at": now_iso(),
    }
    return {"device_id": device_id, "device_time": now_iso(), "mutations": [mutation]}


def push_request(c: Cell):
    new_device = str(uuid.uuid4())
    if c.caller == OTHER:  # a mutation for tech2's job, then one through tech2's phone
        return [
            Req(path(c), json=push_body(new_device, c.w["wo2"])),
            Req(path(c), json=push_body(c.w["device2"], c.w["wo1"], seq=500)),
        ]
    return Req(path(c), json=push_body(new_device, c.w["wo1"]))


def _pushed(c: Cell) -> dict:
    return c.req.json["mutations"][0]


def push_applied(r, c):
    (result,) = r.get_json()["results"]
    assert result["status"] == "applied", result
    event = fetch(VisitEvent, _pushed(c)["entity_id"])
    assert event is not None and event.work_order_id == c.w["wo1"] and event.created_by_id == c.user_id


def push_rejected_not_yours(r, c):
    (result,) = r.get_json()["results"]
    assert result["status"] == "rejected" and result["error"]["errors"] == {
        "work_order_id": ["Unknown or not yours."]
    }, result
    assert fetch(VisitEvent, _pushed(c)["entity_id"]) is None


def nothing_recorded(r, c):
    assert fetch(MutationRecord, _pushed(c)["id"]) is None and fetch(VisitEvent, _pushed(c)["entity_id"]) is None


def pulled(*names: str, absent: tuple[str, ...] = ()):
    """A whole pull that carries these world records and never the `absent` ones."""

    def check(r, c):
        page_ = r.get_json()
        assert page_["has_more"] is False and page_["reset"] is False
        got = {ch["id"] for ch in page_["changes"] if ch["op"] == "put"}
        missing = [n for n in names if c.w[n] not in got]
        leaked = [n for n in absent if c.w[n] in got]
        assert not missing and not leaked, f"missing {missing}, leaked {leaked}"

    return check


def only_own_rejected(r, c):
    assert {row["user_id"] for row in r.get_json()} == {c.w["tech1"]}, r.get_json()


def settled_by_caller(model, column: str):
    def check(r, c):
        assert getattr(fetch(model, c.made["id"]), column) == c.user_id

    return check


def untouched(model, key: str, column: str):
    """A refused call left this world record as it was (no settlement, same owner...)."""

    def check(r, c):
        assert getattr(fetch(model, c.w[key]), column) is None

    return check


# --- blobs --------------------------------------------------------------------------------


def blob_request(c: Cell) -> Req:
    data = c.ctx.blob2_bytes if c.caller == OTHER else b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes
    c.made["sha"] = hashlib.sha256(data).hexdigest()
    return Req(f"/api/blobs/{c.made['sha']}", body=data, headers={"Content-Type": "image/png"})


def blob_stored_for_caller(r, c):
    assert r.get_json()["sha256"] == c.made["sha"]
    assert fetch(Blob, c.made["sha"]).uploaded_by_id == c.user_id


def blob_sent_again(r, c):
    """Sending the same bytes as someone else's file: stored once, first uploader kept, and
    the caller, who has proved they hold the bytes, may now refer to them and read them."""
    assert r.get_json()["sha256"] == c.w["blob2"]
    assert fetch(Blob, c.w["blob2"]).uploaded_by_id == c.w["tech2"]
    assert {u.user_id for u in _db.session.scalars(sa.select(BlobUpload).where(BlobUpload.sha256 == c.w["blob2"]))} == {
        c.w["tech2"],
        c.user_id,
    }
    assert c.client.get(f"/api/blobs/{c.w['blob2']}").status_code == 200
    # Leave the shared world as it was: other tests rely on tech1 not holding blob2.
    _db.session.execute(sa.delete(BlobUpload).where(BlobUpload.sha256 == c.w["blob2"], BlobUpload.user_id == c.user_id))
    _db.session.commit()


def blob_bytes(r, c):
    assert r.data == PNG and r.headers["Cache-Control"].startswith("private"), r.headers


# --- passkeys and sessions ----------------------------------------------------------------------


def passkey_delete_request(c: Cell) -> Req:
    if c.caller == OWN:  # a spare passkey of their own to remove
        spare = Passkey(user_id=c.w["tech1"], credential_id=os.urandom(32), public_key=b"\xa5", name="spare")
        _db.session.add(spare)
        _db.session.commit()
        c.made["id"] = spare.id
        return Req(path(c, passkey_id=spare.id))
    return Req(path(c, passkey_id=("passkey1", "passkey2")))


def passkey_gone(r, c):
    assert fetch(Passkey, c.made["id"]) is None


def passkey_kept(key: str):
    def check(r, c):
        assert fetch(Passkey, c.w[key]) is not None

    return check


def register_verify_request(c: Cell) -> Req:
    if c.caller == ANON:
        return Req(path(c), json={"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {}}})
    options = c.client.post("/api/auth/passkeys/register/options", json={"name": "矩阵钥匙"})
    assert options.status_code == 200, options.get_json()
    return Req(path(c), json={"credential": SoftAuthenticator().create(options.get_json()["publicKey"])})


def passkey_of_caller(r, c):
    body = r.get_json()
    assert body["name"] == "矩阵钥匙" and fetch(Passkey, body["id"]).user_id == c.user_id


def passkey_login_request(c: Cell) -> Req:
    options = c.client.post("/api/auth/passkeys/login/options", json={})
    assert options.status_code == 200, options.get_json()
    return Req(path(c), json={"credential": c.ctx.authenticator.get(options.get_json()["publicKey"])})


def signed_in_as(email: str | Callable[[Cell], str | None]):
    def check(r, c):
        want = email(c) if callable(email) else email
        body = r.get_json()
        assert (body["user"] and body["user"]["email"]) == want and body["csrf_token"], body
        assert (c.client.get("/api/auth/session").get_json()["user"] or {}).get("email") == want

    return check


def me_is_caller(r, c):
    assert r.get_json()["user"]["id"] == c.user_id


def signed_out(r, c):
    assert c.client.get("/api/auth/me").status_code == 401


def token_works(r, c):
    body = r.get_json()
    assert body["token"].startswith("ons_") and body["user"]["email"] == credentials(c)["email"]
    me = c.ctx.app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["user"]["email"] == credentials(c)["email"]


def _owner(c: Cell) -> User:
    """The caller's own account (anonymous: tech1's), or tech2's for the `other` column."""
    return _db.session.get(User, c.w["tech2"] if c.caller == OTHER else (c.user_id or c.w["tech1"]))


def token_request(c: Cell) -> Req:
    _, record = sign_ins_service.issue_token(_owner(c), "矩阵")
    _db.session.commit()
    c.made["id"] = record.id
    return Req(path(c, token_id=record.id))


def token_gone(r, c):
    assert fetch(ApiToken, c.made["id"]) is None


def token_kept(r, c):
    assert fetch(ApiToken, c.made["id"]) is not None


def sign_in_request(c: Cell) -> Req:
    token = sign_ins_service.start(_owner(c), "password", user_agent="矩阵")
    _db.session.commit()
    c.made["id"] = _db.session.scalar(sa.select(SignIn.id).where(SignIn.token_sha256 == sign_ins_service.digest(token)))
    return Req(path(c, sign_in_id=c.made["id"]))


def sign_in_revoked(r, c):
    assert fetch(SignIn, c.made["id"]).revoked_at is not None


def sign_in_live(r, c):
    assert fetch(SignIn, c.made["id"]).revoked_at is None


def lists_current_sign_in(r, c):
    assert sum(s["current"] for s in r.get_json()) == 1, r.get_json()


def staff_sign_in_request(c: Cell) -> Req:
    """A sign-in of tech1's for the office's device page to end."""
    token = sign_ins_service.start(_db.session.get(User, c.w["tech1"]), "password", user_agent="矩阵")
    _db.session.commit()
    c.made["id"] = _db.session.scalar(sa.select(SignIn.id).where(SignIn.token_sha256 == sign_ins_service.digest(token)))
    return Req(path(c, user_id=c.w["tech1"], sign_in_id=c.made["id"]), form={})


def staff_token_request(c: Cell) -> Req:
    _, record = sign_ins_service.issue_token(_db.session.get(User, c.w["tech1"]), "矩阵")
    _db.session.commit()
    c.made["id"] = record.id
    return Req(path(c, user_id=c.w["tech1"], token_id=record.id), form={})


def staff_to_deactivate(c: Cell) -> Req:
    user = make_user(f"{unique('leaver')}@test.onsite", "technician")
    _db.session.commit()
    c.made["id"] = user.id
    return Req(path(c, user_id=user.id), form={})


def badge_of(expected):
    def check(r, c):
        assert fetch(User, c.made["id"]).badge_no == expected

    return check


def staff_badge_request(c: Cell) -> Req:
    user = make_user(f"{unique('badge')}@test.onsite", "technician")
    _db.session.commit()
    c.made["id"] = user.id
    return Req(path(c, user_id=user.id), form={"badge_no": "SH-7"})


def account_active(active: bool):
    def check(r, c):
        assert fetch(User, c.made["id"]).active is active

    return check


def office_login_request(c: Cell) -> Req:
    email = c.email or EMAILS["dispatcher"]
    return Req("/office/login", form={"email": email, "password": PASSWORD})


def refused_office_sign_in(r, c):
    assert "password" in r.get_data(as_text=True) and c.client.get("/office/board").status_code == 403


# --- office records changed by a call ---------------------------------------------------------


def assigned_to_tech2(r, c):
    assert fetch(WorkOrder, c.made["id"]).technician_id == c.w["tech2"]


def scheduled_by_board(r, c):
    wo = fetch(WorkOrder, c.made["id"])
    assert wo.technician_id == c.w["tech1"] and wo.appointment_start == local_time(1, 10), r.get_json()


def rescheduled(r, c):
    assert fetch(WorkOrder, c.made["id"]).appointment_start == local_time(1, 10)


def record_completed(r, c):
    wo = fetch(WorkOrder, c.made["id"])
    assert wo.pending_product is None and wo.product_id is not None


def contacted(r, c):
    assert fetch(WorkOrder, c.made["id"]).first_response_at is not None


def warranty_decided(r, c):
    assert fetch(WorkOrder, c.made["id"]).warranty_decision == "chargeable"


def resolved_by_phone(r, c):
    wo = fetch(WorkOrder, c.made["id"])
    assert (wo.status, wo.outcome) == ("completed", "resolved_remotely")


def follow_up_done(r, c):
    assert fetch(FollowUp, c.made["id"]).status != "open"


def complaint_recorded(r, c):
    _db.session.expire_all()
    description = c.req.form["description"]
    assert (
        _db.session.scalar(sa.select(RecoveryCase.work_order_id).where(RecoveryCase.description == description))
        == c.w["wo3"]
    )


def review_recorded(r, c):
    _db.session.expire_all()
    review = _db.session.scalar(
        sa.select(ReconciliationReview).where(
            ReconciliationReview.work_order_id == c.w["wo3"], ReconciliationReview.flag == "late_record"
        )
    )
    assert review.note == c.req.form["note"] and review.reviewed_by_id == c.user_id


def intake_page_created(r, c):
    wo_id = urlsplit(r.headers["Location"]).path.rsplit("/", 1)[1]
    wo = fetch(WorkOrder, wo_id)
    assert wo.product.serial_no == c.req.form["serial_no"] and wo.customer.name == "赵六"


def intake_created(r, c):
    body = r.get_json()
    assert body["customer_created"] and body["product_created"] and body["work_order"]["ticket_no"], body
    assert fetch(WorkOrder, body["work_order"]["id"]).product.serial_no == c.req.json["serial_no"]


def work_order_of(wo_key: str):
    return lambda r, c: r.get_json()["work_order_id"] == c.w[wo_key]


# --- web push subscriptions (issue #16): one's own only -------------------------------------


def _push_subscription(c: Cell, who: str, endpoint: str | None = None) -> str:
    """A subscription of `who`'s (the same one again for a fixed endpoint)."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from server.models import PushSubscription

    endpoint = endpoint or f"https://push.example/matrix-{who}"
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    found = _db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint_hash == digest))
    if found is not None:
        return found.id
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    sub = PushSubscription(
        user_id=c.w[who],
        endpoint=endpoint,
        endpoint_hash=digest,
        p256dh=base64.urlsafe_b64encode(point).rstrip(b"=").decode(),
        auth="AAAAAAAAAAAAAAAAAAAAAA",
    )
    _db.session.add(sub)
    _db.session.commit()
    return sub.id


def push_vapid_request(c: Cell) -> Req:
    import tempfile

    if not c.ctx.app.config["VAPID_KEY_FILE"]:  # not the repo's instance/
        c.ctx.app.config["VAPID_KEY_FILE"] = f"{tempfile.mkdtemp()}/vapid_private.pem"
    return Req(path(c))


def vapid_key(r, c):
    import base64

    key = r.get_json()["public_key"]
    assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == 65


def push_list_request(c: Cell) -> Req:
    c.made["tech1"], c.made["tech2"] = _push_subscription(c, "tech1"), _push_subscription(c, "tech2")
    return Req(path(c))


def push_lists(*whose: str):
    def check(r, c):
        assert ids(r) == {c.made[w] for w in whose}, r.get_json()

    return check


def push_subscribe_request(c: Cell) -> Req:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    key = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    endpoint = f"https://push.example/{uuid.uuid4()}"
    return Req(path(c), json={"endpoint": endpoint, "keys": {"p256dh": key, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}})


def push_subscription_of_caller(r, c):
    from server.models import PushSubscription

    assert fetch(PushSubscription, r.get_json()["id"]).user_id == c.user_id


def push_delete_request(c: Cell) -> Req:
    if c.caller == OWN:  # a spare subscription of their own to remove
        c.made["id"] = _push_subscription(c, "tech1", f"https://push.example/{uuid.uuid4()}")
    else:  # tech1's for the office and anonymous callers, tech2's for the other technician
        c.made["id"] = _push_subscription(c, "tech2" if c.caller == OTHER else "tech1")
    return Req(path(c, subscription_id=c.made["id"]))


def push_subscription_gone(r, c):
    from server.models import PushSubscription

    assert fetch(PushSubscription, c.made["id"]) is None


def push_subscription_kept(r, c):
    from server.models import PushSubscription

    assert fetch(PushSubscription, c.made["id"]) is not None


# --- the matrix -------------------------------------------------------------------------------

MATRIX: dict[tuple[str, str], Row] = {
    # --- public by rule: the PWA shell, health, API docs, report verification and shared reports
    ("GET", "/"): public(ok(200, html_has(literal=("/static/",)), says="app shell")),
    ("GET", "/app"): public(ok(308, redirects_to("/app/"))),
    ("GET", "/app/"): public(ok(200, html_has(literal=("/static/",)), says="app shell")),
    ("GET", "/app/<path:subpath>"): public(
        ok(200, html_has(literal=("/static/",), absent=("张伟",)), says="app shell, no data"),
        request=lambda c: Req(f"/app/jobs/{c.w['wo1']}"),
    ),
    ("GET", "/sw.js"): public(ok(200, lambda r, c: r.mimetype == "text/javascript" and b"__PRECACHE__ = {" in r.data)),
    ("GET", "/manifest.webmanifest"): public(ok(200, lambda r, c: r.get_json(force=True)["start_url"] == "/app/")),
    ("GET", "/static/<path:filename>"): public(
        ok(200, lambda r, c: r.mimetype == "image/png"), request=lambda c: Req("/static/icons/icon-192.png")
    ),
    ("GET", "/office/static/<path:filename>"): public(  # the office's css and scripts (the sign-in page needs them)
        ok(200, lambda r, c: r.mimetype == "text/css"), request=lambda c: Req("/office/static/office.css")
    ),
    ("GET", "/healthz"): public(ok(200, lambda r, c: r.get_json() == {"status": "ok", "database": "ok"})),
    ("GET", "/api/openapi.json"): public(ok(200, lambda r, c: "/api/sync/push" in r.get_json()["paths"])),
    ("GET", "/api/docs"): public(ok(200, lambda r, c: b"swagger" in r.data.lower())),
    ("GET", "/verify/<code>"): public(
        ok(200, html_has("t3", literal=("张*",), absent=("张伟", "13800000001")), says="masked signer")
    ),
    ("GET", "/report/<token>"): public(ok(200, pdf)),
    # The customer's tracking page: nothing before the last four phone digits (tests/office/test_tracking.py)
    ("GET", "/track/<ticket_no>"): public(
        ok(200, html_has("t3", literal=('name="digits"',), absent=("张伟", "13800000001"))),
        request=lambda c: Req(path(c, ticket_no=c.w["t3"])),
    ),
    ("POST", "/track/<ticket_no>"): public(
        Expect(401, html_has(absent=("张伟", "13800000001")), "wrong digits: nothing shown"),
        request=lambda c: Req(path(c, ticket_no=c.w["t3"]), form={"digits": "9999"}),
    ),
    ("GET", "/track/<ticket_no>/technician.jpg"): public(
        Expect(404, None, "digits not given"), request=lambda c: Req(path(c, ticket_no=c.w["t3"]))
    ),
    ("GET", "/track/<ticket_no>/report.pdf"): public(
        Expect(404, None, "digits not given"), request=lambda c: Req(path(c, ticket_no=c.w["t3"]))
    ),
    ("GET", "/office/lang/<code>"): public(
        ok(302, redirects_to("/office/board")), clone=True, request=lambda c: Req("/office/lang/en?next=/office/board")
    ),
    ("GET", "/office/login"): public(ok(200, html_has(literal=('name="password"',)))),
    ("POST", "/office/login"): api(
        anonymous=ok(302, redirects_to("/office/board"), says="dispatcher signs in"),
        own=Expect(401, refused_office_sign_in, "technicians use the app"),
        office=ok(302, redirects_to("/office/board")),
        request=office_login_request,
        clone=True,
    ),
    # --- signing in and out: open to all, the session says who
    ("POST", "/api/auth/login"): public(
        ok(200, signed_in_as(lambda c: credentials(c)["email"])),
        clone=True,
        request=lambda c: Req(path(c), json=credentials(c)),
    ),
    ("POST", "/api/auth/logout"): public(ok(200, lambda r, c: r.get_json()["user"] is None, signed_out), clone=True),
    ("GET", "/api/auth/session"): public(
        ok(200, lambda r, c: (r.get_json()["user"] or {}).get("email") == c.email and bool(r.get_json()["csrf_token"]))
    ),
    ("GET", "/api/auth/me"): api(own=ok(200, me_is_caller), office=ok(200, me_is_caller)),
    ("POST", "/api/auth/token"): public(
        ok(201, token_works), request=lambda c: Req(path(c), json={**credentials(c), "name": "矩阵"})
    ),
    # --- one's own bearer tokens and signed-in devices: listed and revoked by their owner only
    ("GET", "/api/auth/tokens"): api(
        own=ok(200, lambda r, c: isinstance(r.get_json(), list)),
        office=ok(200, lambda r, c: isinstance(r.get_json(), list)),
    ),
    ("DELETE", "/api/auth/tokens/<string:token_id>"): api(
        anonymous=Expect(401, all_of(api_error(401), token_kept), "sign in first"),
        own=ok(204, token_gone),
        other=Expect(404, all_of(api_error(404), token_kept), "someone else's: not found"),
        office=ok(204, token_gone),
        request=token_request,
    ),
    ("GET", "/api/auth/sign-ins"): api(own=ok(200, lists_current_sign_in), office=ok(200, lists_current_sign_in)),
    ("DELETE", "/api/auth/sign-ins/<string:sign_in_id>"): api(
        anonymous=Expect(401, all_of(api_error(401), sign_in_live), "sign in first"),
        own=ok(204, sign_in_revoked),
        other=Expect(404, all_of(api_error(404), sign_in_live), "someone else's: not found"),
        office=ok(204, sign_in_revoked),
        request=sign_in_request,
    ),
    ("POST", "/api/auth/password"): api(
        own=Expect(422, api_error(422), "the current password is checked first"),
        office=Expect(422, api_error(422), "the current password is checked first"),
        request=lambda c: Req(path(c), json={"current_password": "not it", "new_password": "a new passphrase 42"}),
    ),
    # --- staff and devices: managers only (a lost phone, someone who left)
    ("GET", "/office/people"): page(PAGE_FORBIDDEN, manager=ok(200, html_has(literal=(EMAILS["tech1"],)))),
    ("GET", "/office/people/<user_id>"): page(
        PAGE_FORBIDDEN,
        manager=ok(200, html_has(literal=("data-sign-in=",))),
        request=lambda c: Req(path(c, user_id=c.w["tech1"])),
    ),
    ("POST", "/office/people/<user_id>/sign-ins/<sign_in_id>/revoke"): api(
        anonymous=Expect(302, all_of(to_login, sign_in_live), "to sign-in"),
        own=Expect(403, all_of(forbidden_page, sign_in_live), "refusal page"),
        office=Expect(403, all_of(forbidden_page, sign_in_live), "refusal page"),
        manager=ok(302, sign_in_revoked),
        request=staff_sign_in_request,
    ),
    ("POST", "/office/people/<user_id>/tokens/<token_id>/revoke"): api(
        anonymous=Expect(302, all_of(to_login, token_kept), "to sign-in"),
        own=Expect(403, all_of(forbidden_page, token_kept), "refusal page"),
        office=Expect(403, all_of(forbidden_page, token_kept), "refusal page"),
        manager=ok(302, token_gone),
        request=staff_token_request,
    ),
    ("POST", "/office/people/<user_id>/deactivate"): api(
        anonymous=Expect(302, all_of(to_login, account_active(True)), "to sign-in"),
        own=Expect(403, all_of(forbidden_page, account_active(True)), "refusal page"),
        office=Expect(403, all_of(forbidden_page, account_active(True)), "refusal page"),
        manager=ok(302, account_active(False)),
        request=staff_to_deactivate,
    ),
    ("POST", "/office/people/<user_id>/badge"): api(
        anonymous=Expect(302, all_of(to_login, badge_of(None)), "to sign-in"),
        own=Expect(403, all_of(forbidden_page, badge_of(None)), "refusal page"),
        office=Expect(403, all_of(forbidden_page, badge_of(None)), "refusal page"),
        manager=ok(302, badge_of("SH-7")),
        request=staff_badge_request,
    ),
    # --- passkeys: sign-in is open; the list and removal are one's own only
    ("POST", "/api/auth/passkeys/login/options"): public(
        ok(200, lambda r, c: bool(r.get_json()["publicKey"]["challenge"])),
        clone=True,
        request=lambda c: Req(path(c), json={}),
    ),
    ("POST", "/api/auth/passkeys/login/verify"): public(
        ok(200, signed_in_as(EMAILS["tech2"]), says="whoever holds tech2's passkey"),
        clone=True,
        request=passkey_login_request,
    ),
    ("POST", "/api/auth/passkeys/register/options"): api(
        own=ok(200, lambda r, c: r.get_json()["publicKey"]["user"]["name"] == c.email),
        office=ok(200, lambda r, c: r.get_json()["publicKey"]["user"]["name"] == c.email),
        clone=True,
        request=lambda c: Req(path(c), json={"name": "矩阵钥匙"}),
    ),
    ("POST", "/api/auth/passkeys/register/verify"): api(
        own=ok(201, passkey_of_caller), office=ok(201, passkey_of_caller), clone=True, request=register_verify_request
    ),
    ("GET", "/api/auth/passkeys"): api(
        own=ok(200, lists("passkey1", absent=("passkey2",))), office=ok(200, lists(absent=("passkey1", "passkey2")))
    ),
    ("DELETE", "/api/auth/passkeys/<string:passkey_id>"): api(
        anonymous=Expect(401, all_of(api_error(401), passkey_kept("passkey1")), "sign in first"),
        own=ok(204, passkey_gone),
        other=Expect(404, all_of(api_error(404), passkey_kept("passkey2")), "someone else's: not found"),
        office=Expect(404, all_of(api_error(404), passkey_kept("passkey1")), "a passkey is its owner's alone"),
        request=passkey_delete_request,
    ),
    # --- sync: push applies only to one's own jobs and devices; pull carries only what one may see
    ("POST", "/api/sync/push"): api(
        own=ok(200, push_applied, says="applied"),
        other=(
            Expect(200, push_rejected_not_yours, "mutation rejected"),
            Expect(403, all_of(api_error(403), nothing_recorded), "another user's device"),
        ),
        office=ok(200, push_applied, says="applied"),
        request=push_request,
    ),
    ("GET", "/api/sync/pull"): api(
        own=ok(200, pulled("wo1", "wo3", "c1", "p1", "van1", absent=("wo2", "c2", "p2", "photo2", "van2"))),
        office=ok(200, pulled("wo1", "wo2", "wo3", "c1", "c2", "photo2", "van1", "van2")),
        request=lambda c: Req("/api/sync/pull?limit=1000"),
    ),
    ("GET", "/api/sync/conflicts"): office_api(ok(200, lists("conflict"))),
    ("POST", "/api/sync/conflicts/<string:conflict_id>/settle"): api(
        own=Expect(403, all_of(api_error(403), untouched(Conflict, "conflict", "resolved_at")), "refused"),
        office=ok(200, record(resolved_by_id=caller_id, resolution="矩阵: 已核对")),
        request=with_made(fresh_conflict, "conflict_id", json={"resolution": "矩阵: 已核对"}),
    ),
    ("GET", "/api/sync/rejected"): api(
        own=ok(200, lists("rejected1", absent=("rejected2",)), only_own_rejected),
        office=ok(200, lists("rejected1", "rejected2")),
    ),
    ("POST", "/api/sync/rejected/<string:mutation_id>/settle"): api(
        own=Expect(403, all_of(api_error(403), untouched(MutationRecord, "rejected1", "settled_at")), "refused"),
        other=Expect(403, all_of(api_error(403), untouched(MutationRecord, "rejected2", "settled_at")), "refused"),
        office=ok(200, record(settled_by_id=caller_id, settlement="矩阵: 已处理")),
        request=with_made(fresh_rejected, "mutation_id", json={"resolution": "矩阵: 已处理"}),
    ),
    # --- blobs: anyone signed in uploads; a file is read by its uploader, its job's holder or the office
    ("PUT", "/api/blobs/<string:sha256>"): api(
        own=ok(201, blob_stored_for_caller),
        other=ok(200, blob_sent_again, says="same bytes: theirs first, now the caller's too"),
        office=ok(201, blob_stored_for_caller),
        request=blob_request,
    ),
    ("GET", "/api/blobs/<string:sha256>"): api(own=ok(200, blob_bytes), other=HIDDEN, office=ok(200, blob_bytes)),
    # --- customers and products: a technician reads those of their jobs; the office writes
    ("GET", "/api/customers"): api(own=ok(200, lists("c1", absent=("c2",))), office=ok(200, lists("c1", "c2"))),
    ("POST", "/api/customers"): api(
        own=FORBIDDEN,
        office=ok(201, lambda r, c: r.get_json()["name"] == "周八" and r.get_json()["id"]),
        request=lambda c: Req(path(c), json={"name": "周八", "phone": phone_number(), "address": "深圳市南山区 8 号"}),
    ),
    ("GET", "/api/customers/<string:customer_id>"): api(
        own=ok(200, record("c1", name="张伟")), other=HIDDEN, office=ok(200, record("c1", name="张伟"))
    ),
    ("PATCH", "/api/customers/<string:customer_id>"): api(
        own=FORBIDDEN,
        office=ok(200, record("c1", locale="zh-CN")),
        request=lambda c: Req(path(c), json={"locale": "zh-CN" if c.mine else "en"}),
    ),
    ("GET", "/api/products"): api(own=ok(200, lists("p1", absent=("p2",))), office=ok(200, lists("p1", "p2"))),
    ("POST", "/api/products"): api(
        own=FORBIDDEN,
        office=ok(
            201,
            lambda r, c: (
                r.get_json()["customer_id"] == c.w["c1"] and r.get_json()["serial_no"] == c.req.json["serial_no"]
            ),
        ),
        request=lambda c: Req(
            path(c), json={"customer_id": c.w["c1" if c.mine else "c2"], "model": "AC-3000", "serial_no": unique("SN")}
        ),
    ),
    ("GET", "/api/products/<string:product_id>"): api(
        own=ok(200, record("p1", serial_no="AC3K-0001")),
        other=HIDDEN,
        office=ok(200, record("p1", serial_no="AC3K-0001")),
    ),
    # Look-up by any serial: the product repair history rule (a technician, the customers whose jobs they hold).
    ("GET", "/api/serials/<path:serial>"): api(
        own=ok(200, lambda r, c: r.get_json()["product"]["id"] == c.w["p1"]),
        other=HIDDEN,
        office=ok(200, lambda r, c: r.get_json()["product"]["id"] == c.w["p1"]),
        request=lambda c: Req(f"/api/serials/{'AC3K-0001' if c.mine else 'WM8-0002'}"),
    ),
    # --- the parts catalogue is for everyone to read; van stock a technician sees for their own van
    ("GET", "/api/parts"): api(own=ok(200, lists("part")), office=ok(200, lists("part"))),
    ("POST", "/api/parts"): api(
        own=FORBIDDEN,
        office=ok(201, lambda r, c: r.get_json()["part_number"] == c.req.json["part_number"]),
        request=lambda c: Req(path(c), json={"part_number": unique("P"), "name": "滤网", "price": "12.00"}),
    ),
    ("GET", "/api/parts/<string:part_id>"): api(
        own=ok(200, record("part", part_number="PCB-220")), office=ok(200, record("part", part_number="PCB-220"))
    ),
    ("GET", "/api/van-stock"): api(
        own=ok(200, lambda r, c: {v["technician_id"] for v in r.get_json()} == {c.w["tech1"]}),
        other=ok(200, empty, says="nothing of another van"),
        office=ok(200, lambda r, c: {v["technician_id"] for v in r.get_json()} >= {c.w["tech1"], c.w["tech2"]}),
        request=lambda c: Req("/api/van-stock" + ("" if c.mine else f"?technician_id={c.w['tech2']}")),
    ),
    ("PUT", "/api/van-stock"): api(
        own=FORBIDDEN,
        office=ok(200, lambda r, c: r.get_json()["technician_id"] == c.w["tech1"] and r.get_json()["quantity"] == 3),
        request=lambda c: Req(
            path(c), json={"technician_id": c.w["tech1" if c.mine else "tech2"], "part_id": c.w["part"], "quantity": 3}
        ),
    ),
    # --- work orders: a technician sees and updates the jobs they hold
    ("GET", "/api/work-orders/"): api(
        own=ok(200, lists("wo1", "wo3", absent=("wo2",))),
        other=ok(200, empty, says="nothing of another technician"),
        office=ok(200, lists("wo1", "wo2", "wo3")),
        request=lambda c: Req("/api/work-orders/" + ("" if c.mine else f"?technician_id={c.w['tech2']}")),
    ),
    ("POST", "/api/work-orders/"): api(
        own=FORBIDDEN,
        office=ok(201, lambda r, c: r.get_json()["customer_id"] == c.w["c2"] and r.get_json()["ticket_no"]),
        request=lambda c: Req(
            path(c),
            json={
                "customer_id": c.w["c2"],
                "channel": "wechat",
                "type": "consultation",
                "priority": "normal",
                "fault_description": "咨询滤网更换周期",
            },
        ),
    ),
    ("GET", "/api/work-orders/mine"): api(
        own=ok(200, lists("wo1", "wo3", absent=("wo2",))), office=ok(200, empty, says="the office holds no jobs")
    ),
    ("GET", "/api/work-orders/<string:wo_id>"): api(
        own=ok(200, record("wo1")), other=HIDDEN, office=ok(200, record("wo1"))
    ),
    ("PATCH", "/api/work-orders/<string:wo_id>"): api(
        own=ok(200, record("wo1", technician_notes="带上备用电容")),
        other=Expect(
            404,
            all_of(api_error(404), lambda r, c: fetch(WorkOrder, c.w["wo2"]).technician_notes is None),
            "someone else's: not found",
        ),
        office=ok(200, record("wo1", technician_notes="带上备用电容")),
        request=lambda c: Req(path(c), json={"technician_notes": "带上备用电容"}),
    ),
    # The signed report sent from the phone at the sign-off (issue #16): the job's technician or the office.
    ("POST", "/api/work-orders/<string:wo_id>/report/send"): api(
        own=ok(202, lambda r, c: r.get_json()["channel"] == "sms" and r.get_json()["recipient"] == "13800000003"),
        other=HIDDEN,
        office=ok(202, lambda r, c: r.get_json()["status"] in ("pending", "sent", "skipped")),
        request=lambda c: Req(path(c, wo_id=("wo3", "wo2")), json={"channel": "sms", "recipient": "138 0000 0003"}),
    ),
    ("POST", "/api/work-orders/<string:wo_id>/assign"): api(
        own=FORBIDDEN,
        office=ok(200, record(technician_id=lambda c: c.w["tech2"])),
        request=with_made(fresh_work_order, "wo_id", json=lambda c: {"technician_id": c.w["tech2"]}),
    ),
    # --- the back-office API: dispatchers and managers only
    ("POST", "/api/office/intake"): office_api(
        ok(201, intake_created), request=lambda c: Req(path(c), json=intake_fields(c))
    ),
    ("GET", "/api/office/intake/check"): office_api(
        ok(200, lambda r, c: r.get_json()["product"]["id"] == c.w["p1"]),
        request=lambda c: Req("/api/office/intake/check?serial_no=AC3K-0001"),
    ),
    ("GET", "/api/office/board"): office_api(ok(200, lists("wo1", "wo2"))),
    ("GET", "/api/office/sla-settings"): office_api(ok(200, lambda r, c: r.get_json() == current_sla(c))),
    ("PUT", "/api/office/sla-settings"): api(
        own=FORBIDDEN,
        office=FORBIDDEN,
        manager=ok(200, lambda r, c: r.get_json() == c.req.json),
        request=lambda c: Req(path(c), json=current_sla(c)),
    ),
    ("GET", "/api/office/work-calendar"): office_api(ok(200, lambda r, c: r.get_json() == current_calendar(c))),
    ("PUT", "/api/office/work-calendar"): api(
        own=FORBIDDEN,
        office=FORBIDDEN,
        manager=ok(200, lambda r, c: r.get_json() == c.req.json),
        request=lambda c: Req(path(c), json=current_calendar(c)),
    ),
    ("GET", "/api/office/technicians"): office_api(ok(200, lists("tech1", "tech2", absent=("dispatcher",)))),
    ("GET", "/api/office/technicians/<string:technician_id>/day"): office_api(
        ok(
            200,
            lambda r, c: (
                r.get_json()["technician_id"] == c.w["tech1"]
                and c.w["wo1"] in {a["id"] for a in r.get_json()["appointments"]}
            ),
        )
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/assign"): office_api(
        ok(200, record(technician_id=lambda c: c.w["tech2"])),
        request=with_made(fresh_work_order, "wo_id", json=lambda c: {"technician_id": c.w["tech2"]}),
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/reschedule"): office_api(
        ok(200, record(), rescheduled),
        request=with_made(
            fresh_work_order,
            "wo_id",
            json=lambda c: {
                "appointment_start": local_time(1, 10).isoformat(),
                "appointment_end": local_time(1, 11).isoformat(),
                "reason": "客户改到明天",
                "customer_consent": True,
            },
        ),
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/contact"): office_api(
        ok(200, record(), contacted),
        request=with_made(fresh_work_order, "wo_id", json=lambda c: {"note": "已电话联系客户"}),
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/warranty"): office_api(
        ok(200, record(), warranty_decided),
        request=with_made(fresh_work_order, "wo_id", json=lambda c: {"decision": "chargeable", "reason": "矩阵"}),
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/resolve-by-phone"): office_api(
        ok(200, record(), resolved_by_phone),
        request=with_made(fresh_work_order, "wo_id", json=lambda c: {"advice": "指导客户重启设备，已恢复"}),
    ),
    ("GET", "/api/office/work-orders/<string:wo_id>/dispatch-log"): office_api(
        ok(200, lambda r, c: "rescheduled" in {e["kind"] for e in r.get_json()})
    ),
    ("GET", "/api/office/follow-ups"): office_api(ok(200, lists("follow_up"))),
    ("POST", "/api/office/follow-ups/<string:follow_up_id>/outcome"): office_api(
        ok(200, record(outcome="satisfied")),
        request=with_made(fresh_follow_up, "follow_up_id", json={"outcome": "satisfied"}),
    ),
    ("POST", "/api/office/complaints"): office_api(
        ok(201, work_order_of("wo3"), lambda r, c: len(r.get_json()["follow_ups"]) >= 1),
        request=lambda c: Req(path(c), json={"work_order_id": c.w["wo3"], "description": "矩阵: 投诉"}),
    ),
    ("GET", "/api/office/reconciliation"): office_api(ok(200, lambda r, c: r.get_json()["checked"] >= 1)),
    ("POST", "/api/office/reconciliation/reviews"): office_api(
        ok(
            201,
            work_order_of("wo3"),
            lambda r, c: r.get_json()["reviewed"] and r.get_json()["review_note"] == "已电话核实",
        ),
        request=lambda c: Req(path(c), json={"work_order_id": c.w["wo3"], "flag": "late_record", "note": "已电话核实"}),
    ),
    ("GET", "/api/office/kpis"): office_api(ok(200, lambda r, c: r.get_json()["overall"]["jobs"] >= 2)),
    ("GET", "/api/office/kpis.csv"): office_api(ok(200, lambda r, c: r.mimetype == "text/csv" and len(r.data) > 10)),
    ("GET", "/api/office/kpis/visits"): office_api(
        ok(200, lambda r, c: r.get_json()["overall"]["reconciliation_judged"] >= 0)
    ),
    ("GET", "/api/office/kpis/visits.csv"): office_api(
        ok(200, lambda r, c: r.mimetype == "text/csv" and "ticket_no" in r.get_data(as_text=True))
    ),
    ("GET", "/api/office/kpis/monthly"): office_api(
        ok(200, lambda r, c: r.get_json()["month"] == today().strftime("%Y-%m"))
    ),
    ("POST", "/api/office/conflicts/<string:conflict_id>/settle"): office_api(
        ok(200, record(resolved_by_id=caller_id, resolution="keep: 以现场为准")),
        request=with_made(fresh_conflict, "conflict_id", json={"action": "keep", "note": "以现场为准"}),
    ),
    ("GET", "/api/office/work-orders/<string:wo_id>/service-report.pdf"): office_api(
        ok(200, pdf), request=lambda c: Req(path(c, wo_id=("wo3", "wo2")))
    ),
    ("POST", "/api/office/work-orders/<string:wo_id>/service-report/share"): office_api(
        ok(201, work_order_of("wo3"), lambda r, c: "/report/" in r.get_json()["url"]),
        request=lambda c: Req(path(c, wo_id=("wo3", "wo2")), json={"channel": "sms", "recipient": "13800000001"}),
    ),
    # --- the back-office pages: the office only; a manager alone changes the SLA settings
    ("GET", "/office/"): page(ok(302, redirects_to("/office/board"))),
    ("GET", "/office/board"): page(ok(200, html_has("t1", "t2"))),
    # the schedule board (issue #16): page, grid data, change cursor, move preview and the move itself
    ("GET", "/office/schedule"): page(ok(200, html_has(literal=("王师傅", "schedule.js")))),
    ("GET", "/office/schedule/data"): page(
        ok(200, lambda r, c: {j["id"] for j in r.get_json()["jobs"] + r.get_json()["waiting"]} >= {c.w["wo1"]})
    ),
    ("GET", "/office/schedule/changes"): page(ok(200, lambda r, c: isinstance(r.get_json()["cursor"], int))),
    ("GET", "/office/schedule/work-orders/<wo_id>/warnings"): page(
        ok(200, lambda r, c: isinstance(r.get_json()["warnings"], list)),
    ),
    ("POST", "/office/schedule/work-orders/<wo_id>/move"): page(
        ok(200, scheduled_by_board),
        request=with_made(
            fresh_work_order,
            "wo_id",
            json=lambda c: {
                "technician_id": c.w["tech1"],
                "appointment_start": local_time(1, 10).isoformat(),
                "reason": "矩阵: 看板拖放",
                "customer_consent": True,
            },
        ),
    ),
    ("POST", "/office/complaints"): page(
        ok(302, redirects_to("/office/follow-ups"), complaint_recorded),
        request=lambda c: Req(path(c), form={"ticket_no": c.w["t3"], "description": unique("矩阵: 投诉")}),
    ),
    ("GET", "/office/escalations"): page(ok(200, html_has(literal=('id="escalations"',)))),
    # --- complaints and service recovery (seed 002): every step is the office's
    ("GET", "/office/recovery"): page(ok(200, html_has(literal=('id="complaint-form"',)))),
    ("POST", "/office/recovery"): page(
        ok(302, complaint_recorded),
        request=lambda c: Req(
            path(c),
            form={
                "ticket_no": c.w["t3"],
                "channel": "phone",
                "severity": "important",
                "description": unique("矩阵: 投诉"),
            },
        ),
    ),
    ("GET", "/office/recovery/<case_id>"): page(
        ok(200, html_has("t3", literal=("矩阵: 投诉",))), request=with_made(recovery_case_at("open"), "case_id")
    ),
    ("POST", "/office/recovery/<case_id>/owner"): page(
        ok(302, recovery_state(owner_id=caller_id)),
        request=with_made(recovery_case_at("open"), "case_id", form=lambda c: {"owner_id": c.user_id}),
    ),
    ("POST", "/office/recovery/<case_id>/contact"): page(
        ok(302, redirects_to(recovery_case_page), recovery_state(status="contacted")),
        request=with_made(recovery_case_at("open"), "case_id", form={"note": "已致电致歉"}),
    ),
    ("POST", "/office/recovery/<case_id>/investigation"): page(
        ok(302, recovery_state(status="diagnosing")),
        request=with_made(recovery_case_at("contacted"), "case_id", form={"notes": "查派单记录"}),
    ),
    ("POST", "/office/recovery/<case_id>/remedy"): page(
        ok(302, recovery_state(root_cause="派单失误")),
        request=with_made(
            recovery_case_at("diagnosing"), "case_id", form={"root_cause": "派单失误", "solution": "重新上门"}
        ),
    ),
    ("POST", "/office/recovery/<case_id>/resolve"): page(
        ok(302, recovery_state(status="resolved")), request=with_made(recovery_case_at("remedy"), "case_id", form={})
    ),
    ("POST", "/office/recovery/<case_id>/rerating"): page(
        ok(302, recovery_state(rerating_score=4)),
        request=with_made(recovery_case_at("resolved"), "case_id", form={"score": "4"}),
    ),
    ("POST", "/office/recovery/<case_id>/close"): page(
        ok(302, recovery_state(status="closed")), request=with_made(recovery_case_at("rerated"), "case_id", form={})
    ),
    ("GET", "/office/escalations/<case_id>"): page(
        ok(200, html_has("t1", literal=("客户对费用有异议",))), request=with_made(fresh_escalation, "case_id")
    ),
    ("POST", "/office/escalations/<case_id>/take"): page(
        ok(302, escalation_state(owner_id=caller_id)), request=with_made(fresh_escalation, "case_id", form={})
    ),
    ("POST", "/office/escalations/<case_id>/decide"): page(
        ok(302, redirects_to("/office/escalations"), escalation_state(status="decided", decided_by_id=caller_id)),
        request=with_made(fresh_escalation, "case_id", form={"decision": "approved", "text": "按公司规定减免上门费"}),
    ),
    ("GET", "/api/office/escalations"): office_api(ok(200, lambda r, c: isinstance(r.get_json(), (list, dict)))),
    ("GET", "/api/office/escalations/<case_id>"): office_api(
        ok(200, record(kind="fee_dispute")), request=with_made(fresh_escalation, "case_id")
    ),
    ("POST", "/api/office/escalations/<case_id>/take"): office_api(
        ok(200, escalation_state(owner_id=caller_id)),
        request=with_made(fresh_escalation, "case_id", json=lambda c: {"owner_id": c.user_id}),
    ),
    ("POST", "/api/office/escalations/<case_id>/decide"): office_api(
        ok(200, escalation_state(status="decided", decided_by_id=caller_id)),
        request=with_made(fresh_escalation, "case_id", json={"decision": "declined", "text": "费用按收费标准收取"}),
    ),
    ("GET", "/office/conflicts"): page(ok(200, html_has("conflict", "t1"))),
    ("POST", "/office/conflicts/<conflict_id>/settle"): page(
        ok(302, redirects_to("/office/conflicts"), settled_by_caller(Conflict, "resolved_by_id")),
        request=with_made(fresh_conflict, "conflict_id", form={"action": "keep"}),
    ),
    ("GET", "/office/dispatch"): page(ok(200, html_has(literal=("王师傅", "李师傅")))),
    ("GET", "/office/follow-ups"): page(ok(200, html_has("t3"))),
    ("POST", "/office/follow-ups/<follow_up_id>/outcome"): page(
        ok(302, redirects_to("/office/follow-ups"), follow_up_done),
        request=with_made(fresh_follow_up, "follow_up_id", form={"outcome": "satisfied"}),
    ),
    ("POST", "/office/follow-ups/requests/<request_id>/book"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.w['wo1']}"), visit_request_booked),
        request=with_made(fresh_visit_request, "request_id", form={"window": "0"}),
    ),
    ("GET", "/office/intake"): page(ok(200, html_has(literal=('name="serial_no"',)))),
    ("POST", "/office/intake"): page(
        ok(302, intake_page_created), request=lambda c: Req(path(c), form=intake_fields(c))
    ),
    ("GET", "/office/kpis"): page(ok(200, html_has(literal=("王师傅",)))),
    ("POST", "/office/logout"): page(ok(302, redirects_to("/office/login"), signed_out), clone=True),
    ("GET", "/office/reconciliation"): page(
        ok(
            200,
            lambda r, c: int(re.search(rb'id="recon-checked">(\d+)<', r.data).group(1)) >= 1,
            says="today's jobs checked",
        )
    ),
    ("POST", "/office/reconciliation/reviews"): page(
        ok(302, redirects_to("/office/reconciliation"), review_recorded),
        request=lambda c: Req(
            path(c),
            form={
                "work_order_id": c.w["wo3"],
                "flag": "late_record",
                "note": unique("已核实"),
                "date": today().isoformat(),
            },
        ),
    ),
    ("POST", "/office/rejected/<mutation_id>/settle"): page(
        ok(302, redirects_to("/office/conflicts"), settled_by_caller(MutationRecord, "settled_by_id")),
        request=with_made(fresh_rejected, "mutation_id", form={"note": "已与技术员核对"}),
    ),
    # The fee schedule (services/fee_schedule.py): the office reads it, a manager changes it.
    ("GET", "/office/settings/fees"): page(ok(200, html_has(literal=('name="call_out"',)))),
    ("POST", "/office/settings/fees"): page(
        PAGE_FORBIDDEN,
        manager=ok(302, redirects_to("/office/settings/fees")),
        request=lambda c: Req(path(c), form={"call_out": "50.00", "labour_per_hour": "80.00"}),
    ),
    ("GET", "/office/settings"): page(ok(200, html_has(literal=('name="response_urgent"',)))),
    ("POST", "/office/settings"): page(
        PAGE_FORBIDDEN,
        manager=ok(302, redirects_to("/office/settings")),
        request=lambda c: Req(
            path(c),
            form={
                **{
                    f"{kind}_{level}": str(hours)
                    for kind, levels in (
                        ("response", current_sla(c)["response_hours"]),
                        ("resolution", current_sla(c)["resolution_hours"]),
                    )
                    for level, hours in levels.items()
                },
                "low_rating_threshold": str(current_sla(c)["low_rating_threshold"]),
            },
        ),
    ),
    ("POST", "/office/settings/calendar"): page(
        PAGE_FORBIDDEN,
        manager=ok(302, redirects_to("/office/settings")),
        request=lambda c: Req(
            path(c),
            form={
                **{f"work_{d}": "on" for d in ("mon", "tue", "wed", "thu", "fri")},
                **{f"open_{d}": "08:30" for d in ("mon", "tue", "wed", "thu", "fri")},
                **{f"close_{d}": "18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": "2027-01-01",
                "after_hours_response_hours": "8",
            },
        ),
    ),
    ("GET", "/office/work-orders/<wo_id>"): page(ok(200, html_has("t1"))),
    ("POST", "/office/work-orders/<wo_id>/assign"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), assigned_to_tech2),
        request=with_made(fresh_work_order, "wo_id", form=lambda c: {"technician_id": c.w["tech2"]}),
    ),
    ("POST", "/office/work-orders/<wo_id>/complete-record"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), record_completed),
        request=with_made(fresh_incomplete_order, "wo_id", form=lambda c: {"serial_no": unique("SN")}),
    ),
    ("POST", "/office/work-orders/<wo_id>/contact"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), contacted),
        request=with_made(fresh_work_order, "wo_id", form=lambda c: {"note": "已电话联系客户"}),
    ),
    # Upkeep (services/work_orders.py): each with its reason, the office only.
    ("POST", "/office/work-orders/<wo_id>/cancel"): page(
        ok(302, order_state(status="cancelled")),
        request=with_made(fresh_work_order, "wo_id", form={"reason": "重复报修"}),
    ),
    ("POST", "/office/work-orders/<wo_id>/priority"): page(
        ok(302, order_state(priority="urgent")),
        request=with_made(fresh_work_order, "wo_id", form={"priority": "urgent", "reason": "客户家中有老人"}),
    ),
    ("POST", "/office/work-orders/<wo_id>/edit"): page(
        ok(302, order_state(fault_description="矩阵: 外机不转")),
        request=with_made(
            fresh_work_order, "wo_id", form={"fault_description": "矩阵: 外机不转", "reason": "客户补充说明"}
        ),
    ),
    ("POST", "/office/work-orders/<wo_id>/close"): page(
        Expect(409, order_state(status="new"), "only a completed, reconciled order closes"),
        request=with_made(fresh_work_order, "wo_id", form={"reason": "已回访"}),
    ),
    ("GET", "/office/work-orders"): page(ok(200, html_has("t1", "t2"))),
    ("GET", "/office/search"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.w['wo1']}")),
        # (anonymous callers without the query: the sign-in redirect's `next` is checked against the path)
        request=lambda c: Req("/office/search" + ("" if c.caller == ANON else f"?q={c.w['t1']}")),
    ),
    ("GET", "/office/customers/<customer_id>"): page(
        ok(200, html_has("t1", literal=("张伟",))), request=lambda c: Req(path(c, customer_id=c.w["c1"]))
    ),
    # A customer's notification choices (issue #16): the office records them; writes the same e-mail each time.
    ("POST", "/office/customers/<customer_id>/notifications"): page(
        ok(
            302,
            redirects_to(lambda c: f"/office/customers/{c.w['c2']}"),
            lambda r, c: fetch(Customer, c.w["c2"]).email == "anna@example.test",
        ),
        request=lambda c: Req(path(c, customer_id=c.w["c2"]), form={"email": "anna@example.test"}),
    ),
    ("POST", "/office/work-orders/<wo_id>/warranty"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), warranty_decided),
        request=with_made(fresh_work_order, "wo_id", form=lambda c: {"decision": "chargeable", "reason": "矩阵"}),
    ),
    ("GET", "/office/serials"): page(ok(200, html_has(literal=('name="serial"',)))),
    ("POST", "/office/work-orders/<wo_id>/resolve-by-phone"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), resolved_by_phone),
        request=with_made(fresh_work_order, "wo_id", form=lambda c: {"advice": "指导客户重启设备，已恢复"}),
    ),
    ("POST", "/office/work-orders/<wo_id>/reschedule"): page(
        ok(302, redirects_to(lambda c: f"/office/work-orders/{c.made['id']}"), rescheduled),
        request=with_made(
            fresh_work_order,
            "wo_id",
            form=lambda c: {
                "appointment_start": local_time(1, 10).strftime("%Y-%m-%dT%H:%M"),
                "appointment_end": local_time(1, 11).strftime("%Y-%m-%dT%H:%M"),
                "reason": "客户改到明天",
                "customer_consent": "on",
            },
        ),
    ),
    ("GET", "/office/work-orders/<wo_id>/service-report"): page(
        ok(200, html_has("t3")), request=lambda c: Req(path(c, wo_id=("wo3", "wo2")))
    ),
    ("POST", "/office/work-orders/<wo_id>/service-report"): page(
        ok(200, html_has("t3", literal=("/report/",)), says="link made"),
        request=lambda c: Req(path(c, wo_id=("wo3", "wo2")), form={"channel": "sms", "recipient": "13800000001"}),
    ),
    ("GET", "/office/work-orders/<wo_id>/service-report.pdf"): page(
        ok(200, pdf), request=lambda c: Req(path(c, wo_id=("wo3", "wo2")))
    ),
    # --- web push (issue #16): the app's VAPID key to any signed-in user; subscriptions one's own only
    ("GET", "/api/push/vapid-public-key"): api(
        own=ok(200, vapid_key), office=ok(200, vapid_key), request=push_vapid_request
    ),
    ("GET", "/api/push/subscriptions"): api(
        own=ok(200, push_lists("tech1")), office=ok(200, empty), request=push_list_request
    ),
    ("POST", "/api/push/subscriptions"): api(
        own=ok(201, push_subscription_of_caller),
        office=ok(201, push_subscription_of_caller),
        request=push_subscribe_request,
    ),
    ("DELETE", "/api/push/subscriptions/<string:subscription_id>"): api(
        anonymous=Expect(401, all_of(api_error(401), push_subscription_kept), "sign in first"),
        own=ok(204, push_subscription_gone),
        other=Expect(404, all_of(api_error(404), push_subscription_kept), "someone else's: not found"),
        office=Expect(404, all_of(api_error(404), push_subscription_kept), "a subscription is its owner's alone"),
        request=push_delete_request,
    ),
}


# --- the world ----------------------------------------------------------------------------------


@dataclass
class Context:
    app: object
    world: dict
    clients: dict
    authenticator: SoftAuthenticator
    blob2_bytes: bytes


def build_records() -> dict:
    """Technicians, office staff, two customers with a product and a job each, a part, van stock."""
    people = {
        who: make_user(EMAILS[who], role, name)
        for who, role, name in (
            ("tech1", "technician", "王师傅"),
            ("tech2", "technician", "李师傅"),
            ("dispatcher", "dispatcher", "客服小张"),
            ("manager", "manager", "售后主管"),
        )
    }
    c1 = Customer(name="张伟", phone="13800000001", address="上海市浦东新区世纪大道 100 号", tier="vip")
    c2 = Customer(name="Anna Li", phone="13800000002", address="北京市朝阳区建国路 8 号", locale="en")
    _db.session.add_all([c1, c2])
    _db.session.flush()
    p1 = Product(
        customer_id=c1.id,
        model="AC-3000",
        serial_no="AC3K-0001",
        purchase_date=today() - timedelta(days=100),
        warranty_months=12,
    )
    p2 = Product(
        customer_id=c2.id,
        model="WM-800",
        serial_no="WM8-0002",
        purchase_date=today() - timedelta(days=800),
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
    base = {
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "fault_description": "不制冷",
        "appointment_start": local_time(0, 14),
        "appointment_end": local_time(0, 15),
    }
    jobs = {
        "wo1": {**base, "customer_id": c1.id, "product_id": p1.id, "technician_id": people["tech1"].id},
        "wo2": {**base, "customer_id": c2.id, "product_id": p2.id, "technician_id": people["tech2"].id},
        # the visit tech1 finishes, signed by the customer: service report, verification, follow-ups
        "wo3": {
            **base,
            "customer_id": c1.id,
            "product_id": p1.id,
            "technician_id": people["tech1"].id,
            "appointment_start": local_time(0, 9),
            "appointment_end": local_time(0, 10),
        },
    }
    orders = {key: create_work_order(data, people["dispatcher"]) for key, data in jobs.items()}
    vans = {
        "van1": VanStock(technician_id=people["tech1"].id, part_id=part.id, quantity=3),
        "van2": VanStock(technician_id=people["tech2"].id, part_id=part.id, quantity=1),
    }
    _db.session.add_all(vans.values())
    _db.session.commit()
    # One reschedule of wo1 (same time, agreed by phone) for its dispatch log.
    wo1 = orders["wo1"]
    reschedule(wo1, wo1.appointment_start, wo1.appointment_end, people["dispatcher"], "客户确认时间", True)
    _db.session.commit()
    return {
        **{k: u.id for k, u in people.items()},
        "c1": c1.id,
        "c2": c2.id,
        "p1": p1.id,
        "p2": p2.id,
        "part": part.id,
        **{k: wo.id for k, wo in orders.items()},
        **{k: v.id for k, v in vans.items()},
        **{f"t{k[-1]}": wo.ticket_no for k, wo in orders.items()},
    }


def push_raw(client: ApiClient, phone: Phone, mutation: dict) -> dict:
    response = client.post(
        "/api/sync/push", json={"device_id": phone.id, "device_time": now_iso(), "mutations": [mutation]}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"][0]


def build_synced(world: dict, clients: dict, tech2: ApiClient) -> tuple[dict, bytes]:
    """What the phones and the office did: tech1's signed visit, tech2's photo, a rejected entry each."""
    phone1, phone2 = Phone(clients[OWN]), Phone(tech2)
    sync_completed_visit(phone1, world["wo3"], arrived=datetime.now(SERVICE_TZ) - timedelta(hours=2))
    photo2_bytes = b"\x89PNG\r\n\x1a\n" + b"tech2 photo of the washing machine"
    blob2 = phone2.upload(photo2_bytes)
    photo2 = str(uuid.uuid4())
    phone2.push(
        phone2.mutation(
            "photo", {"work_order_id": world["wo2"], "blob_sha256": blob2, "caption": "铭牌"}, entity_id=photo2
        )
    )
    # Each technician once tried to record something on the other's job.
    bad1 = phone1.mutation("visit_event", {"work_order_id": world["wo2"], "kind": "arrived"})
    bad2 = phone2.mutation("visit_event", {"work_order_id": world["wo1"], "kind": "arrived"})
    assert push_raw(clients[OWN], phone1, bad1)["status"] == "rejected"
    assert push_raw(tech2, phone2, bad2)["status"] == "rejected"
    shared = clients[DISPATCHER].post(
        f"/api/office/work-orders/{world['wo3']}/service-report/share",
        json={"channel": "sms", "recipient": "13800000001"},
    )
    assert shared.status_code == 201, shared.get_json()
    code = _db.session.scalar(
        sa.select(CustomerSignOff.summary_sha256).where(CustomerSignOff.work_order_id == world["wo3"])
    )
    blob1 = _db.session.scalar(
        sa.select(CustomerSignOff.signature_sha256).where(CustomerSignOff.work_order_id == world["wo3"])
    )
    assert _db.session.get(Photo, photo2) is not None and code and blob1
    return {
        "device1": phone1.id,
        "device2": phone2.id,
        "blob1": blob1,
        "blob2": blob2,
        "photo2": photo2,
        "rejected1": bad1["id"],
        "rejected2": bad2["id"],
        "code": code,
        "report_token": shared.get_json()["url"].rsplit("/", 1)[1],
    }, photo2_bytes


def build_office_records(world: dict, authenticator: SoftAuthenticator) -> dict:
    """A conflict and a follow-up call waiting for the office; a passkey for each technician."""
    conflict = Conflict(
        id=str(uuid.uuid4()),
        entity="work_order",
        entity_id=world["wo1"],
        field="technician_notes",
        rule="last_arrival_wins",
        losing_value={"value": "a"},
        winning_value={"value": "b"},
        user_id=world["tech1"],
    )
    _db.session.add(conflict)
    dispatcher = _db.session.get(User, world["dispatcher"])
    case = followup_queue.open_complaint(_db.session.get(WorkOrder, world["wo3"]), "上门迟到", dispatcher)
    tech2 = _db.session.get(User, world["tech2"])
    authenticator.rp_id, authenticator.user_handle = RP_ID, tech2.webauthn_user_handle
    passkey1 = Passkey(user_id=world["tech1"], credential_id=os.urandom(32), public_key=b"\xa5", name="工作手机")
    passkey2 = Passkey(
        user_id=tech2.id,
        credential_id=authenticator.credential_id,
        public_key=authenticator._cose_key(),
        name="李师傅的手机",
    )
    _db.session.add_all([passkey1, passkey2])
    _db.session.commit()
    follow_up = _db.session.scalars(sa.select(FollowUp.id).where(FollowUp.recovery_case_id == case.id)).first()
    return {"conflict": conflict.id, "follow_up": follow_up, "passkey1": passkey1.id, "passkey2": passkey2.id}


def signed_in(app, who: str) -> ApiClient:
    client = ApiClient(app)
    response = client.login(EMAILS[who])
    assert response.status_code == 200, response.get_json()
    return client


@pytest.fixture(scope="module", params=BACKENDS)
def ctx(request, tmp_path_factory):
    """One app, world and set of signed-in clients per backend for the whole module."""
    backend = request.param
    app = create_app(app_config(tmp_path_factory.mktemp(backend), backend))
    app.config.update(WEBAUTHN_RP_ID=RP_ID, WEBAUTHN_ORIGINS=[ORIGIN], WEBAUTHN_RP_NAME="Onsite")
    isolate_requests(app)
    with app.app_context():
        reset_database(backend)
        world = build_records()
        clients = {ANON: ApiClient(app), DISPATCHER: signed_in(app, "dispatcher"), MANAGER: signed_in(app, "manager")}
        clients[OWN] = clients[OTHER] = signed_in(app, "tech1")
        synced, blob2_bytes = build_synced(world, clients, signed_in(app, "tech2"))
        world.update(synced)
        authenticator = SoftAuthenticator()
        world.update(build_office_records(world, authenticator))
        yield Context(app, world, clients, authenticator, blob2_bytes)
        _db.session.remove()
        _db.engine.dispose()


# --- the test -------------------------------------------------------------------------------------


def clone(app, client: ApiClient, email: str | None = None) -> ApiClient:
    """A second browser of the same caller: ending its session leaves the original signed in.

    Copies of the cookies would be the same server-side sign-in (revoking one revokes both),
    so a signed-in caller's second browser signs in afresh; it keeps the other cookies.
    """
    copy = ApiClient(app)
    for cookie in client.client._cookies.values():
        if cookie.key not in ("session", "remember_token"):
            copy.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    if email:
        assert copy.login(email).status_code == 200
    return copy


def send(cell: Cell, req: Req):
    cell.req = req
    kwargs: dict = {"headers": req.headers} if req.headers else {}
    if req.json is not None:
        kwargs["json"] = req.json
    if req.form is not None:
        kwargs["data"] = req.form
    if req.body is not None:
        kwargs["data"] = req.body
    return getattr(cell.client, cell.method.lower())(req.url, **kwargs)


def judge(expect: Expect, response, cell: Cell) -> str:
    """The expectation's label when the answer meets it, else what came instead."""
    if response.status_code != expect.status:
        detail = (
            response.get_json(silent=True) or response.headers.get("Location") or response.get_data(as_text=True)[:120]
        )
        return f"{response.status_code}: {detail}"
    if expect.check is not None:
        try:
            passed = expect.check(response, cell)
        except (AssertionError, KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
            return f"{expect}, but {type(exc).__name__}: {exc}"
        if passed is False:
            return f"{expect}, but its check failed"
    return str(expect)


def test_every_route_has_a_row(ctx):
    served = served_routes(ctx.app)
    assert sorted(served - set(MATRIX)) == [], "new route(s): add them to MATRIX with who may call them"
    assert sorted(set(MATRIX) - served) == [], "MATRIX lists route(s) the app no longer serves"


@pytest.mark.parametrize("route", sorted(ROUTES | set(MATRIX)), ids=lambda r: f"{r[0]} {r[1]}")
def test_access_matrix(ctx, route):
    method, rule = route
    assert route in MATRIX, f"{method} {rule} has no row: decide who may call it and add it to MATRIX"
    assert route in served_routes(ctx.app), f"{method} {rule} is in MATRIX but not served"
    row = MATRIX[route]
    expected, actual = {}, {}
    for caller in CALLERS:
        client = ctx.clients[caller]
        cell = Cell(
            ctx,
            caller,
            method,
            rule,
            clone(ctx.app, client, EMAILS.get(USER_OF[caller] or "")) if row.clone else client,
        )
        requests = (row.request or default_request)(cell)
        requests = requests if isinstance(requests, list) else [requests]
        assert len(requests) == len(row.cells[caller]), (caller, "one request per expectation")
        expected[caller] = " | ".join(str(e) for e in row.cells[caller])
        actual[caller] = " | ".join(
            judge(e, send(cell, req), cell) for e, req in zip(row.cells[caller], requests, strict=True)
        )
    assert actual == expected


# --- what a technician may see is only what their jobs need ----------------------------


def listed(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()}


def test_lists_show_a_technician_only_their_own_records(ctx):
    w, tech = ctx.world, ctx.clients[OWN]
    # The matrix may have given tech1 more orders (a follow-up booked as a new order, a board
    # move) and moved wo1's appointment off today (what "mine" lists): each list holds only tech1's.
    every = {o["id"]: o for o in tech.get("/api/work-orders/").get_json()}
    assert {w["wo1"], w["wo3"]} <= set(every) and w["wo2"] not in every
    assert {o["technician_id"] for o in every.values()} == {w["tech1"]}
    mine = listed(tech.get("/api/work-orders/mine"))
    assert mine <= set(every) and w["wo2"] not in mine
    assert listed(tech.get("/api/customers")) == {w["c1"]}
    products = tech.get("/api/products").get_json()  # the matrix may have added some for c1
    assert w["p1"] in {p["id"] for p in products} and {p["customer_id"] for p in products} == {w["c1"]}
    assert {v["technician_id"] for v in tech.get("/api/van-stock").get_json()} == {w["tech1"]}
    assert listed(tech.get(f"/api/work-orders/?technician_id={w['tech2']}")) == set()
    assert listed(tech.get(f"/api/van-stock?technician_id={w['tech2']}")) == set()
    assert listed(tech.get("/api/customers?q=Anna")) == set()
    assert listed(tech.get("/api/sync/rejected")) >= {w["rejected1"]}
    assert w["rejected2"] not in listed(tech.get("/api/sync/rejected"))


def test_the_office_sees_everything(ctx):
    w = ctx.world
    for who in (DISPATCHER, MANAGER):
        client = ctx.clients[who]
        assert {w["wo1"], w["wo2"], w["wo3"]} <= listed(client.get("/api/work-orders/"))
        assert {w["c1"], w["c2"]} <= listed(client.get("/api/customers"))
        assert {w["p1"], w["p2"]} <= listed(client.get("/api/products"))
        assert {v["technician_id"] for v in client.get("/api/van-stock").get_json()} >= {w["tech1"], w["tech2"]}
        assert {w["rejected1"], w["rejected2"]} <= listed(client.get("/api/sync/rejected"))


def test_another_technicians_record_looks_the_same_as_a_missing_one(ctx):
    """No probing: tech2's records and made-up ids give the same 404 shape."""
    tech, w = ctx.clients[OWN], ctx.world
    for url, theirs in (
        ("/api/work-orders/{}", w["wo2"]),
        ("/api/customers/{}", w["c2"]),
        ("/api/products/{}", w["p2"]),
    ):
        there, missing = tech.get(url.format(theirs)), tech.get(url.format(NOBODY))
        assert there.status_code == missing.status_code == 404
        assert there.get_json()["message"].replace(theirs, "ID") == missing.get_json()["message"].replace(NOBODY, "ID")
    there = tech.get(f"/api/blobs/{w['blob2']}")
    missing = tech.get(f"/api/blobs/{'0' * 64}")
    assert there.status_code == missing.status_code == 404 and there.get_json() == missing.get_json()
    there = tech.delete(f"/api/auth/passkeys/{w['passkey2']}")
    missing = tech.delete(f"/api/auth/passkeys/{NOBODY}")
    assert there.status_code == missing.status_code == 404
    assert there.get_json()["message"].replace(w["passkey2"], "ID") == missing.get_json()["message"].replace(
        NOBODY, "ID"
    )


def test_a_technician_cannot_change_another_technicians_job(ctx):
    w, tech = ctx.world, ctx.clients[OWN]
    before = _db.session.get(WorkOrder, w["wo2"]).version
    for body in ({"status": "en_route"}, {"technician_notes": "x"}, {"outcome": "fixed"}):
        assert tech.patch(f"/api/work-orders/{w['wo2']}", json=body).status_code == 404
    phone = Phone(tech)
    for fields in ({"status": "en_route"}, {"technician_notes": "x"}):
        result = push_raw(
            tech, phone, phone.mutation("work_order", fields, op="update", entity_id=w["wo2"], base_version=before)
        )
        assert result["status"] == "rejected" and "work_order_id" in result["error"]["errors"], result
    voided = push_raw(tech, phone, phone.mutation("photo", {}, op="delete", entity_id=w["photo2"]))
    assert voided["status"] == "rejected" and "work_order_id" in voided["error"]["errors"], voided
    _db.session.expire_all()
    assert _db.session.get(WorkOrder, w["wo2"]).version == before
    assert _db.session.get(Photo, w["photo2"]).deleted is False


def test_access_ends_when_the_job_is_done(ctx):
    """Closed: the technician no longer sees the job, its customer or its product."""
    w = ctx.world
    tech = ctx.clients[OWN]
    # A third job, for tech1 at tech2's customer, then closed by the office.
    office = ctx.clients[DISPATCHER]
    wo = office.post(
        "/api/work-orders/",
        json={
            "customer_id": w["c2"],
            "product_id": w["p2"],
            "technician_id": w["tech1"],
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "漏水",
        },
    ).get_json()
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 200
    assert tech.get(f"/api/products/{w['p2']}").status_code == 200
    for status in ("en_route", "on_site"):
        assert tech.patch(f"/api/work-orders/{wo['id']}", json={"status": status}).status_code == 200
    # Completing needs a sign-off or the customer's recorded refusal to sign (issue #13).
    declined = {
        "seq": 1,
        "id": str(uuid.uuid4()),
        "entity": "visit_event",
        "entity_id": str(uuid.uuid4()),
        "op": "create",
        "fields": {"work_order_id": wo["id"], "kind": "sign_off_declined", "data": {"reason": "不愿签字"}},
        "base_version": None,
        "at": datetime.now(SERVICE_TZ).isoformat(),
    }
    body = {"device_id": str(uuid.uuid4()), "device_time": declined["at"], "mutations": [declined]}
    assert tech.post("/api/sync/push", json=body).get_json()["results"][0]["status"] == "applied"
    done = tech.patch(f"/api/work-orders/{wo['id']}", json={"outcome": "fixed", "status": "completed"})
    assert done.status_code == 200
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 200  # completed: still theirs
    assert office.patch(f"/api/work-orders/{wo['id']}", json={"status": "closed"}).status_code == 200
    assert tech.get(f"/api/work-orders/{wo['id']}").status_code == 404
    assert tech.get(f"/api/customers/{w['c2']}").status_code == 404
    assert tech.get(f"/api/products/{w['p2']}").status_code == 404
    pulled_ids = {ch["id"] for ch in tech.get("/api/sync/pull?limit=1000").get_json()["changes"] if ch["op"] == "put"}
    assert wo["id"] not in pulled_ids and w["c2"] not in pulled_ids
    count = _db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(WorkOrder.id == wo["id"]))
    assert count == 1  # closed, not gone
