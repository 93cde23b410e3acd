"""An escalation's decision reaches the job's technician on the next pull, and no one else's phone."""

from __future__ import annotations

import sqlalchemy as sa

from server.models import Escalation
from server.services import escalations

from .device import SimDevice


def _escalations(changes: list[dict]) -> dict[str, dict]:
    return {c["id"]: c for c in changes if c["entity"] == "escalation"}


def _push_fee_dispute(phone: SimDevice, wo_id: str) -> None:
    entry = phone.mutation(
        "visit_event", {"work_order_id": wo_id, "kind": "escalated", "note": "客户不同意支付 180.00 元,要求减免"}
    )
    body = phone.push([entry]).get_json()
    assert [r["status"] for r in body["results"]] == ["applied"], body


def test_the_decision_reaches_the_technician_on_the_next_pull(client_for, world, people, db):
    phone = SimDevice(client_for("tech1"))
    phone.pull_all()
    _push_fee_dispute(phone, world["wo1"].id)

    opened = _escalations(phone.pull_all())
    assert len(opened) == 1
    ((case_id, change),) = opened.items()
    assert change["op"] == "put"
    assert change["fields"]["kind"] == "fee_dispute"
    assert change["fields"]["status"] == "open"
    assert change["fields"]["decision_text"] is None

    case = db.session.get(Escalation, case_id)
    escalations.decide(case, "approved", "同意减免上门费 50 元,按 130.00 元收取", people["dispatcher"])
    db.session.commit()

    decided = _escalations(phone.pull_all())
    assert set(decided) == {case_id}
    fields = decided[case_id]["fields"]
    assert fields["status"] == "decided"
    assert fields["decision"] == "approved"
    assert fields["decision_text"] == "同意减免上门费 50 元,按 130.00 元收取"
    assert fields["decided_by_name"] == "客服小张"
    assert fields["work_order_id"] == world["wo1"].id
    assert decided[case_id]["version"] > change["version"]


def test_another_technician_never_pulls_the_case(client_for, world, people, db):
    phone = SimDevice(client_for("tech1"))
    _push_fee_dispute(phone, world["wo1"].id)
    case = db.session.scalar(sa.select(Escalation))
    escalations.decide(case, "declined", "按收费标准收取", people["manager"])
    db.session.commit()

    other = SimDevice(client_for("tech2"))
    assert _escalations(other.pull_all()) == {}
    office = SimDevice(client_for("dispatcher"))  # the office's own pull (staff rows) has it
    assert case.id in _escalations(office.pull_all())


def test_a_reassigned_job_takes_its_cases_along(client_for, world, people, db):
    tech1 = SimDevice(client_for("tech1"))
    entry = tech1.mutation(
        "visit_event",
        {"work_order_id": world["wo1"].id, "kind": "reassignment_requested", "note": "车坏了", "data": {}},
    )
    assert tech1.push([entry]).get_json()["results"][0]["status"] == "applied"
    case_id = db.session.scalar(sa.select(Escalation.id))
    assert case_id in _escalations(tech1.pull_all())

    office = client_for("dispatcher")
    answer = office.post(
        f"/api/work-orders/{world['wo1'].id}/assign",
        json={"technician_id": people["tech2"].id, "reason": "王师傅车坏了"},
    )
    assert answer.status_code == 200, answer.get_json()

    gone = _escalations(tech1.pull_all())
    assert gone[case_id]["op"] == "delete"
    tech2 = SimDevice(client_for("tech2"))
    assert _escalations(tech2.pull_all())[case_id]["op"] == "put"


def test_a_phone_cannot_write_a_case(client_for, world):
    phone = SimDevice(client_for("tech1"))
    entry = phone.mutation("escalation", {"work_order_id": world["wo1"].id, "status": "decided"})
    result = phone.push([entry]).get_json()["results"][0]
    assert result["status"] == "rejected"


def test_a_batch_redone_entry_by_entry_still_opens_one_case(client_for, world, db):
    """A clash with an older record breaks the fast path's insert; the batch is redone one savepoint
    per entry, and the escalation in it still opens exactly one case."""
    phone = SimDevice(client_for("tech1"))
    first = phone.mutation("visit_event", {"work_order_id": world["wo1"].id, "kind": "arrived"})
    assert phone.push([first]).get_json()["results"][0]["status"] == "applied"
    clash = phone.mutation(
        "visit_event", {"work_order_id": world["wo1"].id, "kind": "departed"}, entity_id=first["entity_id"]
    )
    escalated = phone.mutation(
        "visit_event", {"work_order_id": world["wo1"].id, "kind": "escalated", "note": "客户要求减免"}
    )
    results = phone.push([clash, escalated]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    db.session.expire_all()
    (case,) = db.session.scalars(sa.select(Escalation)).all()
    assert (case.source_event_id, case.kind) == (escalated["entity_id"], "fee_dispute")
