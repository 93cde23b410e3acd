"""The live board: every open work order with the SLA clock that matters now, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.sla import effective_priority, tier_rank
from ..extensions import db
from ..models import WorkOrder
from .intake import CLOSED_STATUSES

STATE_ORDER = {"breached": 0, "near": 1, "ok": 2}

# A clock is "near" its breach in its last quarter, and always in its last 30 minutes.
NEAR_FRACTION = 0.25
NEAR_FLOOR = timedelta(minutes=30)


@dataclass(frozen=True)
class SlaClock:
    """The running deadline of a work order: response until first response, then resolution."""

    kind: str  # response | resolution
    due: datetime
    left: timedelta
    window: timedelta
    state: str  # ok | near | breached

    @property
    def left_seconds(self) -> int:
        return int(self.left.total_seconds())


def sla_clock(
    created_at: datetime,
    response_due: datetime,
    resolution_due: datetime,
    first_response_at: datetime | None,
    now: datetime,
) -> SlaClock:
    """The clock to watch: a missed response stays visible as breached until someone responds."""
    if first_response_at is None and response_due <= resolution_due:
        kind, due = "response", response_due
    else:
        kind, due = "resolution", resolution_due
    left, window = due - now, max(due - created_at, timedelta(seconds=1))
    if left <= timedelta(0):
        state = "breached"
    elif left <= max(NEAR_FLOOR, window * NEAR_FRACTION):
        state = "near"
    else:
        state = "ok"
    return SlaClock(kind, due, left, window, state)


@dataclass(frozen=True)
class BoardRow:
    work_order: WorkOrder
    effective_priority: str
    clock: SlaClock


def board_rows(now: datetime, technician_id: str | None = None) -> list[BoardRow]:
    """Open work orders, breached first, then near, then ok; VIP, key, normal within each; least time left."""
    stmt = (
        sa.select(WorkOrder)
        .options(joinedload(WorkOrder.customer), joinedload(WorkOrder.technician))
        .where(WorkOrder.status.not_in(CLOSED_STATUSES))
    )
    if technician_id:
        stmt = stmt.where(WorkOrder.technician_id == technician_id)
    rows = [
        BoardRow(
            wo,
            effective_priority(wo.priority, wo.customer.tier),
            sla_clock(wo.created_at, wo.response_due, wo.resolution_due, wo.first_response_at, now),
        )
        for wo in db.session.scalars(stmt).unique()
    ]
    # Breached, then near, then ok; within each, VIP first and key ahead of normal (seed 000 §四(一)1:
    # VIP "問題優先處理", key "較普通客戶提前處理"), then the least time left.
    rows.sort(
        key=lambda r: (
            STATE_ORDER[r.clock.state],
            tier_rank(r.work_order.customer.tier),
            r.clock.left,
            r.work_order.ticket_no,
        )
    )
    return rows


def board_counts(rows: list[BoardRow]) -> dict[str, int]:
    """How many clocks are ok, near and breached."""
    counts = {"ok": 0, "near": 0, "breached": 0}
    for row in rows:
        counts[row.clock.state] += 1
    return counts
