"""Several offline edits of one job, and office edits between them: nothing slips past.

A phone bases every queued update on the last server version it pulled (not on a local
count). The server records which device last wrote each field, so a device's own earlier
write is never a conflict, and anyone else's change after the device's base always is:
the value it overwrites is in the conflict log.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.models import Conflict, WorkOrder

from .device import SimDevice

CST = timezone(timedelta(hours=8))
# Ten days ahead: never the world's own appointment (today 14:00), which would make an office
# "change" to that time no change at all.
DAY = datetime.combine(datetime.now(CST).date() + timedelta(days=10), time(9), CST)


def _moment(value):
    """An ISO moment as a datetime (other values as they are)."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, datetime) or isinstance(b, datetime):
        return _moment(a) == _moment(b)
    return a == b


def _wire(value):
    return value.isoformat() if isinstance(value, datetime) else value


def office_sets(db, wo_id: str, **values) -> None:
    """The office changes fields (through the ORM, as the office's services do)."""
    wo = db.session.get(WorkOrder, wo_id)
    for name, value in values.items():
        setattr(wo, name, value)
    db.session.commit()


def conflicts_of(db, mutation_id: str) -> dict[str, Conflict]:
    return {c.field: c for c in db.session.scalars(sa.select(Conflict).where(Conflict.mutation_id == mutation_id))}


def test_two_offline_edits_with_an_office_reschedule_between_log_the_office_value(client_for, world, db):
    """Issue #12 finding 4: confirm the appointment, then reschedule, while the office moved it."""
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    seen = next(c for c in phone.pull_all() if c["entity"] == "work_order" and c["id"] == wo.id)["version"]
    confirm = phone.mutation(
        "work_order", {"technician_notes": "客户确认上午到"}, op="update", entity_id=wo.id, base_version=seen
    )
    office_value = DAY + timedelta(hours=5)
    office_sets(db, wo.id, appointment_start=office_value, appointment_end=office_value + timedelta(hours=1))
    phone_value = DAY + timedelta(days=1)
    move = phone.mutation(
        "work_order", {"appointment_start": phone_value.isoformat()}, op="update", entity_id=wo.id, base_version=seen
    )  # the version the phone last pulled
    results = phone.push([confirm, move]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "merged"], results
    db.session.expire_all()
    logged = conflicts_of(db, move["id"])
    assert set(logged) == {"appointment_start"}
    assert _same(logged["appointment_start"].losing_value["value"], office_value)
    assert _same(db.session.get(WorkOrder, wo.id).appointment_start, phone_value)


def test_a_devices_own_earlier_offline_write_is_not_a_conflict(client_for, world, db):
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    base = db.session.get(WorkOrder, wo.id).version
    first = phone.mutation(
        "work_order",
        {"appointment_start": (DAY + timedelta(hours=1)).isoformat()},
        op="update",
        entity_id=wo.id,
        base_version=base,
    )
    second = phone.mutation(
        "work_order",
        {"appointment_start": (DAY + timedelta(hours=2)).isoformat()},
        op="update",
        entity_id=wo.id,
        base_version=base,
    )
    results = phone.push([first, second]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    db.session.expire_all()
    fresh = db.session.get(WorkOrder, wo.id)
    assert fresh.field_writers["appointment_start"] == phone.id


def test_another_devices_write_is_a_conflict_even_for_the_same_user(client_for, world, db):
    wo = world["wo1"]
    tech = client_for("tech1")
    phone, tablet = SimDevice(tech), SimDevice(tech)
    base = db.session.get(WorkOrder, wo.id).version
    tablet_value = DAY + timedelta(hours=3)
    tablet.push(
        [
            tablet.mutation(
                "work_order",
                {"appointment_start": tablet_value.isoformat()},
                op="update",
                entity_id=wo.id,
                base_version=base,
            )
        ]
    )
    move = phone.mutation(
        "work_order",
        {"appointment_start": (DAY + timedelta(hours=4)).isoformat()},
        op="update",
        entity_id=wo.id,
        base_version=base,
    )
    assert phone.push([move]).get_json()["results"][0]["status"] == "merged"
    assert _same(conflicts_of(db, move["id"])["appointment_start"].losing_value["value"], tablet_value)


def test_an_office_write_clears_the_devices_claim_on_the_field(client_for, world, db):
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    base = db.session.get(WorkOrder, wo.id).version
    phone.push([phone.mutation("work_order", {"outcome": "fixed"}, op="update", entity_id=wo.id, base_version=base)])
    office_sets(db, wo.id, outcome="not_fixed")
    db.session.expire_all()
    assert "outcome" not in db.session.get(WorkOrder, wo.id).field_writers
    move = phone.mutation("work_order", {"outcome": "awaiting_parts"}, op="update", entity_id=wo.id, base_version=base)
    assert phone.push([move]).get_json()["results"][0]["status"] == "merged"
    assert conflicts_of(db, move["id"])["outcome"].losing_value["value"] == "not_fixed"


# ------------------------------------------------------------------ property

FIELDS = {
    "appointment_start": st.sampled_from([DAY + timedelta(hours=h) for h in range(6)]),
    "appointment_end": st.sampled_from([DAY + timedelta(hours=h, minutes=30) for h in range(6)]),
    "outcome": st.sampled_from(["fixed", "awaiting_parts", "not_fixed", "refused"]),
}


def _field_value():
    return st.sampled_from(sorted(FIELDS)).flatmap(lambda name: st.tuples(st.just(name), FIELDS[name]))


actions = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.integers(0, 2), _field_value()),  # a phone edits offline
        st.tuples(st.just("office"), st.just(None), _field_value()),  # the office edits
        st.tuples(st.just("sync"), st.integers(0, 2), st.just(None)),  # a phone pushes, then pulls
    ),
    min_size=1,
    max_size=14,
)


