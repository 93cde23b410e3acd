"""Follow-up visits asked for from the field (issue #15): the office's queue and booking them.

The technician records a `follow_up_requested` visit event on the phone, offline if need be:
why another visit is needed and the times the customer would like (one or more windows;
sync/event_data.py FollowUpRequested, checked in sync/apply.py). It syncs like every visit
record. A dispatcher books one of the windows here: a job still open gets the new appointment
through dispatch.reschedule (the one path for an appointment, 改约 with the customer's
consent, which their own preferred time is); a closed one gets a new work order for the same
customer and product (work_orders.create_work_order, the one intake path), given to the same
technician when they can still take work. Either way a `follow_up_booked` event on the
requesting job answers the request, so it leaves the queue and the phone sees the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.errors import M_, Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Role, User, VisitEvent, WorkOrder, utcnow
from . import dispatch
from . import work_orders as orders
from .intake import CLOSED_STATUSES

REQUESTED = "follow_up_requested"
BOOKED = "follow_up_booked"


@dataclass
class Window:
    start: datetime
    end: datetime


@dataclass
class Request:
    event: VisitEvent
    work_order: WorkOrder
    reason: str
    windows: list[Window]
    booked: VisitEvent | None


def _windows(event: VisitEvent) -> list[Window]:
    return [
        Window(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in (event.data or {}).get("windows", [])
    ]


def requests(include_booked: bool = False) -> list[Request]:
    """The live requests, oldest first; booked ones only when asked."""
    events = db.session.scalars(
        sa.select(VisitEvent)
        .where(VisitEvent.kind == REQUESTED, VisitEvent.deleted.is_(False))
        .order_by(VisitEvent.corrected_at)
    ).all()
    if not events:
        return []
    answers = {}
    for b in db.session.scalars(
        sa.select(VisitEvent).where(
            VisitEvent.kind == BOOKED,
            VisitEvent.deleted.is_(False),
            VisitEvent.work_order_id.in_({e.work_order_id for e in events}),
        )
    ):
        answers[(b.data or {}).get("request_id")] = b
    wos = {
        wo.id: wo
        for wo in db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.customer), joinedload(WorkOrder.technician))
            .where(WorkOrder.id.in_({e.work_order_id for e in events}))
        ).unique()
    }
    out = [
        Request(e, wos[e.work_order_id], (e.data or {}).get("reason", ""), _windows(e), answers.get(e.id))
        for e in events
    ]
    return [r for r in out if include_booked or r.booked is None]


def book(request_id: str, window: int, actor: User) -> WorkOrder:
    """Book window number `window` (0-based) of a request; the visit it became."""
    event = db.session.get(VisitEvent, request_id)
    if event is None or event.kind != REQUESTED or event.deleted:
        raise NotFound("follow_up.unknown", M_("No such follow-up request."))
    request = next((r for r in requests(include_booked=True) if r.event.id == request_id), None)
    if request.booked is not None:
        raise Conflict(
            "follow_up.already_booked",
            M_("This follow-up request is already booked."),
            fields={"window": [M_("Already booked.")]},
        )
    if not 0 <= window < len(request.windows):
        raise Invalid(
            "follow_up.unknown_window",
            M_("Choose one of the customer's preferred times."),
            fields={"window": [M_("Not one of the preferred times.")]},
        )
    chosen = request.windows[window]
    wo = request.work_order
    if wo.status not in CLOSED_STATUSES:
        target = dispatch.reschedule(wo, chosen.start, chosen.end, actor, request.reason, customer_consent=True)
    else:
        tech = wo.technician
        keeps = tech is not None and tech.active and tech.role == Role.TECHNICIAN.value
        target = orders.create_work_order(
            {
                "customer_id": wo.customer_id,
                "product_id": wo.product_id,
                "channel": wo.channel,
                "type": wo.type,
                "priority": wo.priority,
                "technician_id": wo.technician_id if keeps else None,
                "appointment_start": chosen.start,
                "appointment_end": chosen.end,
                "fault_description": request.reason,
                "customer_requirements": wo.customer_requirements,
            },
            actor,
        )
        db.session.flush()
    now = utcnow()
    db.session.add(
        VisitEvent(
            work_order_id=wo.id,
            kind=BOOKED,
            created_by_id=actor.id,
            device_at=now,
            corrected_at=now,
            note=target.ticket_no,
            data={
                "request_id": request_id,
                "booked_work_order_id": target.id,
                "start": chosen.start.isoformat(),
                "end": chosen.end.isoformat(),
            },
        )
    )
    db.session.flush()
    return target
