"""A visit synced from a technician's phone shows up in KPIs, follow-ups and reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.models import PartFitted, WorkOrder

from .helpers import CST, Phone, recent_range, sync_completed_visit


@pytest.fixture
def visit(world, db, client_for):
    """wo1 (tech1, VIP customer) with its appointment 3 hours ago, and tech1's phone."""
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start, wo.appointment_end = now - timedelta(hours=6), now - timedelta(hours=5)
    # taken in before the visit: a device time before the work order existed is flagged (device_time.py)
    wo.created_at = now - timedelta(hours=8)
    db.session.commit()
    return {"wo": wo, "phone": Phone(client_for("tech1")), "appointment": wo.appointment_start, "now": now}


def kpis_of(office, name="王师傅"):
    body = office.get("/api/office/kpis", query_string=recent_range()).get_json()
    return body, next(r for r in body["technicians"] if r["technician_name"] == name)


def visit_day(wo_id) -> str:
    """The local day of the visit (the day the office reconciles it), not today's: in the first
    hours of a local day the fixture's visit, six hours ago, was yesterday."""
    from server.extensions import db

    return db.session.get(WorkOrder, wo_id).appointment_start.astimezone(CST).date().isoformat()


def flags_of(office, wo_id):
    body = office.get("/api/office/reconciliation", query_string={"date": visit_day(wo_id)}).get_json()
    return [f["code"] for f in body["flags"] if f["work_order_id"] == wo_id], body


def calls_of(office, wo_id):
    return [c for c in office.get("/api/office/follow-ups").get_json() if c["work_order_id"] == wo_id]


def test_a_completed_visit_counts_in_the_kpis(visit, client_for):
    office = client_for("manager")
    _, before = kpis_of(office)
    assert before["completed"] == 0 and before["csat_count"] == 0
    sync_completed_visit(
        visit["phone"], visit["wo"].id, arrived=visit["appointment"] - timedelta(minutes=8), ratings=(5, 4)
    )
    body, row = kpis_of(office)
    assert row["jobs"] == 1 and row["completed"] == 1 and row["completion_rate"] == 1.0
    assert row["on_time_rate"] == 1.0 and row["on_time_judged"] == 1  # the phone says it arrived 8 min early
    assert row["first_time_fix_rate"] == 1.0
    assert row["csat_quality"] == 5.0 and row["csat_attitude"] == 4.0
    assert body["overall"]["completed"] == 1


def test_a_late_arrival_by_the_phones_clock_lowers_on_time(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"] + timedelta(minutes=40))
    _, row = kpis_of(client_for("dispatcher"))
    assert row["on_time_rate"] == 0.0 and row["on_time_judged"] == 1


def test_a_low_rating_puts_recovery_calls_in_the_queue(visit, client_for):
    office = client_for("dispatcher")
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(2, 5))
    calls = calls_of(office, visit["wo"].id)
    assert [(c["kind"], c["reason"]) for c in calls] == [("recovery", "low_rating"), ("recovery", "low_rating")]
    first, second = (datetime.fromisoformat(c["due_at"]) for c in calls)
    assert second - first == timedelta(days=4)  # the calls at 3 and 7 days
    assert calls[0]["ticket_no"] == visit["wo"].ticket_no and calls[0]["customer_phone"]
    assert len(calls_of(office, visit["wo"].id)) == 2  # asking again plans nothing twice


def test_a_good_rating_gets_a_satisfaction_call_instead(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(5, 5))
    calls = calls_of(client_for("dispatcher"), visit["wo"].id)
    assert [(c["kind"], c["reason"]) for c in calls] == [("satisfaction", "completed")]


def test_a_visit_not_fully_fixed_gets_a_call_back_after_three_hours(visit, client_for):
    ended = visit["now"] - timedelta(hours=4)
    phone, wo = visit["phone"], visit["wo"]
    sync_completed_visit(
        phone,
        wo.id,
        arrived=visit["appointment"],
        finished=ended,
        outcome="awaiting_parts",
        ratings=None,
        complete=False,
    )
    phone.event(wo.id, "awaiting_parts", when=ended)
    phone.update(wo.id, status="awaiting_parts", when=ended)
    calls = calls_of(client_for("dispatcher"), wo.id)
    assert [(c["kind"], c["reason"]) for c in calls] == [("not_fixed", "not_fixed")]
    assert abs(datetime.fromisoformat(calls[0]["due_at"]) - (ended + timedelta(hours=3))) < timedelta(seconds=1)


def test_a_completion_without_sign_off_is_flagged_in_reconciliation(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=None)
    codes, body = flags_of(client_for("dispatcher"), visit["wo"].id)
    assert codes == ["unsigned_completion"]
    assert body["checked"] == 1


