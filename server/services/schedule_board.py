"""The schedule board (issue #16): technicians' days and weeks on a time grid, the requests nobody
has yet, and a move (assign and/or reschedule) by drag and drop or the keyboard.

A move is not a new write path: it calls dispatch.assign and dispatch.reschedule, the ones the
work-order page's forms call, so the reason, the customer's consent [seed 003 §三(一)1 改约 needs
the customer's agreement], the visit events and the change log for the technician's pull are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.errors import M_, Invalid
from ..domain.service_day import day_bounds
from ..domain.sla import SlaWarning, appointment_warnings, area_warning
from ..extensions import db
from ..models import SyncState, User, WorkOrder
from . import dispatch, sla_settings
from .intake import CLOSED_STATUSES

# A job with no end shows (and is checked for overlap) as this long on the grid.
DEFAULT_LENGTH = timedelta(hours=1)


@dataclass
class Period:
    """One day of the board with its working hours (None: closed, e.g. a weekend or holiday)."""

    day: date
    opens: datetime | None
    closes: datetime | None


def periods(first: date, days: int) -> list[Period]:
    """The days first..first+days-1 with the working-hours calendar's hours [seed 000 §二(一)2]."""
    calendar = sla_settings.work_calendar()
    out = []
    for n in range(days):
        day = first + timedelta(days=n)
        span = calendar.period_on(day)
        out.append(Period(day, *(span or (None, None))))
    return out


def booked(first: date, days: int) -> list[WorkOrder]:
    """Assigned jobs with an appointment in the days shown (cancelled ones left out), by time."""
    lo, hi = day_bounds(first, first + timedelta(days=days - 1))
    return list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.customer))
            .where(
                WorkOrder.technician_id.is_not(None),
                WorkOrder.appointment_start >= lo,
                WorkOrder.appointment_start < hi,
                WorkOrder.status != "cancelled",
            )
            .order_by(WorkOrder.appointment_start)
        ).unique()
    )


def waiting() -> list[WorkOrder]:
    """Open requests with no technician or no appointment yet: the board's side pane, most urgent due first."""
    return list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.customer))
            .where(
                WorkOrder.status.not_in(CLOSED_STATUSES),
                sa.or_(WorkOrder.technician_id.is_(None), WorkOrder.appointment_start.is_(None)),
            )
            .order_by(WorkOrder.response_due)
        ).unique()
    )


def cursor() -> int:
    """The change log's position: it moves on every change a device or dispatcher could see, so a
    board that polls it learns cheaply that it should fetch the grid again."""
    return int(db.session.scalar(sa.select(SyncState.last_seq).where(SyncState.id == 1)) or 0)


def _technician(technician_id: str | None) -> User | None:
    if technician_id is None:
        return None
    tech = db.session.get(User, technician_id)
    if tech is None or tech.role != "technician" or not tech.active:
        raise Invalid(
            "board.unknown_technician",
            M_("No such technician."),
            fields={"technician_id": [M_("No such technician.")]},
        )
    return tech


def preview(wo: WorkOrder, technician_id: str | None, start: datetime | None, end: datetime | None) -> list[SlaWarning]:
    """What the move would warn about, before it is made: another appointment then, outside working
    hours, an address outside the technician's area (the same checks as after assign/reschedule)."""
    tech = _technician(technician_id) if technician_id else wo.technician
    if tech is None:
        return []
    found = area_warning(tech.name, tech.service_area, wo.service_address or wo.customer.address)
    if start is None:
        return found
    return found + appointment_warnings(
        start,
        end,
        tech.name,
        dispatch.bookings_of(tech.id, start, wo.id),
        sla_settings.work_calendar(),
    )


def move(
    wo: WorkOrder,
    technician_id: str,
    start: datetime,
    end: datetime | None,
    actor: User,
    reason: str | None,
    customer_consent: bool | None,
) -> WorkOrder:
    """Put the job on `technician_id` at `start` (caller commits): dispatch.assign when the technician
    changes, dispatch.reschedule when the time does; both rules and records are theirs."""
    _technician(technician_id)
    if end is None:
        length = (wo.appointment_end - wo.appointment_start) if wo.appointment_start and wo.appointment_end else None
        end = start + (length if length and length > timedelta(0) else DEFAULT_LENGTH)
    if wo.technician_id != technician_id:
        dispatch.assign(wo, technician_id, actor, reason, customer_consent)
    if wo.appointment_start != start or wo.appointment_end != end:
        dispatch.reschedule(wo, start, end, actor, reason, bool(customer_consent))
    return wo
