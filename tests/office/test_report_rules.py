"""The report rules as pure functions over plain facts: KPIs, reconciliation flags, call plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.reports import followups, kpis, reconciliation
from server.reports.facts import JobFacts, PartFacts, SignOffFacts

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NOW = T0 + timedelta(days=10)


def job(**kw) -> JobFacts:
    base = dict(
        work_order_id="wo-1",
        ticket_no="SR-20261123-0001",
        status="completed",
        priority="normal",
        channel="phone",
        type="repair",
        technician_id="t1",
        technician_name="王师傅",
        customer_name="张伟",
        created_at=T0,
        response_due=T0 + timedelta(hours=24),
        resolution_due=T0 + timedelta(hours=72),
        first_response_at=T0 + timedelta(hours=1),
        completed_at=T0 + timedelta(hours=6),
        appointment_start=T0 + timedelta(hours=4),
        appointment_end=T0 + timedelta(hours=5),
        outcome="fixed",
        arrivals=[T0 + timedelta(hours=3, minutes=55)],
        visit_ended_at=T0 + timedelta(hours=5),
        visit_ended_event_id="ev-end",
        last_record_at=T0 + timedelta(hours=5),
        sign_off=sign_off(),
        parts=[PartFacts("pf-1", "PCB-220", "SN-1", "OLD-1", True, T0 + timedelta(hours=4))],
    )
    base.update(kw)
    return JobFacts(**base)


def sign_off(quality=5, attitude=5, stored=True) -> SignOffFacts:
    return SignOffFacts(
        "so-1",
        quality,
        attitude,
        "张伟",
        "a" * 64,
        stored,
        "b" * 64,
        T0 + timedelta(hours=5),
        T0 + timedelta(hours=5, minutes=1),
    )


# --- KPIs -----------------------------------------------------------------------------------


def test_kpis_of_a_clean_job():
    row = kpis.kpi_row([job()], NOW)
    assert row.jobs == 1 and row.completed == 1
    assert row.first_response_hours_median == 1.0
    assert row.on_time_rate == 1.0 and row.first_time_fix_rate == 1.0 and row.completion_rate == 1.0
    assert row.csat_quality == 5.0 and row.sla_response_rate == 1.0 and row.sla_resolution_rate == 1.0


def test_arriving_late_by_the_devices_clock_is_not_on_time():
    late = job(arrivals=[T0 + timedelta(hours=4, minutes=20)])
    assert kpis.arrived_on_time(late) is False
    assert kpis.arrived_on_time(job(arrivals=[])) is None  # not judged without an arrival


def test_a_second_visit_is_not_a_first_time_fix():
    assert kpis.fixed_first_time(job(arrivals=[T0, T0 + timedelta(days=1)])) is False
    assert kpis.fixed_first_time(job(outcome="awaiting_parts", status="completed")) is False
    assert kpis.fixed_first_time(job(status="scheduled", completed_at=None)) is None


def test_sla_compliance_counts_open_jobs_only_once_their_deadline_passed():
    open_late = job(status="assigned", completed_at=None, first_response_at=None, sign_off=None)
    open_in_time = replace(open_late, response_due=NOW + timedelta(hours=1), resolution_due=NOW + timedelta(hours=2))
    row = kpis.kpi_row([job(), open_late, open_in_time], NOW)
    assert row.sla_response_judged == 2 and row.sla_response_rate == 0.5
    assert row.sla_resolution_judged == 2 and row.sla_resolution_rate == 0.5
    assert row.completion_rate == round(1 / 3, 4)


def test_kpis_per_technician_and_csv():
    other = job(
        work_order_id="wo-2",
        ticket_no="SR-20261123-0002",
        technician_id="t2",
        technician_name="李师傅",
        sign_off=sign_off(2, 4),
    )
    report = kpis.kpi_report([job(), other, job(work_order_id="wo-3", technician_id=None, technician_name=None)], NOW)
    assert [r.technician_name for r in report.technicians] == ["李师傅", "王师傅"]
    assert report.overall.jobs == 3
    assert report.technicians[0].csat_quality == 2.0
    csv_text = kpis.kpi_csv(report)
    lines = csv_text.splitlines()
    assert lines[0].startswith("technician_id,technician_name,jobs,")
    assert lines[-1].split(",")[1] == "ALL" and len(lines) == 4


# --- reconciliation ---------------------------------------------------------------------------


def codes(j: JobFacts, verifies=True) -> list[str]:
    return [f.code for f in reconciliation.flags_for(j, verifies if j.sign_off else None)]


def test_a_clean_job_raises_no_flag():
    assert codes(job()) == []


def test_each_irregularity_is_flagged():
    assert codes(job(sign_off=None)) == ["unsigned_completion"]
    assert codes(job(sign_off=sign_off(stored=False))) == ["rating_without_signature"]
    assert codes(job(), verifies=False) == ["sign_off_mismatch"]
    # 4 hours from the end of the service (the sign-off at 5 h) [seed 000 §三(三)1]
    assert codes(job(last_record_at=T0 + timedelta(hours=9, minutes=5))) == ["late_record"]
    assert codes(job(last_record_at=T0 + timedelta(hours=8, minutes=55))) == []
    assert codes(job(time_flags=[("visit_events", "ev-9", "before_work_order", T0 - timedelta(days=20000))])) == [
        "implausible_time"
    ]
    assert codes(job(parts=[PartFacts("pf-2", "PCB-220", None, None, True, T0)])) == ["part_without_serial"]


def test_a_part_that_carries_no_serial_is_not_flagged():
    assert codes(job(parts=[PartFacts("pf-3", "SCREW-4", None, None, False, T0)])) == []


def test_a_job_still_on_site_is_not_flagged_as_unsigned():
    assert codes(job(status="on_site", completed_at=None, sign_off=None, visit_ended_at=None)) == []


# --- follow-up plans --------------------------------------------------------------------------


def kinds(calls):
    return [(c.kind, c.reason) for c in calls]


def test_a_fixed_and_well_rated_job_gets_a_satisfaction_call_in_one_to_three_days():
    calls = followups.plan_calls(job(), 3, NOW)
    assert kinds(calls) == [("satisfaction", "completed")]
    assert calls[0].due_at == T0 + timedelta(hours=5, days=1)
    assert calls[0].latest_at == T0 + timedelta(hours=5, days=3)


def test_a_visit_not_fully_fixed_gets_a_call_back_three_hours_later():
    j = job(outcome="awaiting_parts", status="awaiting_parts", completed_at=None)
    assert kinds(followups.plan_calls(j, 3, NOW)) == []  # planned by the technician's call-back instead
    (anchor,) = followups.call_back_anchors(j)
    call = followups.call_back_call(j.work_order_id, 0, anchor)
    assert (call.kind, call.due_at) == ("not_fixed", T0 + timedelta(hours=8))


def test_a_flag_from_the_technician_also_asks_for_a_call_back():
    j = job(flagged=[("ev-9", T0 + timedelta(hours=5))])
    assert followups.call_back_anchors(j) == [T0 + timedelta(hours=5)]


def test_one_visit_flag_and_outcome_are_covered_by_one_call_back():
    """Seed 003 §三(九)1: one call-back per visit, whichever of the flag and the outcome came first."""
    flag, end = T0 + timedelta(hours=4), T0 + timedelta(hours=5)
    first = followups.call_back_call("wo", 0, flag)
    assert followups.call_back_covered(end, [first.due_at])
    assert not followups.call_back_covered(end + timedelta(days=2), [first.due_at])  # the next visit


@pytest.mark.parametrize("quality, attitude, low", [(3, 5, True), (5, 3, True), (4, 4, False), (1, 1, True)])
def test_either_rating_at_or_below_the_threshold_opens_a_case(quality, attitude, low):
    j = job(sign_off=sign_off(quality, attitude))
    assert (followups.low_rating_case_key(j, 3) is not None) == low
    assert (("satisfaction", "completed") in kinds(followups.plan_calls(j, 3, NOW))) == (not low)


def test_recovery_calls_come_at_three_and_seven_days():
    calls = followups.recovery_calls("wo-1", "low_rating:so-1", T0, "low_rating")
    assert [c.due_at - T0 for c in calls] == [timedelta(days=3), timedelta(days=7)]
    assert len({c.plan_key for c in calls}) == 2


def test_call_outcomes():
    unreachable = followups.record_outcome("unreachable", 1, False, 0, NOW)
    assert unreachable.status == "open" and unreachable.due_at == NOW + timedelta(hours=2)
    assert followups.record_outcome("unreachable", 3, False, 0, NOW).status == "done"
    assert followups.record_outcome("dissatisfied", 1, False, 0, NOW).opens_case
    still = followups.record_outcome("dissatisfied", 1, True, 0, NOW)
    assert still.next_call_after == timedelta(days=7) and not still.closes_case
    assert followups.record_outcome("satisfied", 1, True, 1, NOW).closes_case is False
    assert followups.record_outcome("satisfied", 1, True, 0, NOW).closes_case is True