class OfflinePhone:
    def __init__(self, sim: SimDevice, wo_id: str, pulled_version: int):
        self.sim, self.wo_id = sim, wo_id
        self.pulled = pulled_version  # the last server version of the job this phone pulled
        self.outbox: list[dict] = []

    def edit(self, name, value) -> None:
        self.outbox.append(
            self.sim.mutation(
                "work_order", {name: _wire(value)}, op="update", entity_id=self.wo_id, base_version=self.pulled
            )
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(plan=actions)
def test_random_interleavings_every_overwritten_value_is_in_the_conflict_log(client_for, world, db, plan):
    wo_id = world["wo1"].id
    for name in FIELDS:  # a known starting point for every example
        setattr(db.session.get(WorkOrder, wo_id), name, None)
    db.session.commit()
    db.session.execute(sa.delete(Conflict))
    db.session.commit()
    tech = client_for("tech1")
    start = db.session.get(WorkOrder, wo_id).version
    phones = [OfflinePhone(SimDevice(tech), wo_id, start) for _ in range(3)]

    # Who wrote each field's current value, and at which version: kept by the test itself.
    owner = {name: ("office", db.session.get(WorkOrder, wo_id).field_versions[name]) for name in FIELDS}

    for kind, who, change in plan + [("sync", i, None) for i in range(3)]:
        if kind == "edit":
            phones[who].edit(*change)
        elif kind == "office":
            before = getattr(db.session.get(WorkOrder, wo_id), change[0])
            office_sets(db, wo_id, **{change[0]: change[1]})
            if not _same(before, change[1]):
                owner[change[0]] = ("office", db.session.get(WorkOrder, wo_id).version)
        else:
            phone = phones[who]
            for m in phone.outbox:  # one entry at a time, to look at the server between them
                ((name, value),) = m["fields"].items()
                db.session.expire_all()
                before = getattr(db.session.get(WorkOrder, wo_id), name)
                result = phone.sim.push([m]).get_json()["results"][0]
                assert result["status"] in ("applied", "merged"), result
                db.session.expire_all()
                wo = db.session.get(WorkOrder, wo_id)
                after = getattr(wo, name)
                assert _same(after, _moment(value))  # last arrival wins on these fields
                logged = conflicts_of(db, m["id"])
                writer, written_at = owner[name]
                if not _same(before, after) and writer != who and written_at > m["base_version"]:
                    # someone else's value the phone never saw was overwritten: it is in the log
                    assert name in logged, (name, before, after, owner[name])
                    assert _same(_moment(logged[name].losing_value["value"]), before)
                else:
                    # a value the phone saw, or its own earlier write: no conflict
                    assert name not in logged, (name, before, after, owner[name])
                if not _same(before, after):
                    owner[name] = (who, wo.version)
            phone.outbox.clear()
            mine = [c for c in phone.sim.pull_all() if c["entity"] == "work_order" and c["id"] == wo_id]
            if mine:
                phone.pulled = mine[-1]["version"]
