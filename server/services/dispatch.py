"""Dispatch: assign, reassign (改派) and reschedule (改约), each change told to the device.

Changes go through the ORM so the change log carries them to the technician's next pull;
the reason and the customer's consent are kept as a visit event written by the office user.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.errors import M_, Conflict, Invalid
from ..domain.lifecycle import Status
from ..domain.service_day import day_bounds
from ..domain.sla import Booking, SlaWarning, appointment_warnings, area_warning
from ..extensions import db
from ..models import Role, User, VisitEvent, WorkOrder, utcnow
from . import notifications, push, sla_settings
from . import work_orders as service
from .intake import CLOSED_STATUSES

# Once the technician is at the door, the job cannot change hands from the office.
NOT_REASSIGNABLE = (Status.ON_SITE.value, *CLOSED_STATUSES)
NOT_RESCHEDULABLE = CLOSED_STATUSES


def _event(wo: WorkOrder, kind: str, actor: User, data: dict, note: str | None = None) -> VisitEvent:
    now = utcnow()
    event = VisitEvent(
        work_order_id=wo.id, kind=kind, created_by_id=actor.id, device_at=now, corrected_at=now, note=note, data=data
    )
    db.session.add(event)
    return event


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def assign(
    wo: WorkOrder, technician_id: str, actor: User, reason: str | None, customer_consent: bool | None
) -> WorkOrder:
    """Give the job to a technician; a change of technician (改派) needs a reason and is recorded."""
    previous = wo.technician_id
    if previous == technician_id:
        raise Conflict(
            "assign.same_technician",
            M_("The work order is already assigned to this technician."),
            fields={"technician_id": [M_("Already assigned to this technician.")]},
        )
    if wo.status in NOT_REASSIGNABLE:
        raise Conflict(
            "assign.not_now",
            M_("Work order is %(status)s; it cannot change hands now."),
            {"status": wo.status},
            {"technician_id": [M_("Not while the work order is %(status)s.")]},
        )
    if previous and not (reason or "").strip():
        raise Invalid(
            "assign.reason_required",
            M_("Give the reason for the reassignment."),
            fields={"reason": [M_("Required when reassigning.")]},
        )
    service.assign(wo, technician_id, actor)
    if previous and wo.status == Status.EN_ROUTE.value:
        service.change_status(wo, Status.ASSIGNED.value, actor)  # the new technician has not set off
    if previous:
        _event(
            wo,
            "reassigned",
            actor,
            {
                "reason": reason.strip(),
                "customer_consent": bool(customer_consent),
                "from_technician_id": previous,
                "to_technician_id": technician_id,
            },
            note=reason.strip(),
        )
    return wo


def reschedule(
    wo: WorkOrder,
    start: datetime,
    end: datetime | None,
    actor: User,
    reason: str,
    customer_consent: bool,
) -> WorkOrder:
    """Agree a new appointment (改约); only with the customer's consent [003 step 1]."""
    if wo.status in NOT_RESCHEDULABLE:
        raise Conflict(
            "reschedule.not_now",
            M_("Work order is %(status)s; it cannot be rescheduled."),
            {"status": wo.status},
            {"appointment_start": [M_("Not while the work order is %(status)s.")]},
        )
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [M_("Required.")]
    if not customer_consent:
        errors["customer_consent"] = [M_("A new time needs the customer's agreement; if they refuse, reassign.")]
    if end is not None and end <= start:
        errors["appointment_end"] = [M_("Must be after appointment_start.")]
    if errors:
        raise Invalid("reschedule.incomplete", M_("The reschedule is incomplete."), fields=errors)
    old_start, old_end = wo.appointment_start, wo.appointment_end
    wo.appointment_start, wo.appointment_end = start, end
    if wo.technician_id and wo.status != Status.SCHEDULED.value:
        service.change_status(wo, Status.SCHEDULED.value, actor)
    _event(
        wo,
        "rescheduled",
        actor,
        {
            "reason": reason.strip(),
            "customer_consent": True,
            "old_start": _iso(old_start),
            "old_end": _iso(old_end),
            "new_start": _iso(start),
            "new_end": _iso(end),
        },
        note=reason.strip(),
    )
    notifications.work_order_changed(db.session, wo)  # the customer hears the new time
    push.job_rescheduled(db.session, wo)  # and the technician's phone (issue #16)
    return wo


