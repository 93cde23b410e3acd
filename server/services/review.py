"""Reviewing what the sync engine could not take as sent: merge conflicts and rejected entries.

Listing them, and settling them. Settling a conflict keeps the value in force, or puts the
losing value in force through the ORM and the lifecycle rules (so the change reaches
devices on their next pull), or just records the decision as written. Each is settled once: a second settle is a 409.
Used by the sync API's review endpoints, the office's REST endpoints and its pages alike.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..errors import ApiError
from ..extensions import db
from ..models import Conflict, MutationRecord, User, WorkOrder, utcnow
from . import work_orders as service

DATETIME_FIELDS = ("appointment_start", "appointment_end")


def _value(field: str, raw):
    if field in DATETIME_FIELDS and isinstance(raw, str):
        return datetime.fromisoformat(raw)
    return raw


def _same(field: str, current, kept) -> bool:
    return current == _value(field, kept)


def settle_conflict(conflict: Conflict, action: str | None, note: str | None, user: User) -> Conflict:
    """Keep the value in force ("keep"), put the other one in force ("apply_other"), or
    (no action) record the decision as written; either way the conflict is settled."""
    if conflict.resolved_at is not None:
        raise ApiError(409, "This conflict is already settled.")
    if action == "apply_other":
        if conflict.entity != "work_order":
            raise ApiError(422, "Only work-order fields can be changed from here.", {"action": ["Use 'keep'."]})
        wo = db.session.get(WorkOrder, conflict.entity_id)
        if wo is None:
            raise ApiError(404, "The work order of this conflict is gone.")
        current = getattr(wo, conflict.field)
        if not _same(conflict.field, current, conflict.winning_value.get("value")):
            raise ApiError(409, "The value changed again since the conflict; review the work order first.",
                           {"action": ["The value in force is no longer the one that won."]})
        other = _value(conflict.field, conflict.losing_value.get("value"))
        if conflict.field == "status":
            service.change_status(wo, other, user)
        elif conflict.field == "technician_id":
            service.assign(wo, other, user)
        else:
            setattr(wo, conflict.field, other)
    conflict.resolved_at, conflict.resolved_by_id = utcnow(), user.id
    text = note.strip() if note and note.strip() else ""
    conflict.resolution = (action + (f": {text}" if text else "")) if action else text
    return conflict


def settle_rejected(row: MutationRecord, note: str, user: User) -> MutationRecord:
    """Mark a rejected entry dealt with, saying how."""
    if row.settled_at is not None:
        raise ApiError(409, "This entry is already settled.")
    row.settled_at, row.settled_by_id, row.settlement = utcnow(), user.id, note.strip()
    return row


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
        payload = row.payload if isinstance(row.payload, dict) else {}  # stored rows of any shape
        fields = payload.get("fields") or {}
        if isinstance(fields, dict) and isinstance(fields.get("work_order_id"), str):
            ids.add(fields["work_order_id"])
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(WorkOrder.id, WorkOrder.ticket_no).where(WorkOrder.id.in_(ids))).all())
