"""A push's fast path does per batch what it did per record (issue #17): the customer messages a
batch owes, the change log, and the records a later check in the same push reads back."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from server.models import Notification, Product

from .device import SimDevice
from .test_warranty import fit


def _messages(db, wo_id: str) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Notification.template, sa.func.count())
        .where(Notification.work_order_id == wo_id)
        .group_by("template")
    )
    return dict(rows.all())


def _event(phone: SimDevice, wo_id: str, kind: str) -> dict:
    return phone.mutation("visit_event", {"work_order_id": wo_id, "kind": kind})


def test_a_push_queues_each_message_it_owes_once(client_for, world, db):
    wo_id = world["wo1"].id
    before = _messages(db, wo_id)
    phone = SimDevice(client_for("tech1"))
    batch = [
        _event(phone, wo_id, "appointment_confirmed"),
        _event(phone, wo_id, "departed"),
        phone.mutation("checklist_answer", {"work_order_id": wo_id, "step": "kit_tools", "value": "yes"}),
        _event(phone, wo_id, "departed"),  # set off again (a second trip): the customer hears again
        _event(phone, wo_id, "appointment_confirmed"),  # the same time confirmed again: no second message
    ]
    answer = phone.push(batch)
    assert [r["status"] for r in answer.get_json()["results"]] == ["applied"] * 5
    after = _messages(db, wo_id)
    assert after.get("on_the_way", 0) == before.get("on_the_way", 0) + 2
    assert after.get("appointment_confirmed", 0) == before.get("appointment_confirmed", 0) + 1

    # The same push again (a retry): answered from the stored results, nothing queued twice.
    phone.seq = 0
    again = phone.client.post("/api/sync/push", json=phone.body(batch)).get_json()["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert _messages(db, wo_id) == after

    # Everything the push created reaches the office's pull, messages queued or not.
    office = SimDevice(client_for("dispatcher"))
    seen = {c["id"] for c in office.pull_all()}
    assert {m["entity_id"] for m in batch} <= seen


def test_a_message_someone_else_queued_is_kept_and_the_push_applies(client_for, world, db):
    """The office confirmed the same appointment first: the push's one insert of its messages skips
    that key (no look-up before it for a concurrent twin to slip past), everything applies, and the
    office's message is the one kept."""
    from server.models import WorkOrder
    from server.services import notifications

    wo_id = world["wo1"].id
    wo = db.session.get(WorkOrder, wo_id)
    office_message = notifications.queue(db.session, wo, "appointment_confirmed", wo.appointment_start.isoformat())
    db.session.commit()
    assert office_message is not None
    phone = SimDevice(client_for("tech1"))
    batch = [_event(phone, wo_id, "appointment_confirmed"), _event(phone, wo_id, "departed")]
    assert [r["status"] for r in phone.push(batch).get_json()["results"]] == ["applied", "applied"]
    assert _messages(db, wo_id) == {"appointment_confirmed": 1, "on_the_way": 1}
    kept = db.session.scalars(
        sa.select(Notification.id).where(
            Notification.work_order_id == wo_id, Notification.template == "appointment_confirmed"
        )
    ).all()
    assert kept == [office_message.id]


def test_a_pushs_messages_keep_the_recipient_encrypted_at_rest(client_for, world, db):
    # The batch inserts its messages without the ORM: the phone number still goes through its
    # column's encryption, as every other write of it does.
    from server.crypto import key_id_of

    wo_id = world["wo1"].id
    phone = SimDevice(client_for("tech1"))
    assert phone.push([_event(phone, wo_id, "departed")]).status_code == 200
    stored = db.session.execute(
        sa.text("SELECT recipient FROM notifications WHERE work_order_id = :wo AND template = 'on_the_way'"),
        {"wo": wo_id},
    ).scalar_one()
    assert "13800000001" not in stored and key_id_of(stored)
    message = db.session.scalars(sa.select(Notification).where(Notification.template == "on_the_way")).one()
    assert message.recipient == "13800000001" and message.status == "pending" and message.created_at is not None


def test_a_part_fitted_earlier_in_the_push_warrants_the_part_that_replaces_it(client_for, world, db, people):
    """Part warranty continuity [seed 000 §二(一)1] holds inside one push: the server reads back the
    earlier fitting (on another order) before pricing the later one, as it does across pushes."""
    from server.services.work_orders import create_work_order

    cst = timezone(timedelta(hours=8))
    start = datetime.combine(datetime.now(cst).date(), datetime.min.time(), cst) + timedelta(hours=16)
    old = Product(
        customer_id=world["customers"][0].id,
        model="AC-1000",
        serial_no="AC1K-0009",
        purchase_date=date.today() - timedelta(days=900),  # long out of warranty: the visit is chargeable
        warranty_months=12,
    )
    db.session.add(old)
    db.session.flush()
    later = create_work_order(
        {
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "不开机",
            "customer_id": world["customers"][0].id,
            "product_id": old.id,
            "technician_id": people["tech1"].id,
            "appointment_start": start,
            "appointment_end": start + timedelta(hours=1),
        },
        people["dispatcher"],
    )
    db.session.commit()
    phone = SimDevice(client_for("tech1"))
    results = phone.push(
        [
            fit(phone, world["wo1"].id, "PCB-NEW-1", "PCB-FACTORY"),  # in warranty by date: free
            fit(phone, later.id, "PCB-NEW-2", "PCB-NEW-1"),  # replaces the part just fitted: free too
        ]
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
