"""Poison-proof sync (issue #12, findings 2 and 5).

`visit_event.data` is checked kind by kind, unknown keys refused with a reason; and a row
that somehow cannot be serialised (planted here straight into the database, as a row
written before the schemas or by a bug would be) never takes a pull page, a review list
or an office page down with it: it is isolated, logged without its content, and shown
as a placeholder.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.models import Conflict, MutationRecord, VisitEvent
from server.services import dispatch
from server.sync import event_data

from .device import SimDevice


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


POISONS = {"300-deep": nested(300), "int-2^64": 2**64}

# What the PWA's visit screens write (pwa/static/js/ui/*.js), kind by kind.
PWA_EVENTS = [
    ("appointment_confirmed", {"appointment_start": "2026-12-01T09:00:00+08:00"}),
    ("appointment_confirmed", {"appointment_start": None}),
    ("phoned_customer", {"waited_s": 95}),
    ("door_answered", {"waited_s": 0}),
    ("no_one_home", {"waited_s": 600}),
    ("special_case", {"case": "dog_on_site"}),
    ("kit_checked", {"missing": ["kit_shoe_covers", "kit_gloves"]}),  # items of the kit list (issue #15)
    ("fee_consented", {"total": "230.00"}),
    ("fee_refused", {"total": "50.00"}),
    ("reassignment_requested", {"customer_consent": False}),
    (
        "rescheduled",
        {
            "new_start": "2026-12-02T09:00:00+08:00",
            "new_end": "2026-12-02T10:00:00+08:00",
            "reason": "客户临时有事",
            "customer_consent": True,
        },
    ),
    ("arrived", {"late": True, "minutes_late": 12}),
    ("follow_up_flagged", {"due": "2026-12-03T09:00:00+08:00", "outcome": "awaiting_parts"}),
    ("departed", None),
    ("departed", {}),
    ("knock_started", None),
    ("warranty_void", {"reason": "consumable", "photo_id": None}),  # ui/diagnosis.js (human damage: test_warranty.py)
]


def test_every_event_the_pwa_writes_is_accepted(client_for, world):
    phone = SimDevice(client_for("tech1"))
    batch = [
        phone.mutation(
            "visit_event", {"work_order_id": world["wo1"].id, "kind": kind, **({} if data is None else {"data": data})}
        )
        for kind, data in PWA_EVENTS
    ]
    results = phone.push(batch).get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * len(batch), [r["error"] for r in results]


def test_the_offices_dispatch_events_fit_their_kinds(world, people, db):
    wo = world["wo1"]
    dispatch.reschedule(
        wo,
        datetime(2026, 12, 5, 1, tzinfo=UTC),
        datetime(2026, 12, 5, 2, tzinfo=UTC),
        people["dispatcher"],
        "客户改时间",
        True,
    )
    dispatch.assign(wo, people["tech2"].id, people["dispatcher"], "原师傅请假", True)
    db.session.commit()
    events = db.session.scalars(sa.select(VisitEvent).where(VisitEvent.work_order_id == wo.id)).all()
    assert {e.kind for e in events} >= {"rescheduled", "reassigned"}
    for e in events:
        event_data.check(e.kind, e.data)  # raises if the office wrote what a phone may not


@pytest.mark.parametrize(
    "kind, data, where",
    [
        ("arrived", {"late": True, "minutes_late": 3, "extra": 1}, "extra"),
        ("reassigned", {"from_technician_id": ["x"], "to_technician_id": None}, "from_technician_id"),
        ("fee_consented", {"total": {"a": 1}}, "total"),
        ("kit_checked", {"missing": [["x"]]}, "missing"),
        ("departed", {"anything": 1}, None),
        ("arrived", [1, 2], None),
    ],
)
def test_event_data_that_does_not_fit_its_kind_is_rejected_alone_with_the_reason(
    client_for, world, db, kind, data, where
):
    phone = SimDevice(client_for("tech1"))
    bad = phone.mutation("visit_event", {"work_order_id": world["wo1"].id, "kind": kind, "data": data})
    good = phone.mutation("visit_event", {"work_order_id": world["wo1"].id, "kind": "departed"})
    body = phone.push([bad, good]).get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    errors = body["results"][0]["error"]["errors"]["fields"]["data"]
    if where:
        assert where in errors, errors
    if where == "extra":
        assert errors["extra"] == ["Not a field of this kind of event."]
    assert body["last_seq"] == good["seq"]


def test_a_rejection_with_errors_for_list_items_is_stored_and_answered(client_for, world, db):
    """Marshmallow keys list items' errors by index (int): stored as they were, PostgreSQL's
    bulk insert refused them and the whole push answered 500, blocking the phone's queue."""
    phone = SimDevice(client_for("tech1"))
    bad = phone.mutation(
        "fee_quote", {"work_order_id": world["wo1"].id, "lines": [{"kind": 5}], "total": "1.00", "consented": False}
    )
    good = phone.mutation("visit_event", {"work_order_id": world["wo1"].id, "kind": "departed"})
    response = phone.push([bad, good])
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert "0" in results[0]["error"]["errors"]["fields"]["lines"]
    assert client_for("dispatcher").get("/api/sync/rejected").status_code == 200


