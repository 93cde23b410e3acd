"""Dispatch: assign, reassign (改派) and reschedule (改约) reach the technician on the next pull."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from server.models import VisitEvent, WorkOrder
from server.services.work_orders import create_work_order

from .helpers import Phone

CST = timezone(timedelta(hours=8))


def test_assigning_a_new_order_reaches_the_technician_but_is_no_response(client_for, world, people, db):
    c2, p2 = world["customers"][1], world["products"][1]
    wo = create_work_order(
        {
            "customer_id": c2.id,
            "product_id": p2.id,
            "channel": "wechat",
            "type": "installation",
            "priority": "urgent",
            "fault_description": "安装新机",
        },
        people["dispatcher"],
    )
    db.session.commit()
    phone = Phone(client_for("tech1"))
    _, cursor = phone.pull()

    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/assign", json={"technician_id": people["tech1"].id}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "assigned"
    # assigning is not a response: the first contact with the customer is [seed 000 §二(二)1]
    assert response.get_json()["first_response_at"] is None
    changes, _ = phone.pull(cursor)
    assert any(c["entity"] == "work_order" and c["id"] == wo.id and c["op"] == "put" for c in changes)


def test_reassigning_needs_a_reason_and_records_it_with_consent(client_for, world, people, db):
    office = client_for("dispatcher")
    wo1 = world["wo1"]
    missing = office.post(f"/api/office/work-orders/{wo1.id}/assign", json={"technician_id": people["tech2"].id})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]

    old_phone, new_phone = Phone(client_for("tech1")), Phone(client_for("tech2"))
    _, old_cursor = old_phone.pull()
    _, new_cursor = new_phone.pull()
    response = office.post(
        f"/api/office/work-orders/{wo1.id}/assign",
        json={"technician_id": people["tech2"].id, "reason": "王师傅车辆故障", "customer_consent": True},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["technician_id"] == people["tech2"].id

    event = db.session.scalar(
        sa.select(VisitEvent).where(VisitEvent.work_order_id == wo1.id, VisitEvent.kind == "reassigned")
    )
    assert event.created_by_id == people["dispatcher"].id
    assert event.data["reason"] == "王师傅车辆故障" and event.data["customer_consent"] is True
    assert event.data["from_technician_id"] == people["tech1"].id

    old_changes, _ = old_phone.pull(old_cursor)
    assert {"entity": "work_order", "id": wo1.id, "op": "delete"}.items() <= next(
        c for c in old_changes if c["entity"] == "work_order"
    ).items()
    new_changes, _ = new_phone.pull(new_cursor)
    assert any(c["entity"] == "work_order" and c["id"] == wo1.id and c["op"] == "put" for c in new_changes)
    assert any(c["entity"] == "visit_event" and c["id"] == event.id for c in new_changes)

    log = office.get(f"/api/office/work-orders/{wo1.id}/dispatch-log").get_json()
    assert [e["kind"] for e in log] == ["reassigned"]


def test_rescheduling_needs_the_customers_consent_and_moves_the_appointment(client_for, world, people, db):
    office = client_for("dispatcher")
    wo1 = world["wo1"]
    new_start = (datetime.now(CST) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    body = {
        "appointment_start": new_start.isoformat(),
        "appointment_end": (new_start + timedelta(hours=2)).isoformat(),
        "reason": "顾客临时出门",
        "customer_consent": False,
    }
    refused = office.post(f"/api/office/work-orders/{wo1.id}/reschedule", json=body)
    assert refused.status_code == 422 and "customer_consent" in refused.get_json()["errors"]

    phone = Phone(client_for("tech1"))
    _, cursor = phone.pull()
    response = office.post(f"/api/office/work-orders/{wo1.id}/reschedule", json={**body, "customer_consent": True})
    assert response.status_code == 200, response.get_json()
    assert datetime.fromisoformat(response.get_json()["appointment_start"]) == new_start
    assert response.get_json()["status"] == "scheduled"
    event = db.session.scalar(sa.select(VisitEvent).where(VisitEvent.kind == "rescheduled"))
    assert event.data["reason"] == "顾客临时出门" and event.data["customer_consent"] is True
    changes, _ = phone.pull(cursor)
    pulled = next(c for c in changes if c["entity"] == "work_order" and c["id"] == wo1.id)
    assert datetime.fromisoformat(pulled["fields"]["appointment_start"]) == new_start


def test_a_reschedule_with_the_end_before_the_start_is_refused(client_for, world):
    start = datetime.now(CST) + timedelta(days=1)
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{world['wo1'].id}/reschedule",
        json={
            "appointment_start": start.isoformat(),
            "appointment_end": (start - timedelta(hours=1)).isoformat(),
            "reason": "x",
            "customer_consent": True,
        },
    )
    assert response.status_code == 422 and "appointment_end" in response.get_json()["errors"]


def test_a_technician_at_the_door_cannot_be_replaced_from_the_office(client_for, world, people, db):
    wo1 = db.session.get(WorkOrder, world["wo1"].id)
    wo1.status = "on_site"
    db.session.commit()
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo1.id}/assign",
        json={"technician_id": people["tech2"].id, "reason": "x", "customer_consent": True},
    )
    assert response.status_code == 409


def test_a_technicians_day_lists_appointments_in_order(client_for, world, people, db):
    c2, p2 = world["customers"][1], world["products"][1]
    today = datetime.now(CST).replace(hour=9, minute=0, second=0, microsecond=0)
    early = create_work_order(
        {
            "customer_id": c2.id,
            "product_id": p2.id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "噪音大",
            "technician_id": people["tech1"].id,
            "appointment_start": today,
        },
        people["dispatcher"],
    )
    unbooked = create_work_order(
        {
            "customer_id": c2.id,
            "product_id": p2.id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "异味",
            "technician_id": people["tech1"].id,
        },
        people["dispatcher"],
    )
    db.session.commit()
    body = (
        client_for("dispatcher")
        .get(f"/api/office/technicians/{people['tech1'].id}/day?date={today.date().isoformat()}")
        .get_json()
    )
    assert [j["ticket_no"] for j in body["appointments"]] == [early.ticket_no, world["wo1"].ticket_no]
    assert [j["ticket_no"] for j in body["unscheduled"]] == [unbooked.ticket_no]
    assert client_for("dispatcher").get(f"/api/office/technicians/{people['dispatcher'].id}/day").status_code == 404


def test_technicians_cannot_dispatch(client_for, world, people):
    response = client_for("tech1").post(
        f"/api/office/work-orders/{world['wo1'].id}/assign", json={"technician_id": people["tech1"].id}
    )
    assert response.status_code == 403
