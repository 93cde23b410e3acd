"""Gather JobFacts for the reports: a few bulk queries, no per-order round trips."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.device_time import CONTACT_EVENTS
from ..domain.upkeep import UPKEEP_EVENTS
from ..extensions import db
from ..models import (
    Blob,
    ChecklistAnswer,
    CustomerSignOff,
    Diagnosis,
    FeeQuote,
    Part,
    PartFitted,
    Photo,
    VisitEvent,
    WorkOrder,
)
from ..reports.facts import JobFacts, PartFacts, SignOffFacts

# The visit is over when the technician records one of these.
END_EVENTS = ("completed", "awaiting_parts", "returned_to_factory", "refused")
RECORD_MODELS = (ChecklistAnswer, VisitEvent, Diagnosis, PartFitted, FeeQuote, Photo, CustomerSignOff)
# Written by the office, not part of the technician's service record.
# (The office's warranty decision may come days later: it is no late record of the technician's.)
OFFICE_EVENTS = ("reassigned", "rescheduled", "customer_contacted", "warranty_overridden", *UPKEEP_EVENTS)


def _at(record) -> datetime:
    """When a record was made: its trusted time (the device's, corrected by the push's clock offset and
    clamped into [work order intake, server receipt], server/domain/device_time.py), else when the
    server got it. Rows from before the correction fall back to the raw device time, clamped the same way.
    """
    return _clamped(record.corrected_at or record.device_at, record.created_at)


def _clamped(when: datetime | None, received_at: datetime, not_before: datetime | None = None) -> datetime:
    if when is None:
        return received_at
    when = min(_aware(when), _aware(received_at))
    return max(when, not_before) if not_before is not None else when


# The SQL form of _at (without the intake bound, applied in Python by _add_last_record).
def _trusted_sql(model):
    trusted = sa.func.coalesce(model.corrected_at, model.device_at, model.created_at)
    return sa.case((trusted > model.created_at, model.created_at), else_=trusted)


def load(work_order_ids: list[str] | None = None, where=None) -> list[JobFacts]:
    """Facts for the given work orders (or those matching `where`), ordered by intake time."""
    stmt = sa.select(WorkOrder).options(joinedload(WorkOrder.customer), joinedload(WorkOrder.technician))
    if work_order_ids is not None:
        if not work_order_ids:
            return []
        stmt = stmt.where(WorkOrder.id.in_(work_order_ids))
    if where is not None:
        stmt = stmt.where(where)
    orders = db.session.scalars(stmt.order_by(WorkOrder.created_at)).unique().all()
    facts = {wo.id: _base(wo) for wo in orders}
    if not facts:
        return []
    # A long range would make a huge IN list: select the records by the same condition instead.
    ids = list(facts) if where is None or work_order_ids is not None else sa.select(WorkOrder.id).where(where)
    _add_events(facts, ids)
    _add_sign_offs(facts, ids)
    _add_parts(facts, ids)
    _add_last_record(facts, ids)
    return list(facts.values())


def _base(wo: WorkOrder) -> JobFacts:
    return JobFacts(
        work_order_id=wo.id,
        ticket_no=wo.ticket_no,
        status=wo.status,
        priority=wo.priority,
        channel=wo.channel,
        type=wo.type,
        technician_id=wo.technician_id,
        technician_name=wo.technician.name if wo.technician else None,
        customer_name=wo.customer.name,
        created_at=wo.created_at,
        response_due=wo.response_due,
        resolution_due=wo.resolution_due,
        first_response_at=wo.first_response_at,
        completed_at=wo.completed_at,
        appointment_start=wo.appointment_start,
        appointment_end=wo.appointment_end,
        outcome=wo.outcome,
    )


def _add_events(facts: dict[str, JobFacts], ids) -> None:
    events = db.session.scalars(
        sa.select(VisitEvent).where(
            VisitEvent.work_order_id.in_(ids),
            VisitEvent.deleted.is_(False),
            VisitEvent.kind.in_(("arrived", "follow_up_flagged", "sign_off_declined", *CONTACT_EVENTS, *END_EVENTS)),
        )
    )
    for event in events:
        job = facts[event.work_order_id]
        when = max(_at(event), job.created_at)  # never before intake: no duration comes out negative
        if event.kind == "arrived":
            job.arrivals.append(when)
        elif event.kind == "follow_up_flagged":
            job.flagged.append((event.id, when))
        elif event.kind == "sign_off_declined":
            job.sign_off_declined = str((event.data or {}).get("reason") or "")
        elif event.kind in CONTACT_EVENTS:
            if job.first_contact_at is None or when < job.first_contact_at:
                job.first_contact_at = when
        elif job.visit_ended_at is None or when > job.visit_ended_at:
            job.visit_ended_at, job.visit_ended_event_id = when, event.id
    for job in facts.values():
        job.arrivals.sort()
        job.flagged.sort(key=lambda pair: pair[1])


def _add_sign_offs(facts: dict[str, JobFacts], ids) -> None:
    rows = db.session.execute(
        sa.select(CustomerSignOff, Blob.sha256)
        .outerjoin(Blob, Blob.sha256 == CustomerSignOff.signature_sha256)
        .where(CustomerSignOff.work_order_id.in_(ids), CustomerSignOff.deleted.is_(False))
    )
    for sign_off, blob_sha in rows:
        facts[sign_off.work_order_id].sign_off = SignOffFacts(
            id=sign_off.id,
            rating_quality=sign_off.rating_quality,
            rating_attitude=sign_off.rating_attitude,
            signer_name=sign_off.signer_name,
            signature_sha256=sign_off.signature_sha256,
            signature_stored=bool(sign_off.signature_sha256) and blob_sha is not None,
            summary_sha256=sign_off.summary_sha256,
            signed_at=max(_at(sign_off), facts[sign_off.work_order_id].created_at),
            received_at=sign_off.created_at,
        )


def _add_parts(facts: dict[str, JobFacts], ids) -> None:
    rows = db.session.execute(
        sa.select(PartFitted, Part.serialised)
        .outerjoin(Part, Part.part_number == PartFitted.part_number)
        .where(PartFitted.work_order_id.in_(ids), PartFitted.deleted.is_(False))
        .order_by(PartFitted.created_at)
    )
    for part, serialised in rows:
        facts[part.work_order_id].parts.append(
            PartFacts(
                id=part.id,
                part_number=part.part_number,
                serial_fitted=part.serial_fitted,
                serial_removed=part.serial_removed,
                serialised=serialised is not False,
                at=max(_at(part), facts[part.work_order_id].created_at),
            )
        )


def _add_last_record(facts: dict[str, JobFacts], ids) -> None:
    latest: dict[str, datetime] = defaultdict(lambda: None)
    for model in RECORD_MODELS:
        stmt = (
            sa.select(model.work_order_id, sa.func.max(_trusted_sql(model)))
            .where(model.work_order_id.in_(ids), model.deleted.is_(False))
            .group_by(model.work_order_id)
        )
        if model is VisitEvent:
            stmt = stmt.where(VisitEvent.kind.not_in(OFFICE_EVENTS))
        rows = db.session.execute(stmt)
        for wo_id, when in rows:
            when = _aware(when)
            if when is not None and (latest[wo_id] is None or when > latest[wo_id]):
                latest[wo_id] = when
        flagged = db.session.execute(
            sa.select(model.id, model.work_order_id, model.time_flag, model.device_at).where(
                model.work_order_id.in_(ids), model.deleted.is_(False), model.time_flag.is_not(None)
            )
        )
        for record_id, wo_id, flag, device_at in flagged:
            facts[wo_id].time_flags.append((model.__tablename__, record_id, flag, _aware(device_at)))
    for wo_id, when in latest.items():
        facts[wo_id].last_record_at = max(when, facts[wo_id].created_at)


def _aware(value):
    """Aggregates may bypass the column type: SQLite can hand back text or naive datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
