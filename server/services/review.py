"""Reviewing what the sync engine could not take as sent: merge conflicts and rejected entries.

Listing them, and settling them. Settling a conflict keeps the value in force, or puts the
losing value in force through the ORM and the lifecycle rules (so the change reaches
devices on their next pull), or just records the decision as written. Each is settled once:
a second settle is a Conflict. The one path for the sync API's review endpoints, the office's
REST endpoint and its conflicts page, with their input and output in server/wire/review.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ..auth.access import UUID
from ..domain import errors
from ..domain.errors import M_, Invalid, NotFound
from ..domain.service_day import format_local
from ..extensions import db
from ..models import Conflict, FeeQuote, MutationRecord, Payment, User, WorkOrder, utcnow
from . import work_orders as service

DATETIME_FIELDS = ("appointment_start", "appointment_end")
# How a settled conflict was settled, for the answer to a second settle (from a stale page).
SETTLED_AS = {
    "keep": M_("Already settled by %(name)s at %(time)s: the value in force was kept. %(note)s"),
    "apply_other": M_("Already settled by %(name)s at %(time)s: the other value was put in force. %(note)s"),
    "": M_("Already settled by %(name)s at %(time)s: %(note)s"),
}


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
        # A second settle comes from a stale page: say who settled it, when and how.
        by = db.session.get(User, conflict.resolved_by_id) if conflict.resolved_by_id else None
        action, _, text = (conflict.resolution or "").partition(": ")
        if action not in SETTLED_AS:
            action, text = "", conflict.resolution or ""
        raise errors.Conflict(
            "conflict.already_settled",
            SETTLED_AS[action],
            params={"name": by.name if by else "?", "time": format_local(conflict.resolved_at), "note": text},
        )
    if not action and not (note or "").strip():
        raise Invalid(
            "conflict.decision_required",
            M_("Say what was decided: choose an action or write a note."),
            fields={"note": [M_("Required without an action.")]},
        )
    if action == "apply_other":
        if conflict.entity != "work_order":
            raise Invalid(
                "conflict.not_a_work_order",
                M_("Only work-order fields can be changed from here."),
                fields={"action": [M_("Use 'keep'.")]},
            )
        wo = db.session.get(WorkOrder, conflict.entity_id)
        if wo is None:
            raise NotFound("conflict.work_order_gone", M_("The work order of this conflict is gone."))
        current = getattr(wo, conflict.field)
        if not _same(conflict.field, current, conflict.winning_value.get("value")):
            raise errors.Conflict(
                "conflict.value_changed",
                M_("The value changed again since the conflict; review the work order first."),
                fields={"action": [M_("The value in force is no longer the one that won.")]},
            )
        other = _value(conflict.field, conflict.losing_value.get("value"))
        if conflict.field == "status":
            service.change_status(wo, other, user)
        elif conflict.field == "technician_id":
            service.assign(wo, other, user)
        else:
            service.update(wo, {conflict.field: other}, user)  # the seal holds here too
    conflict.resolved_at, conflict.resolved_by_id = utcnow(), user.id
    text = note.strip() if note and note.strip() else ""
    conflict.resolution = (action + (f": {text}" if text else "")) if action else text
    return conflict


def settle_rejected(row: MutationRecord, note: str | None, user: User) -> MutationRecord:
    """Mark a rejected entry dealt with, saying how."""
    if row.settled_at is not None:
        by = db.session.get(User, row.settled_by_id) if row.settled_by_id else None
        raise errors.Conflict(
            "rejected.already_settled",
            SETTLED_AS[""],
            params={"name": by.name if by else "?", "time": format_local(row.settled_at), "note": row.settlement},
        )
    if not (note or "").strip():
        raise Invalid(
            "rejected.note_required", M_("Say how the entry was dealt with."), fields={"note": [M_("Required.")]}
        )
    row.settled_at, row.settled_by_id, row.settlement = utcnow(), user.id, note.strip()
    return row


def open_conflicts(include_settled: bool = False, limit: int = 200) -> list[Conflict]:
    """Conflicts, unsettled first, newest first (the sync API and the office page alike)."""
    stmt = sa.select(Conflict)
    if not include_settled:
        stmt = stmt.where(Conflict.resolved_at.is_(None))
    order = (Conflict.resolved_at.is_not(None), Conflict.created_at.desc(), Conflict.id)
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


def open_rejected(include_settled: bool = False, limit: int = 200, user_id: str | None = None) -> list[MutationRecord]:
    """Rejected entries (only `user_id`'s when given), unsettled first, newest first."""
    stmt = sa.select(MutationRecord).where(MutationRecord.status == "rejected")
    if user_id is not None:
        stmt = stmt.where(MutationRecord.user_id == user_id)
    if not include_settled:
        stmt = stmt.where(MutationRecord.settled_at.is_(None))
    order = (MutationRecord.settled_at.is_not(None), MutationRecord.received_at.desc(), MutationRecord.seq.desc())
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


@dataclass(frozen=True)
class MoneyItem:
    """A quote with a waiver or discount, or a payment not collected: the office reviews the reason."""

    work_order_id: str
    ticket_no: str
    kind: str  # "quote" | "payment"
    at: datetime | None  # the trusted device time of the record
    created_by_id: str | None
    reasons: list[tuple[str, str, str]]  # (line kind, amount, reason); for a payment ("not_collected", total, note)


def money_to_review(limit: int = 200) -> list[MoneyItem]:
    """Live consented quotes with waivers or discounts, and payments not collected, newest first [issue #13]."""
    quotes = db.session.execute(
        sa.select(FeeQuote, WorkOrder.ticket_no)
        .join(WorkOrder, WorkOrder.id == FeeQuote.work_order_id)
        .where(FeeQuote.deleted.is_(False), FeeQuote.consented.is_(True))
        .order_by(FeeQuote.created_at.desc())
        .limit(limit * 4)
    ).all()
    items = [
        MoneyItem(
            q.work_order_id,
            ticket,
            "quote",
            q.corrected_at or q.device_at,
            q.created_by_id,
            [(line["kind"], line["amount"], line.get("reason", "")) for line in q.lines if line.get("reason")],
        )
        for q, ticket in quotes
        if q.adjustments
    ]
    payments = db.session.execute(
        sa.select(Payment, WorkOrder.ticket_no)
        .join(WorkOrder, WorkOrder.id == Payment.work_order_id)
        .where(Payment.deleted.is_(False), Payment.method == "not_collected")
        .order_by(Payment.created_at.desc())
        .limit(limit)
    ).all()
    items += [
        MoneyItem(
            p.work_order_id,
            ticket,
            "payment",
            p.corrected_at or p.device_at,
            p.created_by_id,
            [("not_collected", f"{p.amount:.2f}", p.note or "")],
        )
        for p, ticket in payments
    ]
    items.sort(key=lambda i: i.at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return items[:limit]


def conflict(conflict_id: str) -> Conflict:
    """One conflict, or NotFound."""
    row = db.session.get(Conflict, conflict_id) if UUID.match(conflict_id or "") else None
    if row is None:
        raise NotFound("conflict.not_found", M_("No conflict with id %(id)s."), {"id": conflict_id})
    return row


def rejected(mutation_id: str, device_id: str | None = None) -> MutationRecord:
    """One rejected entry, or NotFound.

    A mutation is known by (device, id): two devices may have sent the same id, so the
    device says which (`device_id`); without it the id must name one rejected entry.
    """
    rows = []
    if UUID.match(mutation_id or "") and (device_id is None or UUID.match(device_id)):
        stmt = sa.select(MutationRecord).where(MutationRecord.status == "rejected", MutationRecord.id == mutation_id)
        if device_id is not None:
            stmt = stmt.where(MutationRecord.device_id == device_id)
        rows = db.session.scalars(stmt.limit(2)).all()
    if not rows:
        raise NotFound("rejected.not_found", M_("No rejected entry with id %(id)s."), {"id": mutation_id})
    if len(rows) > 1:
        raise errors.Conflict(
            "rejected.ambiguous",
            M_("Several devices sent an entry with id %(id)s; say which with its device."),
            {"id": mutation_id},
        )
    return rows[0]


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