def test_a_clean_visit_raises_no_reconciliation_flag(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"])
    codes, body = flags_of(client_for("dispatcher"), visit["wo"].id)
    assert codes == [] and body["checked"] == 1


def test_late_records_missing_serials_and_changed_sign_offs_are_flagged(visit, client_for, db):
    sync_completed_visit(
        visit["phone"],
        visit["wo"].id,
        arrived=visit["appointment"],
        finished=visit["appointment"] + timedelta(hours=1),
        part_serial=None,
    )
    # a record added 4 h 30 min after the end of the service (the sign-off) [seed 000 §三(三)1]
    visit["phone"].event(visit["wo"].id, "test_run_ok", when=visit["appointment"] + timedelta(hours=5, minutes=30))
    office = client_for("dispatcher")
    codes, _ = flags_of(office, visit["wo"].id)
    assert codes == ["late_record", "part_without_serial"]
    part = db.session.query(PartFitted).filter_by(work_order_id=visit["wo"].id).one()
    part.serial_fitted = "SN-ADDED-LATER"  # changed behind the customer's signature
    db.session.commit()
    codes, _ = flags_of(office, visit["wo"].id)
    assert codes == ["sign_off_mismatch", "late_record"]


def test_a_flag_can_be_marked_reviewed(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=None)
    office = client_for("dispatcher")
    response = office.post(
        "/api/office/reconciliation/reviews",
        json={"work_order_id": visit["wo"].id, "flag": "unsigned_completion", "note": "顾客外出，已电话确认，补签中"},
    )
    assert response.status_code == 201
    flag = office.get("/api/office/reconciliation", query_string={"date": visit_day(visit["wo"].id)}).get_json()[
        "flags"
    ][0]
    assert flag["reviewed"] is True and flag["review_note"].startswith("顾客外出")


def test_recording_call_outcomes(visit, client_for):
    office = client_for("dispatcher")
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(5, 5))
    call = calls_of(office, visit["wo"].id)[0]
    url = f"/api/office/follow-ups/{call['id']}/outcome"
    unreachable = office.post(url, json={"outcome": "unreachable"}).get_json()
    assert unreachable["status"] == "open" and unreachable["attempts"] == 1
    no_reason = office.post(url, json={"outcome": "dissatisfied"})
    assert no_reason.status_code == 422 and "note" in no_reason.get_json()["errors"]
    done = office.post(url, json={"outcome": "dissatisfied", "note": "等了两个小时，不满意"}).get_json()
    assert done["status"] == "done" and "等了两个小时" in done["note"]
    recovery = [c for c in calls_of(office, visit["wo"].id) if c["kind"] == "recovery"]
    assert len(recovery) == 2 and all(c["reason"] == "complaint" for c in recovery)
    assert office.post(url, json={"outcome": "satisfied"}).status_code == 409


def test_a_complaint_opens_a_case_and_the_last_satisfied_call_closes_it(world, client_for):
    office = client_for("dispatcher")
    response = office.post(
        "/api/office/complaints", json={"ticket_no": world["wo2"].ticket_no.lower(), "description": "技术员态度差"}
    )
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["trigger"] == "complaint" and len(case["follow_ups"]) == 2
    first, second = case["follow_ups"]
    assert (
        office.post(f"/api/office/follow-ups/{first['id']}/outcome", json={"outcome": "satisfied"}).status_code == 200
    )
    still = office.post(
        f"/api/office/follow-ups/{second['id']}/outcome", json={"outcome": "dissatisfied", "note": "仍未解决"}
    ).get_json()
    assert still["status"] == "done"
    again = [c for c in calls_of(office, world["wo2"].id) if c["reason"] == "still_dissatisfied"]
    assert len(again) == 1  # keep going until satisfied
    assert (
        office.post(f"/api/office/follow-ups/{again[0]['id']}/outcome", json={"outcome": "satisfied"}).status_code
        == 200
    )
    from server.extensions import db
    from server.models import RecoveryCase

    assert db.session.get(RecoveryCase, case["id"]).status == "closed"


def test_a_complaint_needs_a_known_ticket(client_for):
    response = client_for("dispatcher").post(
        "/api/office/complaints", json={"ticket_no": "SR-19990101-0001", "description": "x"}
    )
    assert response.status_code == 422 and "ticket_no" in response.get_json()["errors"]


def test_kpis_export_as_csv_and_a_monthly_summary(visit, client_for):
    office = client_for("manager")
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(5, 4))
    csv_response = office.get("/api/office/kpis.csv", query_string=recent_range())
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    text = csv_response.get_data(as_text=True).lstrip("\ufeff")
    header, *rows = text.splitlines()
    assert "on_time_rate" in header.split(",")
    assert any(r.split(",")[1] == "王师傅" for r in rows) and rows[-1].split(",")[1] == "ALL"
    # A month counts the jobs taken in during it (the visit, hours later, may fall in the next
    # local month: the fixture's order is taken in 8 h before now, its visit 6 h before now).
    month_taken_in = visit["wo"].created_at.astimezone(CST).strftime("%Y-%m")
    month = office.get("/api/office/kpis/monthly", query_string={"month": month_taken_in}).get_json()
    assert month["kpis"]["overall"]["completed"] == 1
    # the world's two phone orders, unless one was taken in on the other side of a local month's start
    taken_in = [wo.created_at.astimezone(CST).strftime("%Y-%m") for wo in WorkOrder.query.filter_by(channel="phone")]
    assert len(taken_in) == 2
    assert month["by_channel"]["phone"] == taken_in.count(month_taken_in)


@pytest.mark.parametrize("query, field", [("?from=2026-13-01", "from"), ("?from=2026-11-10&to=2026-11-01", "to")])
def test_bad_kpi_ranges_are_named(client_for, query, field):
    response = client_for("manager").get("/api/office/kpis" + query)
    assert response.status_code == 422 and field in response.get_json()["errors"]
