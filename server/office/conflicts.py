"""The back office's review of what the sync engine could not take as sent: listing
merge conflicts and rejected entries. Settling them is the sync engine's
(server/sync/review.py), shared with the sync API's own review endpoints.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Conflict, MutationRecord, WorkOrder
from ..sync.review import settle_conflict, settle_rejected  # noqa: F401  (the office's callers use them from here)


def open_conflicts(include_settled: bool = False, limit: int = 200) -> list[Conflict]:
    """Conflicts, unsettled first and newest first."""
    stmt = sa.select(Conflict)
    if not include_settled:
        stmt = stmt.where(Conflict.resolved_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Conflict.resolved_at.is_not(None), Conflict.created_at.desc()).limit(limit)))


def open_rejected(include_settled: bool = False, limit: int = 200) -> list[MutationRecord]:
    """Rejected entries, unsettled first and newest first."""
    stmt = sa.select(MutationRecord).where(MutationRecord.status == "rejected")
    if not include_settled:
        stmt = stmt.where(MutationRecord.settled_at.is_(None))
    return list(db.session.scalars(stmt.order_by(MutationRecord.received_at.desc()).limit(limit)))


def tickets_for(conflicts: list[Conflict], rejected: list[MutationRecord]) -> dict[str, str]:
    """Ticket numbers of the work orders these rows are about, by work-order id."""
    ids = {c.entity_id for c in conflicts if c.entity == "work_order"}
    for row in rejected:
        if row.entity == "work_order" and row.entity_id:
            ids.add(row.entity_id)
        fields = (row.payload or {}).get("fields") or {}
        if isinstance(fields, dict) and isinstance(fields.get("work_order_id"), str):
            ids.add(fields["work_order_id"])
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(WorkOrder.id, WorkOrder.ticket_no).where(WorkOrder.id.in_(ids))).all())
