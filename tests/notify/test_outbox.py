"""The outbox: each change that concerns the customer queues one message, in the same transaction.

Seed 000 §三(一)1 (the ticket number to the customer at once) and §二(二)2 (kept informed at key points).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.crypto import key_id_of
from server.models import Customer, FollowUp, Notification, WorkOrder
from server.services import delivery, followup_queue, intake, notifications, notify_runner
from tests.office.helpers import CST, Phone, sync_completed_visit
from tests.office.test_intake import request_body

from .helpers import notifications as rows


@pytest.fixture
def committed(monkeypatch):
    """The customer notifications' ids each commit hands to the runner."""
    handed: list[str] = []

    def committed(app, outbox, ids):
        if outbox is notify_runner.NOTIFICATIONS:
            handed.extend(ids)

    monkeypatch.setattr(notify_runner, "committed", committed)
    return handed


def test_intake_queues_the_ticket_number_in_the_customers_language(client_for, db, committed):
    db.session.add(Customer(name="Ann", phone="13900000009", address="Shanghai", locale="en"))
    db.session.commit()
    office = client_for("dispatcher")
    zh = office.post("/api/office/intake", json=request_body()).get_json()["work_order"]
    # Ann is on record with another name and address: this order keeps what was typed (intake asks which).
    typed = request_body(phone="13900000009", serial_no="X-9", customer_details="this_order")
    en = office.post("/api/office/intake", json=typed).get_json()["work_order"]
    by_wo = {n.work_order_id: n for n in rows("ticket_created")}
    assert set(by_wo) == {zh["id"], en["id"]}
    assert zh["ticket_no"] in by_wo[zh["id"]].body and "服务单号" in by_wo[zh["id"]].body
    assert by_wo[zh["id"]].language == "zh-CN" and f"/track/{zh['ticket_no']}" in by_wo[zh["id"]].body
    assert by_wo[en["id"]].language == "en" and f"Ticket no. {en['ticket_no']}" in by_wo[en["id"]].body
    assert all(n.status == "pending" and n.attempts == 0 for n in by_wo.values())
    assert sorted(committed) == sorted(n.id for n in by_wo.values())  # handed to the runner after commit


def test_the_recipient_is_encrypted_at_rest(client_for, db):
    client_for("dispatcher").post("/api/office/intake", json=request_body())
    stored = db.session.execute(sa.text("SELECT recipient FROM notifications")).scalar_one()
    assert "13912345678" not in stored and key_id_of(stored)
    assert rows()[0].recipient == "13912345678"


def test_a_change_that_rolls_back_sends_nothing(app, people, db, committed, monkeypatch):
    sent = []
    monkeypatch.setattr("server.services.notify_channels.ConsoleChannel.send", lambda self, m: sent.append(m))
    data = {**request_body(), "purchase_date": None}
    intake.take_in(data, people["dispatcher"])
    assert len(rows_in_session := db.session.scalars(sa.select(Notification)).all()) == 1, rows_in_session
    db.session.rollback()
    assert rows() == [] and committed == []
    assert delivery.deliver_due() == [] and sent == []


def test_the_same_trigger_never_queues_twice(world, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    first = notifications.queue(db.session, wo, "ticket_created", wo.id)
    second = notifications.queue(db.session, wo, "ticket_created", wo.id)
    db.session.commit()
    assert first is not None and second is None and len(rows("ticket_created")) == 1


def test_a_reschedule_tells_the_customer_the_new_time(world, client_for, db):
    wo = world["wo1"]
    new = datetime.now(CST).replace(hour=16, minute=0, second=0, microsecond=0) + timedelta(days=1)
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/reschedule",
        json={"appointment_start": new.isoformat(), "reason": "客户要求", "customer_consent": True},
    )
    assert response.status_code == 200, response.get_json()
    (changed,) = rows("appointment_changed")
    assert new.strftime("%Y-%m-%d 16:00") in changed.body and wo.ticket_no in changed.body


