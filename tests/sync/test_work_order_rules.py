"""One write path for a work order (issue #13): the seal, the lifecycle, completion and role
rules hold whichever edge writes (REST PATCH, sync push, the office's review); office-only
visit events are refused from a phone; van stock moves by exact quantities.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.domain.errors import Conflict, Forbidden
from server.domain.signed_summary import summary_sha256
from server.models import Outcome, VanStock, VisitEvent, WorkOrder
from server.services.sign_off import compute_summary
from server.services.work_orders import VisitFacts, check_change
from server.sync.schemas import VISIT_EVENT_KINDS, WorkOrderChange

from .device import SimDevice
from .test_sign_off_and_blobs import PNG, record_visit, sign_off


def on_site(db, wo_id: str, outcome: str | None = None) -> None:
    wo = db.session.get(WorkOrder, wo_id)
    wo.status, wo.outcome = "on_site", outcome
    db.session.commit()


def signed_visit(db, phone: SimDevice, wo_id: str) -> None:
    """The visit recorded and signed by the customer (through the push, as the phone does)."""
    assert all(r["status"] == "applied" for r in phone.push(record_visit(phone, wo_id)).get_json()["results"])
    signature = phone.upload(PNG)
    expected = summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo_id)))
    result = phone.push([sign_off(phone, wo_id, expected, signature)]).get_json()["results"][0]
    assert result["status"] == "applied", result


def version(db, wo_id: str) -> int:
    db.session.expire_all()
    return db.session.get(WorkOrder, wo_id).version


def van(db) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(VanStock.quantity))


def one(phone: SimDevice, mutation: dict) -> dict:
    return phone.push([mutation]).get_json()["results"][0]


# ---------------------------------------------------------------- the seal: no side door


def test_patch_of_the_outcome_after_sign_off_is_refused(client_for, world, db):
    wo_id = world["wo1"].id
    on_site(db, wo_id, "fixed")
    tech = client_for("tech1")
    signed_visit(db, SimDevice(tech), wo_id)
    response = tech.patch(f"/api/work-orders/{wo_id}", json={"outcome": "not_fixed"})
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["reason"] == "work_order.outcome_sealed"
    # the office may not either: what the customer signed does not change
    assert client_for("dispatcher").patch(f"/api/work-orders/{wo_id}", json={"outcome": "refused"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).outcome == "fixed"
    # the unchanged outcome and the internal notes still go through
    ok = tech.patch(f"/api/work-orders/{wo_id}", json={"outcome": "fixed", "technician_notes": "回公司补充"})
    assert ok.status_code == 200, ok.get_json()


# ---------------------------------------------------------------- office-only events


def test_a_technician_cannot_push_a_reassignment(client_for, world, db):
    wo_id = world["wo1"].id
    phone = SimDevice(client_for("tech1"))
    event = phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "reassigned", "data": {"customer_consent": True, "reason": "客户要求"}},
    )
    result = one(phone, event)
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "sync.office_only"
    assert result["error"]["params"] == {"kind": "reassigned"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitEvent)) == 0
    # asking for one, and the technician's own 改约, are still theirs
    ask = phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "reassignment_requested", "data": {"customer_consent": False}},
    )
    moved = phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "rescheduled", "data": {"reason": "客户外出", "customer_consent": True}},
    )
    assert [r["status"] for r in phone.push([ask, moved]).get_json()["results"]] == ["applied", "applied"]


# ---------------------------------------------------------------- completion by rule


def test_completion_needs_a_sign_off_or_a_recorded_refusal(client_for, world, db):
    wo_id = world["wo1"].id
    on_site(db, wo_id, "fixed")
    tech = client_for("tech1")
    response = tech.patch(f"/api/work-orders/{wo_id}", json={"status": "completed"})
    assert response.status_code == 409
    assert response.get_json()["reason"] == "work_order.sign_off_required"
    phone = SimDevice(tech)
    complete = phone.mutation(
        "work_order", {"status": "completed"}, op="update", entity_id=wo_id, base_version=version(db, wo_id)
    )
    result = one(phone, complete)
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.sign_off_required"

    # a refusal to sign needs its reason
    bare = phone.mutation("visit_event", {"work_order_id": wo_id, "kind": "sign_off_declined"})
    blank = phone.mutation(
        "visit_event", {"work_order_id": wo_id, "kind": "sign_off_declined", "data": {"reason": " "}}
    )
    assert [r["status"] for r in phone.push([bare, blank]).get_json()["results"]] == ["rejected", "rejected"]

    declined = phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "sign_off_declined", "data": {"reason": "客户说要等家人回来再签"}},
    )
    again = phone.mutation(
        "work_order", {"status": "completed"}, op="update", entity_id=wo_id, base_version=version(db, wo_id)
    )
    results = phone.push([declined, again]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert wo.status == "completed" and wo.completed_at is not None


def test_a_visit_awaiting_parts_is_not_completed(client_for, world, db):
    wo_id = world["wo1"].id
    on_site(db, wo_id, "awaiting_parts")
    tech = client_for("tech1")
    phone = SimDevice(tech)
    declined = phone.mutation(
        "visit_event", {"work_order_id": wo_id, "kind": "sign_off_declined", "data": {"reason": "不签"}}
    )
    assert one(phone, declined)["status"] == "applied"
    response = tech.patch(f"/api/work-orders/{wo_id}", json={"status": "completed"})
    assert response.status_code == 409
    assert response.get_json()["reason"] == "work_order.outcome_not_completing"
    complete = phone.mutation(
        "work_order",
        {"status": "completed", "outcome": "awaiting_parts"},
        op="update",
        entity_id=wo_id,
        base_version=version(db, wo_id),
    )
    result = one(phone, complete)
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.outcome_not_completing"
    # its own status is fine, and 未修复 (not fixed) completes
    assert tech.patch(f"/api/work-orders/{wo_id}", json={"status": "awaiting_parts"}).status_code == 200
    on_site(db, wo_id, "awaiting_parts")
    done = tech.patch(f"/api/work-orders/{wo_id}", json={"outcome": "not_fixed", "status": "completed"})
    assert done.status_code == 200, done.get_json()


def test_a_signed_visit_completes_and_no_refusal_follows_a_signature(client_for, world, db):
    wo_id = world["wo1"].id
    on_site(db, wo_id, "fixed")
    phone = SimDevice(client_for("tech1"))
    signed_visit(db, phone, wo_id)
    declined = phone.mutation(
        "visit_event", {"work_order_id": wo_id, "kind": "sign_off_declined", "data": {"reason": "改主意了"}}
    )
    complete = phone.mutation(
        "work_order", {"status": "completed"}, op="update", entity_id=wo_id, base_version=version(db, wo_id)
    )
    results = phone.push([declined, complete]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["error"]["code"] == "sync.already_signed"


# ---------------------------------------------------------------- van stock, exact both ways


def part(phone: SimDevice, wo_id: str, quantity: int) -> dict:
    return phone.mutation(
        "part_fitted",
        {
            "work_order_id": wo_id,
            "part_number": "PCB-220",
            "quantity": quantity,
            "unit_price": "0.00",
            "under_warranty": True,
        },
    )


def test_fitting_more_than_the_van_holds_is_refused(client_for, world, db):
    wo_id = world["wo1"].id
    phone = SimDevice(client_for("tech1"))
    result = one(phone, part(phone, wo_id, 100))
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "sync.van_stock_short"
    assert result["error"]["params"] == {"part_number": "PCB-220", "quantity": 100, "in_van": 3}
    assert van(db) == 3


def test_voiding_puts_back_exactly_what_was_taken(client_for, world, db):
    wo_id = world["wo1"].id
    phone = SimDevice(client_for("tech1"))
    two, one_more = part(phone, wo_id, 2), part(phone, wo_id, 1)
    too_many = part(phone, wo_id, 1)  # the van is empty by now: in the same batch too
    results = phone.push([two, one_more, too_many]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert van(db) == 0
    void = phone.mutation("part_fitted", op="delete", entity_id=two["entity_id"])
    assert one(phone, void)["status"] == "applied"
    assert van(db) == 2
    assert one(phone, phone.mutation("part_fitted", op="delete", entity_id=two["entity_id"]))["status"] == "applied"
    assert van(db) == 2  # voiding twice puts back once


# ---------------------------------------------------------------- one outcome vocabulary


def test_the_phone_offers_the_server_outcomes_and_records_each_as_a_known_event():
    """The PWA's outcome step (visit.js OUTCOMES) is the server's Outcome, 未修复 included."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    root = Path(__file__).resolve().parents[2]
    script = (
        "Promise.all([import('./pwa/static/js/visit.js'), import('./pwa/static/js/i18n/zh-CN.js')])"
        ".then(([v, zh]) => console.log(JSON.stringify([v.OUTCOMES, zh.default.outcome_not_fixed])))"
    )
    out = subprocess.run(["node", "--input-type=module", "-e", script], cwd=root, capture_output=True, text=True)
    phone, not_fixed = json.loads(out.stdout)
    # resolved_remotely is the office's alone (phone guidance, no visit [seed 003 §三(一)3]).
    assert set(phone) == {o.value for o in Outcome} - {Outcome.RESOLVED_REMOTELY.value}
    assert set(phone.values()) <= set(VISIT_EVENT_KINDS)
    assert not_fixed == "未修复"  # the glossary's word (server/domain/glossary.py, glossary.js)
    assert WorkOrderChange().load({"outcome": "not_fixed"}) == {"outcome": "not_fixed"}


