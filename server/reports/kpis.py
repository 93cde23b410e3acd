"""Service KPIs over a set of jobs, per technician and overall [000, 001, 002].

The population is the jobs taken in during the range (cancelled ones left out); each
rate counts only the jobs it can judge, and says how many that was.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from .facts import JobFacts
from .followups import REMOTE_OUTCOME, check_back_on_time

# Arriving by the appointment time plus this grace is on time. One rule for the phone and the
# KPIs: the caller passes the configured grace (server/config.py ON_TIME_GRACE_MINUTES, seed 003
# §三(四)3: 0); this default is only for callers without an app.
ON_TIME_GRACE = timedelta(0)
SATISFIED_FROM = 4  # of 5


@dataclass
class KpiRow:
    technician_id: str | None
    technician_name: str | None
    jobs: int
    completed: int
    first_response_hours_median: float | None
    first_response_hours_mean: float | None
    on_time_rate: float | None
    on_time_judged: int
    first_time_fix_rate: float | None
    completion_rate: float | None
    csat_quality: float | None
    csat_attitude: float | None
    csat_satisfied_rate: float | None
    csat_count: int
    sla_response_rate: float | None
    sla_response_judged: int
    sla_resolution_rate: float | None
    sla_resolution_judged: int
    # Resolved by phone guidance, no visit [seed 003 §三(一)3]: how many, their share of the
    # requests, and the check-back calls made within their 2 hours.
    resolved_remotely: int = 0
    resolved_remotely_share: float | None = None
    check_back_on_time_rate: float | None = None
    check_back_judged: int = 0
    # Service recovery [seed 002 表2], overall row only (services/kpis.py fills it in): the cases opened
    # in the range, first contact in hours and within its 2/4/24 h deadline, the mean re-rating (of 5)
    # against the target (4 of 5 = "≥8分" of 10).
    recovery_cases: int = 0
    recovery_first_contact_hours_mean: float | None = None
    recovery_contacted_in_time_rate: float | None = None
    recovery_contacted_judged: int = 0
    recovery_rerating_mean: float | None = None
    recovery_rerating_target: int | None = None
    recovery_rerating_met_rate: float | None = None
    recovery_rerated: int = 0


@dataclass(frozen=True)
class CheckBack:
    """A check-back call after a phone resolution: its 2-hour deadline and when it was done."""

    work_order_id: str
    due_at: datetime
    done_at: datetime | None


CSV_FIELDS = list(KpiRow.__dataclass_fields__)


def first_response_at(job: JobFacts) -> datetime | None:
    """The first contact with the customer [seed 000 §二(二)1]: the office's logged call or the technician's
    confirmation call / appointment confirmation (as stored on the work order or as found in the events)."""
    times = [t for t in (job.first_response_at, job.first_contact_at) if t is not None]
    return min(times) if times else None


def arrived_on_time(job: JobFacts, grace: timedelta = ON_TIME_GRACE) -> bool | None:
    """The last arrival (corrected device time) against the appointment; None when it cannot be judged
    (no arrival, or resolved by phone: there was no visit to be on time for)."""
    if resolved_remotely(job) or not job.arrivals or job.appointment_start is None:
        return None
    return job.arrivals[-1] <= job.appointment_start + grace


def _hours_since_intake(job: JobFacts, when: datetime) -> float:
    # Never negative: the facts' times are clamped to intake already; this guards any other source.
    return max(0.0, (when - job.created_at).total_seconds() / 3600)


def resolved_remotely(job: JobFacts) -> bool:
    """Ended by phone guidance with no visit (a reopened one is a visit job again)."""
    return job.is_completed and job.outcome == REMOTE_OUTCOME


def fixed_first_time(job: JobFacts) -> bool | None:
    """A completed job fixed in one visit; None while not completed, or resolved by phone (no visit)."""
    if not job.is_completed or resolved_remotely(job):
        return None
    return job.outcome == "fixed" and len(job.arrivals) <= 1


def response_met(job: JobFacts, now: datetime) -> bool | None:
    """Responded by the response deadline; None while still inside it."""
    responded = first_response_at(job)
    if responded is not None:
        return responded <= job.response_due
    return False if now > job.response_due else None


def resolution_met(job: JobFacts, now: datetime) -> bool | None:
    """Completed by the resolution deadline; None while still inside it."""
    if job.completed_at is not None and job.is_completed:
        return job.completed_at <= job.resolution_due
    return False if now > job.resolution_due else None


def _rate(values: list[bool | None]) -> tuple[float | None, int]:
    judged = [v for v in values if v is not None]
    return (round(sum(judged) / len(judged), 4) if judged else None), len(judged)


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def kpi_row(
    jobs: list[JobFacts],
    now: datetime,
    technician_id=None,
    technician_name=None,
    grace: timedelta = ON_TIME_GRACE,
    check_backs: list[CheckBack] = (),
) -> KpiRow:
    """The KPIs of one group of jobs (`check_backs`: the check-back calls of any jobs; those of this group count)."""
    jobs = [j for j in jobs if j.status != "cancelled"]
    ids = {j.work_order_id for j in jobs}
    remote = sum(resolved_remotely(j) for j in jobs)
    check_back, check_back_n = _rate(
        [check_back_on_time(c.due_at, c.done_at, now) for c in check_backs if c.work_order_id in ids]
    )
    response_hours = [_hours_since_intake(j, first_response_at(j)) for j in jobs if first_response_at(j)]
    completed = [j for j in jobs if j.is_completed]
    ratings = [j.sign_off for j in jobs if j.sign_off is not None]
    on_time, on_time_n = _rate([arrived_on_time(j, grace) for j in jobs])
    ftf, _ = _rate([fixed_first_time(j) for j in jobs])
    response, response_n = _rate([response_met(j, now) for j in jobs])
    resolution, resolution_n = _rate([resolution_met(j, now) for j in jobs])
    satisfied, _ = _rate([min(r.rating_quality, r.rating_attitude) >= SATISFIED_FROM for r in ratings])
    return KpiRow(
        technician_id=technician_id,
        technician_name=technician_name,
        jobs=len(jobs),
        completed=len(completed),
        first_response_hours_median=round(statistics.median(response_hours), 2) if response_hours else None,
        first_response_hours_mean=_mean(response_hours),
        on_time_rate=on_time,
        on_time_judged=on_time_n,
        first_time_fix_rate=ftf,
        completion_rate=round(len(completed) / len(jobs), 4) if jobs else None,
        csat_quality=_mean([r.rating_quality for r in ratings]),
        csat_attitude=_mean([r.rating_attitude for r in ratings]),
        csat_satisfied_rate=satisfied,
        csat_count=len(ratings),
        sla_response_rate=response,
        sla_response_judged=response_n,
        sla_resolution_rate=resolution,
        sla_resolution_judged=resolution_n,
        resolved_remotely=remote,
        resolved_remotely_share=round(remote / len(jobs), 4) if jobs else None,
        check_back_on_time_rate=check_back,
        check_back_judged=check_back_n,
    )


@dataclass
class KpiReport:
    overall: KpiRow
    technicians: list[KpiRow]


def kpi_report(
    jobs: list[JobFacts], now: datetime, grace: timedelta = ON_TIME_GRACE, check_backs: list[CheckBack] = ()
) -> KpiReport:
    """Overall and per-technician KPIs (technicians by name; unassigned jobs, such as those resolved
    by phone, only in overall)."""
    groups: dict[str, list[JobFacts]] = defaultdict(list)
    names: dict[str, str] = {}
    for job in jobs:
        if job.technician_id:
            groups[job.technician_id].append(job)
            names[job.technician_id] = job.technician_name or job.technician_id
    per_tech = [kpi_row(group, now, tid, names[tid], grace, check_backs) for tid, group in groups.items()]
    per_tech.sort(key=lambda row: row.technician_name or "")
    return KpiReport(kpi_row(jobs, now, grace=grace, check_backs=check_backs), per_tech)


def kpi_csv(report: KpiReport) -> str:
    """The report as CSV: one row per technician, then the overall row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in [*report.technicians, report.overall]:
        data = asdict(row)
        if row is report.overall:
            data["technician_name"] = "ALL"
        writer.writerow({k: "" if v is None else v for k, v in data.items()})
    return out.getvalue()


def count_by(jobs: list[JobFacts], attribute: str) -> dict[str, int]:
    """How many jobs per value of an attribute (channel, type, priority...)."""
    counts: dict[str, int] = defaultdict(int)
    for job in jobs:
        counts[getattr(job, attribute)] += 1
    return dict(sorted(counts.items()))
