"""Random interleavings of pushes from several devices converge to "each mutation once".

The network duplicates, reorders and drops requests and responses; devices behave like
the PWA's outbox (resend everything not acknowledged). At the end the server holds
exactly the valid entries, once each, and accounts for every rejected one.
"""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.models import ChecklistAnswer, MutationRecord, PartFitted, VanStock, VisitEvent, WorkOrder
from server.services.work_orders import create_work_order

from .device import SimDevice

VISIT_MODELS = (ChecklistAnswer, VisitEvent, PartFitted)


def entries(wo_id: str):
    """(entity, fields, valid) for one outbox entry."""
    return st.one_of(
        st.builds(
            lambda v: ("checklist_answer", {"work_order_id": wo_id, "step": "kit_tools", "value": v}, True),
            st.sampled_from(["yes", "no", "n/a"]),
        ),
        st.just(("visit_event", {"work_order_id": wo_id, "kind": "arrived"}, True)),
        st.just(
            (
                "part_fitted",
                {
                    "work_order_id": wo_id,
                    "part_number": "PCB-220",
                    "serial_fitted": "SN1",
                    "quantity": 1,
                    "unit_price": "0.00",
                    "under_warranty": True,
                },
                True,
            )
        ),
        st.just(
            (
                "part_fitted",
                {
                    "work_order_id": wo_id,
                    "part_number": "NO-SUCH",
                    "quantity": 1,
                    "unit_price": "1.00",
                    "under_warranty": False,
                },
                False,
            )
        ),
        st.just(("visit_event", {"work_order_id": wo_id, "kind": "not-a-kind"}, False)),
    )


class Phone:
    """A device with an outbox; acknowledged entries leave it, nothing else does."""

    def __init__(self, sim: SimDevice, plan):
        self.sim = sim
        self.outbox = [sim.mutation(entity, fields) for entity, fields, _ in plan]
        self.valid = {m["entity_id"]: ok for m, (_, _, ok) in zip(self.outbox, plan, strict=True)}
        self.acked = 0
        self.first_results: dict[str, dict] = {}

    def batch(self, start: int, size: int) -> list[dict]:
        return self.outbox[start : start + size]

    def deliver(self, batch: list[dict], response_lost: bool) -> None:
        response = self.sim.push(batch)
        if response.status_code == 409:  # sent ahead of a lost batch: resend from what the server expects
            assert batch[0]["seq"] > self.acked + 1 or response.get_json()["expected_seq"] <= batch[0]["seq"]
            return
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        for result in body["results"]:
            first = self.first_results.setdefault(result["id"], result)
            assert result["version"] == first["version"] and result["error"] == first["error"]
        if not response_lost:
            self.acked = max(self.acked, body["last_seq"])


step = st.tuples(
    st.integers(0, 3),  # which phone
    st.sampled_from(["next", "next", "next", "stale", "ahead"]),
    st.integers(1, 4),  # batch size
    st.sampled_from(["ok", "ok", "request_lost", "response_lost", "duplicated"]),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_random_interleavings_converge_to_each_mutation_once(client_for, world, people, db, data):
    wo = create_work_order(
        {
            "customer_id": world["customers"][0].id,
            "product_id": world["products"][0].id,  # in warranty: the fitted part is free and needs no consent
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "漏水",
            "technician_id": people["tech1"].id,
        },
        people["dispatcher"],
    )
    # Enough in the van for every fitted part drawn (fitting more than it holds is refused).
    db.session.execute(sa.update(VanStock).values(quantity=1000))
    db.session.commit()
    n_phones = data.draw(st.integers(2, 4), label="phones")
    tech = client_for("tech1")
    phones = [
        Phone(SimDevice(tech), data.draw(st.lists(entries(wo.id), min_size=1, max_size=8))) for _ in range(n_phones)
    ]

    for index, kind, size, fate in data.draw(st.lists(step, max_size=25), label="schedule"):
        phone = phones[index % n_phones]
        if kind == "next":
            start = phone.acked
        elif kind == "stale":
            start = data.draw(st.integers(0, max(0, phone.acked - 1)))
        else:
            start = phone.acked + 1
        batch = phone.batch(start, size)
        if not batch or fate == "request_lost":
            continue
        phone.deliver(batch, response_lost=fate == "response_lost")
        if fate == "duplicated":
            phone.deliver(batch, response_lost=False)

    for phone in phones:  # back online for good: the outbox drains
        while phone.acked < len(phone.outbox):
            phone.deliver(phone.batch(phone.acked, 3), response_lost=False)

    sent = [m for p in phones for m in p.outbox]
    valid = {eid for p in phones for eid, ok in p.valid.items() if ok}
    stored = set()
    for model in VISIT_MODELS:
        rows = db.session.scalars(sa.select(model.id).where(model.work_order_id == wo.id)).all()
        assert len(rows) == len(set(rows))
        stored |= set(rows)
    assert stored == valid  # every valid entry exactly once, nothing else
    records = db.session.scalars(sa.select(MutationRecord).where(MutationRecord.id.in_([m["id"] for m in sent]))).all()
    assert len(records) == len(sent)  # every entry accounted for, rejected ones kept
    rejected = {r.entity_id for r in records if r.status == "rejected"}
    assert rejected == {m["entity_id"] for m in sent} - valid
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id) is not None
