"""Time you can trust (issue #13): device times corrected by the push's clock offset, refused or
flagged outside the plausible window, first response from the first contact, KPIs from corrected
times and never negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import device_time
from server.models import MutationRecord, VisitEvent, WorkOrder
from server.reports import kpis
from server.reports.facts import JobFacts

from .helpers import CST, Phone, at, recent_range, sync_completed_visit

NOW = datetime.now(UTC)


@pytest.fixture
def orders(world, db):
    """wo1 (tech1) and wo2 (tech2), taken in 8 hours ago, appointments 6 hours ago."""
    now = datetime.now(UTC)
    for key in ("wo1", "wo2"):
        wo = db.session.get(WorkOrder, world[key].id)
        wo.created_at = now - timedelta(hours=8)
        wo.appointment_start, wo.appointment_end = now - timedelta(hours=6), now - timedelta(hours=5)
    db.session.commit()
    return {"wo1": world["wo1"].id, "wo2": world["wo2"].id, "now": now, "appointment": now - timedelta(hours=6)}


def push_raw(client, device_at: datetime, wo_id: str, kind="phoned_customer", device_time: datetime | None = None):
    body = {
        "device_id": "5d0c1d36-3b7e-4c51-9d7e-0f6a8f3c2a11",
        "device_time": at(device_time or datetime.now(CST)),
        "mutations": [
            {
                "seq": 1,
                "id": "7b1f6f0e-1c1d-4d5e-8f7a-3a9b2c4d5e6f",
                "entity": "visit_event",
                "entity_id": "0c9f1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
                "op": "create",
                "fields": {"work_order_id": wo_id, "kind": kind, "data": {"waited_s": 0}},
                "base_version": None,
                "at": at(device_at),
            }
        ],
    }
    response = client.post("/api/sync/push", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"][0]


def test_a_1970_time_is_kept_but_flagged_and_counted_at_receipt(orders, client_for, db):
    result = push_raw(client_for("tech1"), datetime(1970, 1, 1, tzinfo=UTC), orders["wo1"])
    assert result["status"] == "applied"  # a real contact, recorded while the clock was reset: not lost
    event = db.session.query(VisitEvent).filter_by(work_order_id=orders["wo1"], kind="phoned_customer").one()
    assert event.device_at == datetime(1970, 1, 1, tzinfo=UTC)  # the raw time, kept for audit
    assert event.time_flag == device_time.BEFORE_WORK_ORDER
    assert abs(event.corrected_at - datetime.now(UTC)) < timedelta(minutes=1)  # the server's receipt
    wo = db.session.get(WorkOrder, orders["wo1"])
    assert abs(wo.first_response_at - datetime.now(UTC)) < timedelta(minutes=1)
    _, row = kpis_of(client_for("manager"))
    assert row["first_response_hours_mean"] >= 7.9  # not -35,634 h: at receipt, 8 h after intake
    # the office sees it
    page = client_for("dispatcher").get(f"/office/work-orders/{orders['wo1']}").get_data(as_text=True)
    assert "记录的手机时间不可信" in page


def test_a_2099_time_is_refused_with_a_reason(orders, client_for, db):
    result = push_raw(client_for("tech1"), datetime(2099, 1, 1, tzinfo=UTC), orders["wo1"])
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "sync.time_in_future"
    assert db.session.query(VisitEvent).filter_by(work_order_id=orders["wo1"]).count() == 0
    assert db.session.get(WorkOrder, orders["wo1"]).first_response_at is None
    kept = db.session.query(MutationRecord).filter_by(status="rejected").one()  # kept for the office
    assert kept.payload["at"].startswith("2099")


def test_a_fast_phones_times_are_corrected_not_refused(orders, client_for, db):
    # A phone 3 h fast stamps the present as 3 h ahead, and says so at the push: applied, corrected.
    true = datetime.now(UTC) - timedelta(minutes=10)
    result = push_raw(
        client_for("tech1"),
        true + timedelta(hours=3),
        orders["wo1"],
        device_time=datetime.now(CST) + timedelta(hours=3),
    )
    assert result["status"] == "applied"
    event = db.session.query(VisitEvent).filter_by(work_order_id=orders["wo1"]).one()
    assert abs(event.corrected_at - true) < timedelta(seconds=5) and event.time_flag is None


def kpis_of(office, name="王师傅"):
    body = office.get("/api/office/kpis", query_string=recent_range()).get_json()
    return body, next(r for r in body["technicians"] if r["technician_name"] == name)


def test_kpis_from_skewed_phones_equal_those_from_the_true_times(orders, client_for, db):
    fast = Phone(client_for("tech1"), skew=timedelta(hours=3))  # 3 h fast
    slow = Phone(client_for("tech2"), skew=timedelta(hours=-2))  # 2 h slow
    appointment = orders["appointment"]
    # tech1 confirms 1 h after intake, arrives 8 min early; tech2 confirms 3 h after intake, arrives 20 min late
    fast.event(orders["wo1"], "appointment_confirmed", when=appointment - timedelta(hours=1))
    sync_completed_visit(fast, orders["wo1"], arrived=appointment - timedelta(minutes=8))
    slow.event(orders["wo2"], "phoned_customer", when=appointment + timedelta(hours=1))
    sync_completed_visit(slow, orders["wo2"], arrived=appointment + timedelta(minutes=20))
    body, wang = kpis_of(client_for("manager"))
    li = next(r for r in body["technicians"] if r["technician_id"] != wang["technician_id"])
    # computed from the true times
    assert wang["first_response_hours_mean"] == 1.0 and wang["on_time_rate"] == 1.0
    assert li["first_response_hours_mean"] == 3.0 and li["on_time_rate"] == 0.0
    assert body["overall"]["first_response_hours_mean"] == 2.0
    assert wang["sla_response_rate"] == 1.0 and li["sla_response_rate"] == 1.0
    # and the raw device times were kept beside the corrected ones
    confirmed = db.session.query(VisitEvent).filter_by(work_order_id=orders["wo1"], kind="appointment_confirmed").one()
    assert abs(confirmed.device_at - confirmed.corrected_at - timedelta(hours=3)) < timedelta(seconds=5)


def test_first_response_is_the_first_contact_not_the_assignment(orders, client_for, db):
    wo = db.session.get(WorkOrder, orders["wo1"])
    assert wo.technician_id and wo.first_response_at is None  # assigned at intake: not a response
    phone = Phone(client_for("tech1"))
    phone.event(orders["wo1"], "accepted", when=orders["now"] - timedelta(hours=7))
    db.session.expire_all()
    assert db.session.get(WorkOrder, orders["wo1"]).first_response_at is None  # accepting is not contact
    contact = orders["now"] - timedelta(hours=5)
    phone.event(orders["wo1"], "phoned_customer", when=contact)
    db.session.expire_all()
    assert abs(db.session.get(WorkOrder, orders["wo1"]).first_response_at - contact) < timedelta(seconds=5)
    # a later office call does not move it; an office call first would have been the response
    response = client_for("dispatcher").post(f"/api/office/work-orders/{orders['wo1']}/contact", json={})
    assert response.status_code == 200
    assert abs(datetime.fromisoformat(response.get_json()["first_response_at"]) - contact) < timedelta(seconds=5)
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{orders['wo2']}/contact", json={"note": "已联系"}
    )
    assert abs(datetime.fromisoformat(response.get_json()["first_response_at"]) - datetime.now(UTC)) < timedelta(
        minutes=1
    )


def test_the_record_rule_counts_from_the_end_of_the_service(orders, client_for):
    # A 4.8 h visit recorded at sign-off is on time [seed 000 §三(三)1]; one record 4.5 h after it is late.
    phone = Phone(client_for("tech1"))
    arrived = orders["now"] - timedelta(hours=5, minutes=30)
    sync_completed_visit(phone, orders["wo1"], arrived=arrived, finished=arrived + timedelta(hours=4, minutes=48))
    flags = client_for("dispatcher").get("/api/office/reconciliation").get_json()["flags"]
    assert [f["code"] for f in flags if f["work_order_id"] == orders["wo1"]] == []


# ---------------------------------------------------------------- never negative, whatever the clocks


moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))
offsets = st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(days=3650))


def _trusted(raw: datetime, offset: timedelta, created: datetime, received: datetime) -> datetime | None:
    judged = device_time.judge(raw, offset, created, received, timedelta(minutes=5))
    return None if judged.in_future else judged.corrected  # refused entries never reach the facts


@settings(max_examples=300, deadline=None)
@given(
    created=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
    delays=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)), min_size=4, max_size=4),
    raws=st.lists(moments, min_size=3, max_size=3),
    offset=offsets,
    appointment=st.timedeltas(min_value=timedelta(hours=-48), max_value=timedelta(days=10)),
)
def test_kpis_are_never_negative_for_any_interleaving_of_times(created, delays, raws, offset, appointment):
    received = [created + d for d in delays]
    contact, arrival, signed = (_trusted(r, offset, created, rcv) for r, rcv in zip(raws, received, strict=False))
    job = JobFacts(
        work_order_id="wo",
        ticket_no="SR-1",
        status="completed",
        priority="normal",
        channel="phone",
        type="repair",
        technician_id="t1",
        technician_name="王师傅",
        customer_name="张伟",
        created_at=created,
        response_due=created + timedelta(hours=24),
        resolution_due=created + timedelta(hours=72),
        first_response_at=contact,
        completed_at=received[3],
        appointment_start=created + appointment,
        appointment_end=None,
        outcome="fixed",
        arrivals=[arrival] if arrival else [],
        first_contact_at=contact,
        visit_ended_at=signed,
        last_record_at=signed,
    )
    row = kpis.kpi_row([job], NOW)
    for name, value in vars(row).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert value >= 0, (name, value)
    for rate in (row.on_time_rate, row.sla_response_rate, row.sla_resolution_rate, row.completion_rate):
        assert rate is None or 0 <= rate <= 1
    for trusted in (contact, arrival, signed):
        assert trusted is None or trusted >= created


def test_the_plausible_window_and_its_tolerance():
    created = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    received = created + timedelta(hours=5)
    five = timedelta(minutes=5)
    judge = lambda raw, offset=timedelta(0): device_time.judge(raw, offset, created, received, five)
    # a phone 3 h fast: corrected by the offset measured at the push
    assert judge(created + timedelta(hours=4), timedelta(hours=3)).corrected == created + timedelta(hours=1)
    # within the tolerance: clamped into [intake, receipt], no flag
    assert judge(received + timedelta(minutes=4)) == device_time.Judged(received)
    assert judge(created - timedelta(minutes=4)) == device_time.Judged(created)
    # beyond it: refused after the receipt, flagged (counted at receipt) before the work order
    assert judge(received + timedelta(minutes=6)).in_future
    assert judge(created - timedelta(minutes=6)) == device_time.Judged(received, device_time.BEFORE_WORK_ORDER)