def test_the_rules_are_one_pure_function():
    """`check_change` decides without a database: what the push's batch path calls with its own facts."""
    on_site = {"status": "on_site", "outcome": "fixed"}
    signed, declined, none = VisitFacts(signed=True), VisitFacts(declined=True), VisitFacts()
    check_change(on_site, {"status": "completed"}, "technician", signed)
    check_change(on_site, {"status": "completed"}, "technician", declined)
    check_change(on_site, {"outcome": "fixed", "technician_notes": "x"}, "technician", signed)  # unchanged outcome
    check_change(on_site, {"appointment_start": None}, "technician", none, rescheduling=True)  # the phone's 改约
    cases = [
        ({"status": "completed"}, "technician", none, "work_order.sign_off_required"),
        (
            {"status": "completed", "outcome": "awaiting_parts"},
            "technician",
            declined,
            "work_order.outcome_not_completing",
        ),
        ({"status": "completed", "outcome": None}, "dispatcher", declined, "work_order.outcome_not_completing"),
        ({"outcome": "not_fixed"}, "technician", signed, "work_order.outcome_sealed"),
        ({"outcome": "not_fixed"}, "manager", signed, "work_order.outcome_sealed"),
        ({"status": "closed"}, "technician", signed, "work_order.status_not_allowed"),
        ({"priority": "urgent"}, "technician", none, "work_order.office_fields"),
        ({"appointment_start": None}, "technician", none, "work_order.office_fields"),
    ]
    for changes, role, facts, code in cases:
        with pytest.raises((Conflict, Forbidden)) as caught:
            check_change(on_site, changes, role, facts)
        assert caught.value.code == code, (changes, role)
    # the office completes a product returned to the factory (exchanged or refunded) once signed
    check_change(
        {"status": "returned_to_factory", "outcome": "return_to_factory"}, {"status": "completed"}, "dispatcher", signed
    )
