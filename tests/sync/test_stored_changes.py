"""A visit record's change is stored in the change log as the pull sends it, when it is written
(issue #17: the pull against Kinto). What a phone receives must be what a read of the record
would send, whichever way it was written, and a stored change must still go only to whoever
holds the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import sqlalchemy as sa
from quotes import fee_quote_fields

from server.models import ChangeLogEntry, FeeQuote, VisitEvent, WorkOrder
from server.services.work_orders import assign
from server.sync.names import MODEL_BY_ENTITY
from server.sync.serialize import FAST, SCHEMAS
from tests.office.helpers import CST, Phone, sync_completed_visit

from .device import SimDevice


def _stored(db) -> dict[tuple[str, str], list[str]]:
    """(entity, id) -> every stored change of the record in the log (one per audience)."""
    out: dict[tuple[str, str], list[str]] = {}
    rows = db.session.execute(sa.select(ChangeLogEntry.entity, ChangeLogEntry.entity_id, ChangeLogEntry.wire))
    for entity, rid, wire in rows:
        if wire is not None:
            out.setdefault((entity, rid), []).append(wire)
    return out


def _as_read(db, entity: str, rid: str) -> dict:
    """The record's change made from a fresh read of its row, by its marshmallow schema."""
    db.session.expire_all()
    record = db.session.get(MODEL_BY_ENTITY[entity], rid)
    return {"entity": entity, "id": rid, "op": "put", "version": record.version, "fields": SCHEMAS[entity].dump(record)}


def test_every_kind_of_visit_record_is_stored_as_a_read_of_it_would_send_it(client_for, world, people, db):
    wo = world["wo1"].id
    phone = Phone(client_for("tech1"))
    phone.push(phone.mutation("checklist_answer", {"work_order_id": wo, "step": "kit_tools", "value": "yes"}))
    photo = {"work_order_id": wo, "blob_sha256": phone.upload(), "photo_set": "before", "caption": "漏水处"}
    phone.push(phone.mutation("photo", photo))
    # Device times go up with the phone's own offset (+08:00); a read gives them back in UTC.
    sync_completed_visit(phone, wo, arrived=datetime.now(CST) - timedelta(hours=2), complete=False)
    total = db.session.scalar(sa.select(FeeQuote.total).where(FeeQuote.work_order_id == wo))
    pay = {"work_order_id": wo, "method": "wechat", "amount": f"{total:.2f}", "receipt": "receipt"}
    phone.push(phone.mutation("payment", pay))
    # Written through the ORM (an office service's way), not the push's bulk insert.
    db.session.add(
        VisitEvent(
            work_order_id=wo,
            kind="note_left",
            note="门口",
            data={"b": 1, "a": [1, 2]},
            created_by_id=people["dispatcher"].id,
            device_at=datetime(2026, 11, 30, 14, 5, 6, 789000, tzinfo=CST),
        )
    )
    db.session.commit()

    stored = _stored(db)
    assert {entity for entity, _ in stored} == set(FAST), "every kind of visit record is stored"
    for (entity, rid), wires in stored.items():
        assert len(wires) == 2  # the office's row and the holder's, the same change
        for wire in wires:
            assert orjson.loads(wire) == _as_read(db, entity, rid), (entity, rid)
    # And sent as stored: what the office and the technician pull is that change.
    for who in ("dispatcher", "tech1"):
        pulled = {(c["entity"], c["id"]): c for c in SimDevice(client_for(who)).pull_all() if c["entity"] in FAST}
        assert pulled == {key: _as_read(db, *key) for key in stored}


def test_changes_that_are_not_visit_records_are_read_when_pulled(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    phone.push(
        [phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"})]
    )
    kinds = db.session.execute(sa.select(ChangeLogEntry.entity, ChangeLogEntry.op, ChangeLogEntry.wire)).all()
    # Work orders, customers and products change in place and hold encrypted data: never stored.
    assert all(wire is None for entity, op, wire in kinds if entity not in FAST or op != "put")
    assert any(wire for entity, _, wire in kinds if entity == "checklist_answer")


def test_a_stored_change_is_not_sent_to_a_technician_who_lost_the_job(client_for, world, people, db):
    wo = world["wo1"].id
    tech1 = SimDevice(client_for("tech1"))
    answers = [
        tech1.mutation("checklist_answer", {"work_order_id": wo, "step": step, "value": "yes"})
        for step in ("kit_tools", "kit_parts", "knock")
    ]
    assert all(r["status"] == "applied" for r in tech1.push(answers).get_json()["results"])
    ids = {m["entity_id"] for m in answers}
    assign(db.session.get(WorkOrder, wo), people["tech2"].id, people["dispatcher"])
    db.session.commit()
    # tech1's own log still holds the stored puts, before the rows that take the job away: page by
    # page from the start, a phone must meet none of them (nor of the order), only the removal.
    fresh = SimDevice(client_for("tech1"))
    changes = fresh.pull_all(limit=2)
    assert not [c for c in changes if c["id"] in ids and c["op"] == "put"]
    assert {c["id"] for c in changes if c["op"] == "delete"} >= ids
    # The technician who has it now gets them (read when pulled: they were stored for tech1).
    held = {c["id"] for c in SimDevice(client_for("tech2")).pull_all() if c["op"] == "put"}
    assert ids <= held


def test_a_device_time_keeps_its_moment_in_utc(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    moment = datetime(2026, 11, 30, 9, 29, 41, 500000, tzinfo=CST)
    fields = fee_quote_fields(world["wo1"].id, [("PCB-220", 1)], consented_at=moment.isoformat())
    phone.push([phone.mutation("fee_quote", fields, at=moment.isoformat())])
    quote = [c for c in phone.pull_all() if c["entity"] == "fee_quote"][0]["fields"]
    assert (
        quote["at"] == quote["consented_at"] == moment.astimezone(UTC).isoformat() == "2026-11-30T01:29:41.500000+00:00"
    )
