"""Closing or cancelling an order ends the technician's access to it (seed 004: access ends when
handling ends): the next pull removes the job, its visit records, and its customer and products
when no other open job of that customer remains with the technician."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import WorkOrder
from server.services import work_orders as service
from server.services.work_orders import create_work_order
from server.sync.pull import pull
from tests.office.helpers import Phone, sync_completed_visit


def _removed(changes: list[dict]) -> set[tuple[str, str]]:
    return {(c["entity"], c["id"]) for c in changes if c["op"] == "delete"}


def _held(changes: list[dict]) -> set[tuple[str, str]]:
    return {(c["entity"], c["id"]) for c in changes if c["op"] == "put"}


def test_closing_a_completed_order_removes_the_job_and_its_customer_on_the_next_pull(db, world, people, client_for):
    c1, p1 = world["customers"][0], world["products"][0]
    wo = db.session.get(WorkOrder, world["wo1"].id)
    now = datetime.now(UTC)
    wo.created_at = now - timedelta(days=1)  # taken in the day before the visit: no time flag to reconcile
    db.session.commit()
    phone = Phone(client_for("tech1"))
    sync_completed_visit(phone, wo.id, arrived=now - timedelta(hours=3))
    changes, cursor = phone.pull()
    held = _held(changes)
    assert {("work_order", wo.id), ("customer", c1.id), ("product", p1.id)} <= held
    records = {(entity, rid) for entity, rid in held if entity in ("visit_event", "diagnosis", "part_fitted")}
    assert records  # the visit's own records are on the phone until the order is closed

    wo = db.session.get(WorkOrder, wo.id)
    service.close_order(wo, people["dispatcher"], "已对账并回访")
    db.session.commit()

    changes, _ = phone.pull(cursor)
    removed = _removed(changes)
    assert {("work_order", wo.id), ("customer", c1.id), ("product", p1.id)} <= removed
    assert records <= removed
    assert not _held(changes) & {("work_order", wo.id), ("customer", c1.id)}
    # a phone starting over (a new device, a reset) never gets them back
    fresh, _ = Phone(client_for("tech1")).pull()
    assert not {("work_order", wo.id), ("customer", c1.id), ("product", p1.id)} & _held(fresh)
    # the office still has it all
    office = _held(pull(db.session, people["dispatcher"], None, 1000).decoded_changes())
    assert ("work_order", wo.id) in office and ("customer", c1.id) in office


def test_cancelling_keeps_the_customer_while_another_of_their_jobs_stays_with_the_technician(
    db, world, people, client_for
):
    c1, p1, wo1 = world["customers"][0], world["products"][0], world["wo1"]
    second = create_work_order(
        {
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "噪音大",
            "customer_id": c1.id,
            "product_id": p1.id,
            "technician_id": people["tech1"].id,
        },
        people["dispatcher"],
    )
    db.session.commit()
    phone = Phone(client_for("tech1"))
    _, cursor = phone.pull()

    service.cancel_order(db.session.get(WorkOrder, second.id), people["dispatcher"], "重复报修")
    db.session.commit()
    changes, cursor = phone.pull(cursor)
    removed = _removed(changes)
    assert ("work_order", second.id) in removed
    assert ("customer", c1.id) not in removed and ("product", p1.id) not in removed  # wo1 is still theirs

    # the last open job of that customer goes: the customer goes with it
    service.cancel_order(db.session.get(WorkOrder, wo1.id), people["manager"], "客户撤回报修")
    db.session.commit()
    removed = _removed(phone.pull(cursor)[0])
    assert {("work_order", wo1.id), ("customer", c1.id), ("product", p1.id)} <= removed


def test_another_technicians_phone_is_not_told_about_the_closed_order(db, world, people, client_for):
    other = Phone(client_for("tech2"))
    _, cursor = other.pull()
    service.cancel_order(db.session.get(WorkOrder, world["wo1"].id), people["dispatcher"], "重复报修")
    db.session.commit()
    changes, _ = other.pull(cursor)
    assert not {("work_order", world["wo1"].id), ("customer", world["customers"][0].id)} & {
        (c["entity"], c["id"]) for c in changes
    }
