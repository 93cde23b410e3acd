"""A mutation is known by (device, id): another device's id is never answered with its result.

Issue #12, finding 8: mutation ids were global, so a phone that sent a colleague's mutation
UUID got the colleague's stored result back (note text included) and its own entry was
dropped as a "duplicate".
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.models import Diagnosis, MutationRecord

from .device import SimDevice

SECRET = "客户家里有狗，密码锁 4711"


def diagnosis(phone: SimDevice, wo_id: str, text: str, mutation_id: str | None = None) -> dict:
    m = phone.mutation("diagnosis", {"work_order_id": wo_id, "fault_cause": text, "customer_visible": False})
    if mutation_id:
        m["id"] = mutation_id
    return m


def test_another_devices_mutation_id_is_applied_as_this_devices_own(client_for, world, db):
    first = SimDevice(client_for("tech1"))
    theirs = diagnosis(first, world["wo1"].id, SECRET)
    assert first.push([theirs]).get_json()["results"][0]["status"] == "applied"

    other = SimDevice(client_for("tech2"))
    mine = diagnosis(other, world["wo2"].id, "压缩机不启动", mutation_id=theirs["id"])
    response = other.push([mine])  # the fast path: a new device's first push, all new
    result = response.get_json()["results"][0]
    assert result["status"] == "applied", result
    assert SECRET not in response.get_data(as_text=True)
    # The second push starts with a replay, so the stored results are looked up first.
    again = diagnosis(other, world["wo2"].id, "再次检查", mutation_id=theirs["id"])
    response = other.push([mine, again])
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "duplicate"]  # its own id, its own result
    assert SECRET not in response.get_data(as_text=True)

    db.session.expire_all()
    rows = db.session.scalars(sa.select(MutationRecord).where(MutationRecord.id == theirs["id"])).all()
    assert sorted(r.device_id for r in rows) == sorted([first.id, other.id])
    causes = set(db.session.scalars(sa.select(Diagnosis.fault_cause)))
    assert {SECRET, "压缩机不启动"} <= causes


def test_a_reused_id_in_a_batch_after_a_replay_is_still_applied(client_for, world, db):
    first = SimDevice(client_for("tech1"))
    theirs = diagnosis(first, world["wo1"].id, SECRET)
    first.push([theirs])
    other = SimDevice(client_for("tech2"))
    own = diagnosis(other, world["wo2"].id, "先记一条")
    other.push([own])
    reused = diagnosis(other, world["wo2"].id, "后记一条", mutation_id=theirs["id"])
    response = other.push([own, reused])
    assert [r["status"] for r in response.get_json()["results"]] == ["duplicate", "applied"]
    assert SECRET not in response.get_data(as_text=True)


def test_a_rejected_entry_shared_by_two_devices_is_settled_by_its_device(client_for, world, db):
    shared = str(uuid.uuid4())
    phones = []
    for name, wo in (("tech1", "wo2"), ("tech2", "wo1")):  # each someone else's job: rejected
        phone = SimDevice(client_for(name))
        result = phone.push([diagnosis(phone, world[wo].id, "不是我的单", mutation_id=shared)]).get_json()["results"][0]
        assert result["status"] == "rejected", result
        phones.append(phone)
    office = client_for("dispatcher")
    ambiguous = office.post(f"/api/sync/rejected/{shared}/settle", json={"note": "已核对"})
    assert ambiguous.status_code == 409 and ambiguous.get_json()["reason"] == "rejected.ambiguous"
    settled = office.post(f"/api/sync/rejected/{shared}/settle?device={phones[1].id}", json={"note": "已核对"})
    assert settled.status_code == 200, settled.get_json()
    db.session.expire_all()
    by_device = {
        r.device_id: r.settled_at
        for r in db.session.scalars(sa.select(MutationRecord).where(MutationRecord.id == shared))
    }
    assert by_device[phones[0].id] is None and by_device[phones[1].id] is not None
