"""Stored data of any shape never breaks an office page (issue #12, findings 5 and 2).

Rows are planted straight into the database where the schemas now refuse them: rows
written before the schemas, or by a bug, must still leave the pages readable.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from server.models import Device, MutationRecord, VisitEvent

from .test_pages import signed_in


class SimPhone:
    """Just enough of a device to push one batch."""

    def __init__(self, client):
        self.client, self.id, self.seq = client, str(uuid.uuid4()), 0

    def mutation(self, entity, fields):
        self.seq += 1
        return {
            "seq": self.seq,
            "id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "fields": fields,
            "base_version": None,
            "at": datetime.now(UTC).isoformat(),
        }

    def push(self, mutations):
        return self.client.post(
            "/api/sync/push",
            json={"device_id": self.id, "device_time": datetime.now(UTC).isoformat(), "mutations": mutations},
        )


def plant_event(db, wo_id: str, user_id: str, data, kind="note_left") -> VisitEvent:
    """A visit event written straight to the database, past every schema."""
    event = VisitEvent(
        id=str(uuid.uuid4()),
        work_order_id=wo_id,
        kind=kind,
        created_by_id=user_id,
        device_at=datetime.now(UTC),
        data=data,
    )
    db.session.add(event)
    db.session.commit()
    return event


def test_a_rejected_entry_that_cannot_be_serialised_shows_a_placeholder_on_the_review_page(app, people, db, caplog):
    deep: object = 1
    for _ in range(300):
        deep = [deep]
    device = Device(id=str(uuid.uuid4()), user_id=people["tech1"].id, last_seq=2)
    db.session.add(device)
    db.session.flush()
    for seq, payload in (
        (1, {"fields": {"data": deep}}),
        (2, "not an object"),
        (3, {"fields": {"work_order_id": {"a": 1}}}),
    ):
        db.session.add(
            MutationRecord(
                id=str(uuid.uuid4()),
                device_id=device.id,
                seq=seq,
                user_id=people["tech1"].id,
                entity="visit_event",
                entity_id=str(uuid.uuid4()),
                op="create",
                status="rejected",
                payload=payload,
                result={"error": ["not", "a", "dict"]}
                if seq == 2
                else {"error": {"message": "Invalid fields: data", "errors": {"data": ["x"]}}},
                received_at=datetime.now(UTC),
            )
        )
    db.session.commit()
    page = signed_in(app, people).get("/office/conflicts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("Invalid fields: data") == 2 and html.count("data-rejected=") == 3


def test_a_value_that_cannot_be_shown_is_a_placeholder_and_is_logged_without_its_content(app, caplog):
    from server.office.safe_view import as_json, event_view

    with app.test_request_context():
        assert as_json({"a": {1, 2}}) == "（无法显示）"
        row = type("Row", (), {"id": "e1", "data": ["x"]})()
        assert event_view(row, {})["unreadable"] is True
        assert (
            event_view(type("Row", (), {"id": "e2", "data": {"from_technician_id": ["x"]}})(), {"x": "A"})["from_name"]
            == ""
        )
    assert "{1, 2}" not in caplog.text


def test_a_rejected_diagnosis_with_a_list_for_its_work_order_does_not_break_the_review_page(
    app, client_for, people, db
):
    phone = SimPhone(client_for("tech1"))
    bad = phone.mutation("diagnosis", {"work_order_id": ["x"], "fault_cause": "电容", "customer_visible": True})
    assert phone.push([bad]).get_json()["results"][0]["status"] == "rejected"
    page = signed_in(app, people).get("/office/conflicts")
    assert page.status_code == 200
    assert bad["id"] in page.get_data(as_text=True)


def test_a_reassigned_event_with_a_list_for_a_technician_is_refused_and_never_breaks_the_job_page(
    app, client_for, world, people, db
):
    wo = world["wo1"]
    phone = SimPhone(client_for("tech1"))
    pushed = phone.mutation(
        "visit_event",
        {
            "work_order_id": wo.id,
            "kind": "reassigned",
            "data": {"from_technician_id": ["x"], "to_technician_id": people["tech1"].id},
        },
    )
    assert phone.push([pushed]).get_json()["results"][0]["status"] == "rejected"
    # One that got in before the schemas, planted, and others of every wrong shape:
    plant_event(
        db,
        wo.id,
        people["tech1"].id,
        {"from_technician_id": ["x"], "to_technician_id": {"a": 1}, "reason": ["r"], "customer_consent": "yes"},
        kind="reassigned",
    )
    plant_event(db, wo.id, people["tech1"].id, ["not", "an", "object"], kind="rescheduled")
    plant_event(db, wo.id, people["tech1"].id, {"new_start": 5}, kind="rescheduled")
    plant_event(
        db,
        wo.id,
        people["dispatcher"].id,
        {"from_technician_id": people["tech1"].id, "to_technician_id": people["tech2"].id, "reason": "请假"},
        kind="reassigned",
    )
    page = signed_in(app, people).get(f"/office/work-orders/{wo.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "请假" in html and people["tech2"].name in html  # the sound event is shown as before