# ---------------------------------------------------------------- isolation


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


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_record_that_cannot_be_serialised_does_not_take_the_pull_down(client_for, world, people, db, poison, caplog):
    wo = world["wo1"]
    good = plant_event(db, wo.id, people["tech1"].id, {"waited_s": 5}, kind="phoned_customer")
    bad = plant_event(db, wo.id, people["tech1"].id, {"deep": poison})
    caplog.set_level(logging.ERROR)
    for who in ("tech1", "dispatcher"):
        response = client_for(who).get("/api/sync/pull?limit=500")
        assert response.status_code == 200, who
        changes = {c["id"]: c for c in response.get_json()["changes"]}
        assert changes[good.id]["fields"]["data"] == {"waited_s": 5}
        assert changes[wo.id]["op"] == "put"
        placeholder = changes[bad.id]["fields"]
        assert placeholder["data"] is None and placeholder["unreadable"] == ["data"]
        assert placeholder["kind"] == "note_left" and placeholder["work_order_id"] == wo.id
    assert bad.id in caplog.text and "[[[[" not in caplog.text and "18446744073709551616" not in caplog.text
    # the phone's next page is fine too: the cursor moved past it
    phone = SimDevice(client_for("tech1"))
    assert any(c["id"] == bad.id for c in phone.pull_all())


def test_a_change_that_cannot_be_serialised_at_all_is_skipped_with_a_marker(monkeypatch):
    from server.sync import isolation

    changes = [
        {"entity": "visit_event", "id": "a", "op": "put", "version": 1, "fields": {"kind": "x"}},
        {"entity": "visit_event", "id": "b", "op": "put", "version": 2, "fields": {2**64: "key"}},
    ]
    kept, skipped, encoded = isolation.isolate_changes(changes)
    assert encoded is None  # the page is encoded again, from what was kept
    assert [c["id"] for c in kept] == ["a"]
    assert skipped == [{"entity": "visit_event", "id": "b", "version": 2}]


def plant_rejected(db, device_user, payload: dict) -> MutationRecord:
    from server.models import Device

    device = Device(id=str(uuid.uuid4()), user_id=device_user.id, last_seq=1)
    db.session.add(device)
    db.session.flush()
    row = MutationRecord(
        id=str(uuid.uuid4()),
        device_id=device.id,
        seq=1,
        user_id=device_user.id,
        entity="visit_event",
        entity_id=str(uuid.uuid4()),
        op="create",
        status="rejected",
        payload=payload,
        result={"error": {"message": "Invalid fields: data", "errors": {}}},
        received_at=datetime.now(UTC),
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_rejected_entry_that_cannot_be_serialised_is_listed_with_a_placeholder(
    app, client_for, world, people, db, poison
):
    tech = SimDevice(client_for("tech1"))
    tech.push(
        [
            tech.mutation(
                "part_fitted",
                {
                    "work_order_id": world["wo1"].id,
                    "part_number": "NOPE",
                    "quantity": 1,
                    "unit_price": "1.00",
                    "under_warranty": False,
                },
            )
        ]
    )
    bad = plant_rejected(db, people["tech1"], {"fields": {"data": poison}})
    for who in ("dispatcher", "tech1"):
        response = client_for(who).get("/api/sync/rejected")
        assert response.status_code == 200, who
        rows = {r["id"]: r for r in response.get_json()}
        assert rows[bad.id]["payload"] == {"unreadable": True}
        assert rows[bad.id]["error"]["message"] == "Invalid fields: data"
        assert len(rows) == 2  # the other rejected entry is listed as it is


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_conflict_whose_value_cannot_be_serialised_is_listed_with_a_placeholder(
    client_for, world, people, db, poison
):
    db.session.add(
        Conflict(
            id=str(uuid.uuid4()),
            entity="work_order",
            entity_id=world["wo1"].id,
            field="outcome",
            rule="last_arrival_wins",
            losing_value={"value": poison},
            winning_value={"value": "fixed"},
            user_id=people["tech1"].id,
            base_version=1,
            server_version=2,
        )
    )
    db.session.commit()
    response = client_for("dispatcher").get("/api/sync/conflicts")
    assert response.status_code == 200
    (row,) = response.get_json()
    assert row["losing_value"] == {"unreadable": True} and row["winning_value"] == "fixed"