def bookings_of(technician_id: str, start: datetime, exclude_id: str | None = None) -> list[Booking]:
    """The technician's other open appointments around `start` (a day either side)."""
    rows = db.session.execute(
        sa.select(WorkOrder.ticket_no, WorkOrder.appointment_start, WorkOrder.appointment_end).where(
            WorkOrder.technician_id == technician_id,
            WorkOrder.id != (exclude_id or ""),
            WorkOrder.status.not_in(CLOSED_STATUSES),
            WorkOrder.appointment_start.is_not(None),
            WorkOrder.appointment_start > start - timedelta(days=1),
            WorkOrder.appointment_start < start + timedelta(days=1),
        )
    ).all()
    return [Booking(*row) for row in rows]


def warnings_for(wo: WorkOrder) -> list[SlaWarning]:
    """Area, overlap and working-hours warnings for an open order and its technician (issue #14):
    shown on assign and reschedule, and on the work-order page while they hold."""
    if wo.status in CLOSED_STATUSES:
        return []
    tech = wo.technician
    found = area_warning(tech.name, tech.service_area, wo.service_address or wo.customer.address) if tech else []
    if wo.appointment_start is None:
        return found
    bookings = bookings_of(tech.id, wo.appointment_start, wo.id) if tech else []
    return found + appointment_warnings(
        wo.appointment_start,
        wo.appointment_end,
        tech.name if tech else None,
        bookings,
        sla_settings.work_calendar(),
    )


def log_customer_contact(wo: WorkOrder, actor: User, note: str | None = None) -> VisitEvent:
    """The office reached the customer about this request (a call logged in the office).

    The first contact, by the office or the technician, is the first response [seed 000 §二(二)1].
    """
    if wo.status in CLOSED_STATUSES:
        raise Conflict(
            "contact.not_now",
            M_("Work order is %(status)s; a first contact can no longer be logged."),
            {"status": wo.status},
        )
    event = _event(wo, "customer_contacted", actor, {}, note=(note or "").strip() or None)
    service.note_contact(wo, event.corrected_at)
    return event


def technicians() -> list[User]:
    """Active technicians, by name."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.TECHNICIAN.value, User.active.is_(True)).order_by(User.name)
        )
    )


def technician_day(technician_id: str, day: date) -> tuple[list[WorkOrder], list[WorkOrder]]:
    """(appointments that local day by time, open jobs with no appointment yet) of one technician."""
    lo, hi = day_bounds(day)
    base = (
        sa.select(WorkOrder)
        .options(joinedload(WorkOrder.customer))
        .where(WorkOrder.technician_id == technician_id, WorkOrder.status != Status.CANCELLED.value)
    )
    booked = (
        db.session.scalars(
            base.where(WorkOrder.appointment_start >= lo, WorkOrder.appointment_start < hi).order_by(
                WorkOrder.appointment_start
            )
        )
        .unique()
        .all()
    )
    unbooked = (
        db.session.scalars(
            base.where(WorkOrder.appointment_start.is_(None), WorkOrder.status.not_in(CLOSED_STATUSES)).order_by(
                WorkOrder.response_due
            )
        )
        .unique()
        .all()
    )
    return list(booked), list(unbooked)


def dispatch_events(wo: WorkOrder) -> list[VisitEvent]:
    """Reassignments, reschedules and a customer's refusal to sign (for review), newest first."""
    return list(
        db.session.scalars(
            sa.select(VisitEvent)
            .where(
                VisitEvent.work_order_id == wo.id,
                VisitEvent.kind.in_(
                    (
                        "reassigned",
                        "rescheduled",
                        "reschedule_requested",
                        "reassignment_requested",
                        "sign_off_declined",
                    )
                ),
            )
            .order_by(VisitEvent.created_at.desc())
        )
    )


# Waiting for the technician: an appointment in these states whose window has passed was missed.
BEFORE_ARRIVAL = (Status.ASSIGNED.value, Status.SCHEDULED.value, Status.EN_ROUTE.value)


def missed_appointments(orders: list[WorkOrder], now: datetime) -> set[str]:
    """Ids of the orders whose appointment window has ended with no arrival recorded (issue #14)."""
    due = {
        wo.id
        for wo in orders
        if wo.status in BEFORE_ARRIVAL
        and wo.appointment_start is not None
        and (wo.appointment_end or wo.appointment_start) < now
    }
    if not due:
        return set()
    arrived = db.session.scalars(
        sa.select(VisitEvent.work_order_id).where(
            VisitEvent.work_order_id.in_(due), VisitEvent.kind == "arrived", VisitEvent.deleted.is_(False)
        )
    )
    return due - set(arrived)
