"""The work-order list (issue #14): every order, filtered and paged, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.lifecycle import Status
from ..domain.service_day import day_bounds
from ..domain.sla import LEVELS, TIERS, effective_priority
from ..extensions import db
from ..models import Customer, WorkOrder
from .intake import CLOSED_STATUSES

PAGE_SIZE = 50
UNASSIGNED = "none"  # the technician filter's value for orders nobody holds


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    priority: str | None = None  # effective priority (VIP raised), as the office sees it
    technician_id: str | None = None  # a technician's id, or UNASSIGNED
    taken_from: date | None = None  # intake day (local), inclusive
    taken_to: date | None = None
    overdue: bool = False


@dataclass
class Page:
    items: list[WorkOrder]
    total: int
    number: int
    pages: int


def _effective_is(priority: str):
    """SQL condition: the order's effective priority (its customer's tier applied) is `priority`."""
    by_tier = [
        sa.and_(
            Customer.tier == tier,
            WorkOrder.priority.in_([p for p in LEVELS if effective_priority(p, tier) == priority]),
        )
        for tier in TIERS
    ]
    return sa.or_(*by_tier, sa.and_(Customer.tier.not_in(TIERS), WorkOrder.priority == priority))


def overdue_condition(now: datetime):
    """Open and its SLA clock breached: no first response by the response deadline, or unresolved past
    the resolution deadline (the board's 'breached', services/sla_board.sla_clock)."""
    return sa.and_(
        WorkOrder.status.not_in(CLOSED_STATUSES),
        sa.or_(
            WorkOrder.resolution_due <= now,
            sa.and_(WorkOrder.first_response_at.is_(None), WorkOrder.response_due <= now),
        ),
    )


def list_orders(filters: Filters, now: datetime, page: int = 1, size: int | None = None) -> Page:
    """One page of the orders matching `filters`, newest intake first."""
    size = size or PAGE_SIZE
    conditions = []
    if filters.status in {s.value for s in Status}:
        conditions.append(WorkOrder.status == filters.status)
    if filters.priority in LEVELS:
        conditions.append(_effective_is(filters.priority))
    if filters.technician_id == UNASSIGNED:
        conditions.append(WorkOrder.technician_id.is_(None))
    elif filters.technician_id:
        conditions.append(WorkOrder.technician_id == filters.technician_id)
    if filters.taken_from:
        conditions.append(WorkOrder.created_at >= day_bounds(filters.taken_from)[0])
    if filters.taken_to:
        conditions.append(WorkOrder.created_at < day_bounds(filters.taken_to)[1])
    if filters.overdue:
        conditions.append(overdue_condition(now))
    base = sa.select(WorkOrder).join(Customer, WorkOrder.customer_id == Customer.id).where(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    items = db.session.scalars(
        base.options(joinedload(WorkOrder.customer), joinedload(WorkOrder.technician))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.ticket_no.desc())
        .offset((number - 1) * size)
        .limit(size)
    ).unique()
    return Page(list(items), total, number, pages)


def overdue_among(orders: list[WorkOrder], now: datetime) -> set[str]:
    """The ids of those of `orders` that are overdue now (one query)."""
    if not orders:
        return set()
    ids = [wo.id for wo in orders]
    return set(db.session.scalars(sa.select(WorkOrder.id).where(WorkOrder.id.in_(ids), overdue_condition(now))))
