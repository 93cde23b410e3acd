"""The daily reconciliation report: the jobs closed out on a local day and their flags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..domain.service_day import day_bounds
from ..extensions import db
from ..models import CustomerSignOff, ReconciliationReview, User, VisitEvent, WorkOrder, utcnow
from ..reports.facts import JobFacts
from ..reports.reconciliation import Flag, reconcile
from . import job_facts as facts
from .job_facts import END_EVENTS
from .sign_off import verify_sign_off


@dataclass
class DayReport:
    day: date
    jobs: list[JobFacts]
    flags: list[Flag]
    reviews: dict[tuple[str, str], ReconciliationReview]


def jobs_closed_out(first: date, last: date | None = None) -> list[str]:
    """Work orders completed, ended on site or signed off during the local days first..last."""
    lo, hi = day_bounds(first, last)
    # the trusted (corrected) device time, as the reports count it
    ended_at = sa.func.coalesce(VisitEvent.corrected_at, VisitEvent.device_at, VisitEvent.created_at)
    queries = [
        sa.select(WorkOrder.id).where(WorkOrder.completed_at >= lo, WorkOrder.completed_at < hi),
        sa.select(VisitEvent.work_order_id).where(VisitEvent.kind.in_(END_EVENTS), ended_at >= lo, ended_at < hi),
        sa.select(CustomerSignOff.work_order_id).where(
            CustomerSignOff.created_at >= lo, CustomerSignOff.created_at < hi
        ),
    ]
    return sorted(set(db.session.scalars(sa.union(*queries))))


def flag_jobs(jobs: list[JobFacts]) -> list[Flag]:
    """Reconciliation flags of these jobs, each sign-off's hash checked against the records now."""
    verifies = {
        job.sign_off.id: verify_sign_off(db.session, db.session.get(CustomerSignOff, job.sign_off.id))
        for job in jobs
        if job.sign_off
    }
    return reconcile(jobs, verifies)


def day_report(day: date) -> DayReport:
    """Reconcile the jobs closed out on `day`."""
    jobs = facts.load(jobs_closed_out(day))
    flags = flag_jobs(jobs)
    ids = [job.work_order_id for job in jobs]
    reviews = {}
    if ids:
        for review in db.session.scalars(
            sa.select(ReconciliationReview).where(ReconciliationReview.work_order_id.in_(ids))
        ):
            reviews[(review.work_order_id, review.flag)] = review
    return DayReport(day, jobs, flags, reviews)


def mark_reviewed(work_order_id: str, flag: str, note: str, user: User) -> ReconciliationReview:
    """Note that a flag was looked into (once per work order and flag; a second note replaces it)."""
    review = db.session.scalar(
        sa.select(ReconciliationReview).where(
            ReconciliationReview.work_order_id == work_order_id, ReconciliationReview.flag == flag
        )
    )
    if review is None:
        review = ReconciliationReview(work_order_id=work_order_id, flag=flag, note=note)
        db.session.add(review)
    review.note, review.reviewed_by_id, review.reviewed_at = note, user.id, utcnow()
    return review
