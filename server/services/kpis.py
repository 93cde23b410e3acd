"""KPI inputs from the database: the jobs taken in over local days, and the monthly summary."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..domain import recovery as recovery_rules
from ..domain.service_day import day_bounds, format_local
from ..extensions import db
from ..i18n import label
from ..models import FollowUp, WorkOrder
from ..reports import visit_kpis
from ..reports.facts import JobFacts
from ..reports.followups import CHECK_BACK
from ..reports.kpis import CheckBack, KpiReport, count_by, kpi_report
from . import job_facts as facts
from . import reconciliation, recovery, sla_settings


def jobs_taken_in(first: date, last: date) -> list[JobFacts]:
    """Facts of the work orders taken in during local days first..last."""
    lo, hi = day_bounds(first, last)
    return facts.load(where=sa.and_(WorkOrder.created_at >= lo, WorkOrder.created_at < hi))


def on_time_grace() -> timedelta:
    """The one on-time rule, shared with the phone (server/config.py ON_TIME_GRACE_MINUTES)."""
    return timedelta(minutes=current_app.config["ON_TIME_GRACE_MINUTES"])


def check_backs(jobs: list[JobFacts]) -> list[CheckBack]:
    """The check-back calls after phone resolutions of these jobs [seed 003 §三(一)3]."""
    ids = [j.work_order_id for j in jobs]
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(FollowUp.work_order_id, FollowUp.due_at, FollowUp.latest_at, FollowUp.done_at).where(
            FollowUp.kind == CHECK_BACK, FollowUp.work_order_id.in_(ids)
        )
    )
    # latest_at keeps the 2-hour deadline; due_at moves on when the customer was unreachable.
    return [CheckBack(wo_id, latest or due, done) for wo_id, due, latest, done in rows]


def report(first: date, last: date, now: datetime) -> KpiReport:
    """KPIs of the jobs taken in during first..last."""
    jobs = jobs_taken_in(first, last)
    return with_recovery(kpi_report(jobs, now, on_time_grace(), check_backs(jobs)), first, last, now)


def recovery_kpis(first: date, last: date, now: datetime) -> recovery_rules.RecoveryKpis:
    """Recovery KPIs of the cases opened during local days first..last [seed 002 表2]."""
    lo, hi = day_bounds(first, last)
    return recovery_rules.recovery_kpis(recovery.facts_opened_in(lo, hi), now)


def with_recovery(report: KpiReport, first: date, last: date, now: datetime) -> KpiReport:
    """The overall row with the recovery KPIs filled in (they are not per technician)."""
    k = recovery_kpis(first, last, now)
    row = report.overall
    row.recovery_cases = k.cases
    row.recovery_first_contact_hours_mean = k.first_contact_hours_mean
    row.recovery_contacted_in_time_rate = k.contacted_in_time_rate
    row.recovery_contacted_judged = k.contacted_judged
    row.recovery_rerating_mean = k.rerating_mean
    row.recovery_rerating_target = k.rerating_target
    row.recovery_rerating_met_rate = k.rerating_met_rate
    row.recovery_rerated = k.rerated
    return report


def month_range(month: str) -> tuple[date, date]:
    """'2026-11' -> (first day, last day); ValueError when it is not a month."""
    year, mon = (int(part) for part in month.split("-"))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def monthly_summary(month: str, now: datetime) -> dict:
    """One month: KPIs, requests by channel and type, call-back results and reconciliation flags."""
    first, last = month_range(month)
    jobs = jobs_taken_in(first, last)
    lo, hi = day_bounds(first, last)
    calls = db.session.execute(
        sa.select(FollowUp.kind, FollowUp.outcome, sa.func.count())
        .where(FollowUp.done_at >= lo, FollowUp.done_at < hi)
        .group_by(FollowUp.kind, FollowUp.outcome)
    ).all()
    flags: Counter = Counter()
    closed_out = reconciliation.jobs_closed_out(first, last)
    if closed_out:
        flags.update(f.code for f in reconciliation.flag_jobs(facts.load(closed_out)))
    return {
        "month": month,
        "from": first,
        "to": last,
        "kpis": kpi_report(jobs, now, on_time_grace(), check_backs(jobs)),
        "by_channel": count_by(jobs, "channel"),
        "by_type": count_by(jobs, "type"),
        "follow_ups": [{"kind": kind, "outcome": outcome, "count": n} for kind, outcome, n in calls],
        "reconciliation_flags": dict(sorted(flags.items())),
    }


# ---- handling time, utilisation, reconciliation error rate, per-visit rows (issue #14) ----


def _visit_inputs(first: date, last: date) -> tuple[list[JobFacts], list, datetime, datetime]:
    jobs = jobs_taken_in(first, last)
    judged = [j for j in jobs if visit_kpis.is_judged(j)]
    lo, hi = day_bounds(first, last)
    return jobs, reconciliation.flag_jobs(judged) if judged else [], lo, hi


def visit_report(first: date, last: date) -> visit_kpis.VisitKpiReport:
    """Handling time, utilisation (against the working calendar) and the reconciliation error rate
    of the jobs taken in during first..last (reports/visit_kpis.py defines each)."""
    jobs, flags, lo, hi = _visit_inputs(first, last)
    working = sla_settings.work_calendar().working_between(lo, hi)
    return visit_kpis.visit_kpi_report(jobs, flags, working, lo, hi)


def visits_csv(first: date, last: date) -> str:
    """One row per job taken in during first..last: its times (service-area), flags and rating."""
    jobs, flags, _, _ = _visit_inputs(first, last)
    rows = visit_kpis.visit_rows(jobs, flags, format_local)
    for row in rows:
        row["status"] = label("status", row["status"])
        row["outcome"] = label("outcome", row["outcome"]) if row["outcome"] else ""
        row["flags"] = "; ".join(label("recon_flag", code) for code in row["flags"].split())
    return visit_kpis.visits_csv(rows)
