"""Phone resolution [seed 003 §三(一)3]: a request solved by the office's phone guidance, no visit.

The work order is ended by its one write path (services/work_orders.py resolve_by_phone) and
the check-back call due 2 hours later goes into the follow-up queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..domain.lifecycle import RESOLVED_REMOTELY
from ..extensions import db
from ..models import FollowUp, User, VisitEvent, WorkOrder
from ..reports.followups import CHECK_BACK, check_back_key
from . import followup_queue, work_orders


def resolve(wo: WorkOrder, advice: str | None, actor: User, now: datetime | None = None) -> VisitEvent:
    """End the request as resolved by phone, with the advice given, and plan its check-back (caller commits)."""
    event = work_orders.resolve_by_phone(wo, advice, actor, now)
    followup_queue.plan_check_back(event)
    return event


@dataclass(frozen=True)
class PhoneResolution:
    """What the work-order page shows: each resolution by phone with its advice and check-back."""

    event: VisitEvent
    check_back: FollowUp | None


def history(wo: WorkOrder) -> list[PhoneResolution]:
    """The phone resolutions of a work order, oldest first (a reopened one stays in the history)."""
    events = db.session.scalars(
        sa.select(VisitEvent)
        .where(VisitEvent.work_order_id == wo.id, VisitEvent.kind == RESOLVED_REMOTELY)
        .order_by(VisitEvent.created_at)
    ).all()
    calls = {
        call.plan_key: call
        for call in db.session.scalars(
            sa.select(FollowUp).where(FollowUp.work_order_id == wo.id, FollowUp.kind == CHECK_BACK)
        )
    }
    return [PhoneResolution(e, calls.get(check_back_key(e.id))) for e in events]
