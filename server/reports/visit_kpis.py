"""Handling time, utilisation and the reconciliation error rate, and one audit row per visit
[seed 000 §三(三)2: 设定服务时效、客户满意度等考核指标 — service timeliness and satisfaction are
what technicians are assessed on; §三(三)1: every service is recorded]. Pure: the service layer
(services/kpis.py) hands in the jobs, their reconciliation flags and the working time.

Definitions (times are the facts' trusted times, server/services/job_facts.py):
- handling time: from the first response to the customer (seed 000 §二(二)1, `first_response_at`),
  or the first arrival when nobody called first, to the completion of the work order;
- time on site: from the last arrival to the end of the service (the customer's signature, else
  the technician's end-of-visit event; reconciliation.service_ended_at);
- utilisation: a technician's time on site in the range over the working time of the range
  (the working calendar the SLA clocks count in, services/sla_settings.py);
- reconciliation error rate: the share of the visits ended (or jobs completed) with at least one
  reconciliation flag (reports/reconciliation.py).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from .facts import JobFacts
from .kpis import first_response_at
from .reconciliation import Flag, service_ended_at


def handling_hours(job: JobFacts) -> float | None:
    """Hours from the first response (else the first arrival) to completion; None until completed."""
    start = first_response_at(job) or (job.arrivals[0] if job.arrivals else None)
    if not job.is_completed or job.completed_at is None or start is None:
        return None
    return round(max(0.0, (job.completed_at - start).total_seconds() / 3600), 2)


def time_on_site(job: JobFacts, lo: datetime | None = None, hi: datetime | None = None) -> timedelta | None:
    """From the last arrival to the end of the service, cut to [lo, hi) when given; None without both."""
    ended = service_ended_at(job)
    if not job.arrivals or ended is None or ended <= job.arrivals[-1]:
        return None
    start, end = job.arrivals[-1], ended
    if lo is not None:
        start = max(start, lo)
    if hi is not None:
        end = min(end, hi)
    return max(timedelta(0), end - start)


def is_judged(job: JobFacts) -> bool:
    """A job the reconciliation can judge: its visit ended or it was completed."""
    return job.is_completed or job.visit_ended_at is not None


@dataclass
class VisitKpiRow:
    technician_id: str | None
    technician_name: str | None
    handling_hours_median: float | None
    handling_hours_mean: float | None
    handling_judged: int
    on_site_hours: float
    working_hours: float | None  # None overall (the sum over technicians is not one working time)
    utilisation: float | None
    reconciliation_error_rate: float | None
    reconciliation_judged: int


def visit_kpi_row(
    jobs: list[JobFacts],
    flagged: set[str],
    working: timedelta | None,
    lo: datetime | None = None,
    hi: datetime | None = None,
    technician_id: str | None = None,
    technician_name: str | None = None,
) -> VisitKpiRow:
    """The new figures of one group of jobs; `flagged`: ids of the work orders with any flag."""
    jobs = [j for j in jobs if j.status != "cancelled"]
    hours = [h for h in (handling_hours(j) for j in jobs) if h is not None]
    on_site = sum((t for t in (time_on_site(j, lo, hi) for j in jobs) if t), timedelta(0))
    judged = [j for j in jobs if is_judged(j)]
    errors = sum(j.work_order_id in flagged for j in judged)
    return VisitKpiRow(
        technician_id=technician_id,
        technician_name=technician_name,
        handling_hours_median=round(statistics.median(hours), 2) if hours else None,
        handling_hours_mean=round(statistics.fmean(hours), 2) if hours else None,
        handling_judged=len(hours),
        on_site_hours=round(on_site.total_seconds() / 3600, 2),
        working_hours=round(working.total_seconds() / 3600, 2) if working is not None else None,
        utilisation=round(on_site / working, 4) if working else None,
        reconciliation_error_rate=round(errors / len(judged), 4) if judged else None,
        reconciliation_judged=len(judged),
    )


@dataclass
class VisitKpiReport:
    overall: VisitKpiRow
    technicians: list[VisitKpiRow]


def visit_kpi_report(
    jobs: list[JobFacts], flags: list[Flag], working: timedelta, lo: datetime | None = None, hi: datetime | None = None
) -> VisitKpiReport:
    """Per technician (each against the range's working time) and overall (error rate and handling time)."""
    flagged = {f.work_order_id for f in flags}
    groups: dict[str, list[JobFacts]] = defaultdict(list)
    names: dict[str, str] = {}
    for job in jobs:
        if job.technician_id:
            groups[job.technician_id].append(job)
            names[job.technician_id] = job.technician_name or job.technician_id
    rows = [visit_kpi_row(g, flagged, working, lo, hi, tid, names[tid]) for tid, g in groups.items()]
    rows.sort(key=lambda r: r.technician_name or "")
    return VisitKpiReport(visit_kpi_row(jobs, flagged, None, lo, hi), rows)


VISIT_CSV_FIELDS = (
    "ticket_no",
    "technician",
    "status",
    "outcome",
    "taken_in",
    "first_response",
    "arrived",
    "service_ended",
    "completed",
    "visits",
    "handling_hours",
    "on_site_minutes",
    "rating_quality",
    "rating_attitude",
    "flags",
)


def visit_rows(jobs: list[JobFacts], flags: list[Flag], fmt) -> list[dict]:
    """One row per visited job (times in service-area text by `fmt`), flags by their codes."""
    codes: dict[str, list[str]] = defaultdict(list)
    for f in flags:
        codes[f.work_order_id].append(f.code)
    rows = []
    for job in jobs:
        on_site = time_on_site(job)
        hours = handling_hours(job)
        rows.append(
            {
                "ticket_no": job.ticket_no,
                "technician": job.technician_name or "",
                "status": job.status,
                "outcome": job.outcome or "",
                "taken_in": fmt(job.created_at),
                "first_response": fmt(first_response_at(job)),
                "arrived": fmt(job.arrivals[-1] if job.arrivals else None),
                "service_ended": fmt(service_ended_at(job)),
                "completed": fmt(job.completed_at if job.is_completed else None),
                "visits": len(job.arrivals),
                "handling_hours": "" if hours is None else hours,
                "on_site_minutes": "" if on_site is None else round(on_site.total_seconds() / 60),
                "rating_quality": job.sign_off.rating_quality if job.sign_off else "",
                "rating_attitude": job.sign_off.rating_attitude if job.sign_off else "",
                "flags": " ".join(codes.get(job.work_order_id, [])),
            }
        )
    return rows


def visits_csv(rows: list[dict], header: dict[str, str] | None = None) -> str:
    """The rows as CSV; `header` words the column names (the codes when not given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([(header or {}).get(name, name) for name in VISIT_CSV_FIELDS])
    for row in rows:
        writer.writerow([row[name] for name in VISIT_CSV_FIELDS])
    return out.getvalue()