def test_confirming_the_appointment_on_the_phone_sends_one_confirmation(world, client_for, db, people):
    wo = db.session.get(WorkOrder, world["wo2"].id)
    wo.status = "assigned"
    db.session.commit()
    phone = Phone(client_for("tech2"))
    phone.event(wo.id, "appointment_confirmed", data={"appointment_start": wo.appointment_start.isoformat()})
    phone.update(wo.id, status="scheduled")
    (confirmed,) = rows("appointment_confirmed")
    assert confirmed.language == "en" and "is confirmed" in confirmed.body and "李师傅" in confirmed.body


def test_departure_tells_the_customer_the_technician_is_on_the_way_with_an_eta(world, client_for, db):
    wo = world["wo1"]
    Phone(client_for("tech1")).event(wo.id, "departed")
    (on_the_way,) = rows("on_the_way")
    eta = wo.appointment_start.astimezone(CST)
    expected = eta.strftime("%H:%M") if eta > datetime.now(UTC) else None
    assert "王师傅" in on_the_way.body and "已出发" in on_the_way.body
    if expected:
        assert f"预计 {expected} 到达" in on_the_way.body


def test_completion_sends_the_signed_report_link(world, client_for, db):
    now = datetime.now(UTC)
    sync_completed_visit(Phone(client_for("tech1")), world["wo1"].id, arrived=now - timedelta(hours=2))
    (done,) = rows("completed")
    link = done.params["report_url"]
    assert "/report/" in link
    assert link in done.body
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client_for("dispatcher").client.get("/" + path)
    assert page.status_code == 200 and page.mimetype == "application/pdf"


def test_a_planned_follow_up_call_is_announced(world, client_for, db):
    now = datetime.now(UTC)
    sync_completed_visit(Phone(client_for("tech1")), world["wo1"].id, arrived=now - timedelta(hours=2))
    followup_queue.plan()
    db.session.commit()
    calls = db.session.scalars(sa.select(FollowUp)).all()
    announced = rows("follow_up_scheduled")
    assert calls and len(announced) == len(calls)
    assert {n.trigger_id for n in announced} == {c.plan_key for c in calls}
    followup_queue.plan()  # planning again adds no call and no message
    db.session.commit()
    assert len(rows("follow_up_scheduled")) == len(calls)


def test_a_request_booked_at_intake_also_confirms_the_appointment(client_for, db, people):
    start = datetime.now(CST).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=2)
    body = request_body(
        technician_id=people["tech1"].id,
        appointment_start=start.isoformat(),
        appointment_end=(start + timedelta(hours=2)).isoformat(),
    )
    response = client_for("dispatcher").post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    assert [n.template for n in rows()] == ["ticket_created", "appointment_confirmed"]
    assert start.strftime("%Y-%m-%d 10:00-12:00") in rows("appointment_confirmed")[0].body


def test_the_after_commit_hook_is_put_on_each_session_once(app, world, db, committed):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    wo = db.session.get(WorkOrder, world["wo1"].id)
    for i in range(3):
        notifications.queue(db.session, wo, "ticket_created", f"again-{i}")
        db.session.commit()
    assert len(committed) == 3
    assert event.contains(db.session(), "after_commit", notify_runner._after_commit)
    assert not event.contains(db.session, "after_commit", notify_runner._after_commit)  # never on every session
    assert not event.contains(Session, "after_commit", notify_runner._after_commit)


def test_a_savepoint_released_before_the_commit_hands_nothing_over(app, world, db, committed):
    """SQLAlchemy fires after_commit on a savepoint's release too: a runner handed the row then would
    find nothing committed to claim, and the message would wait for a sweep."""
    wo = db.session.get(WorkOrder, world["wo1"].id)
    row = notifications.queue(db.session, wo, "ticket_created", "savepoint-1")
    with db.session.begin_nested():  # e.g. the next message's own savepoint, in the same change
        pass
    assert committed == []
    db.session.commit()
    assert committed == [row.id]
