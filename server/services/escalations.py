"""The escalation queue: the one write path for escalation cases (issue #14).

A visit event that reports something to the company (server/domain/escalations.py says which)
opens one case when the sync engine applies it (`open_for_event`, called from
server/sync/apply.py); dispatchers and managers take it (`take`) and decide it (`decide`); the
decision reaches the job's technician on their next pull (sync entity `escalation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..auth.permissions import is_office
from ..domain import escalations as rules
from ..domain.errors import M_, Conflict, Invalid
from ..domain.service_day import format_local
from ..extensions import db
from ..models import Escalation, FeeQuote, User, VisitEvent, WorkOrder, utcnow
from . import push, sla_settings


def _get(event, name: str):
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def hours() -> dict[str, float]:
    """Working hours to decide a case, per severity (config ESCALATION_HOURS; seed 002: 2/4/24 h)."""
    configured = current_app.config.get("ESCALATION_HOURS") or {}
    return {level: float(configured.get(level, default)) for level, default in rules.DEFAULT_HOURS.items()}


def open_for_event(session: Session, work_order: WorkOrder, event) -> Escalation | None:
    """Open the case a just-stored visit event calls for (None if its kind escalates nothing).

    `event` is the stored record (a VisitEvent, or the row the push's fast path inserts).
    Idempotent: one case per source event, whoever calls it and however often.
    """
    kind = rules.kind_of(_get(event, "kind") or "")
    if kind is None:
        return None
    event_id = _get(event, "id")
    pending = next(
        (o for o in session.new if isinstance(o, Escalation) and o.source_event_id == event_id),
        None,
    )
    if pending is not None:
        return pending
    existing = session.scalar(sa.select(Escalation).where(Escalation.source_event_id == event_id))
    if existing is not None:
        return existing
    now = utcnow()
    level = rules.severity(kind, work_order.priority, work_order.customer.tier if work_order.customer else "normal")
    case = Escalation(
        work_order_id=work_order.id,
        kind=kind,
        source_event_id=event_id,
        technician_note=rules.reported_text(_get(event, "note"), _get(event, "data")),
        reported_by_id=_get(event, "created_by_id"),
        severity=level,
        due_at=rules.due_at(now, level, hours(), sla_settings.work_calendar()),
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    return case


def _open_only(case: Escalation) -> None:
    if case.status != "open":
        who = case.decided_by.name if case.decided_by else ""
        raise Conflict(
            "escalation.already_decided",
            M_("Already decided by %(name)s at %(at)s."),
            {"name": who, "at": format_local(case.decided_at)},
        )


def take(case: Escalation, owner: User) -> Escalation:
    """Make `owner` (a dispatcher or manager) the one who answers this case (caller commits)."""
    _open_only(case)
    if owner is None or not owner.active or not is_office(owner):
        raise Invalid(
            "escalation.owner_not_office",
            M_("Only an active dispatcher or manager can own an escalation."),
            fields={"owner_id": [M_("Choose a dispatcher or manager.")]},
        )
    case.owner_id = owner.id
    return case


def decide(case: Escalation, decision: str, text: str | None, user: User) -> Escalation:
    """Record the company's decision (seed 003 §三(七)2: the technician follows it); caller commits."""
    _open_only(case)
    text = (text or "").strip()
    fields = {}
    if decision not in rules.DECISIONS:
        fields["decision"] = [M_("Choose a decision.")]
    if not text:
        fields["text"] = [M_("Write the decision for the technician.")]
    if fields:
        raise Invalid("escalation.decision_incomplete", M_("The decision is incomplete."), fields=fields)
    case.status = "decided"
    case.decision = decision
    case.decision_text = text
    case.decided_by_id = user.id
    case.decided_at = utcnow()
    if case.owner_id is None:
        case.owner_id = user.id
    push.escalation_decided(db.session, case)  # the technician's phone hears the decision (issue #16)
    return case


# ---------------------------------------------------------------- reading


def queue(
    *,
    status: str = "open",
    kind: str | None = None,
    severity: str | None = None,
    owner_id: str | None = None,
    limit: int = 300,
) -> list[Escalation]:
    """Open cases first, soonest due first; decided ones after, latest decision first."""
    stmt = sa.select(Escalation)
    if status in rules.STATUSES:
        stmt = stmt.where(Escalation.status == status)
    if kind:
        stmt = stmt.where(Escalation.kind == kind)
    if severity:
        stmt = stmt.where(Escalation.severity == severity)
    if owner_id == "none":
        stmt = stmt.where(Escalation.owner_id.is_(None))
    elif owner_id:
        stmt = stmt.where(Escalation.owner_id == owner_id)
    is_decided = sa.case((Escalation.status == "open", 0), else_=1)
    open_due = sa.case((Escalation.status == "open", Escalation.due_at))
    stmt = stmt.order_by(is_decided, open_due, Escalation.decided_at.desc(), Escalation.id).limit(limit)
    return list(db.session.scalars(stmt))


def open_count() -> int:
    """Open cases: the office's badge."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Escalation).where(Escalation.status == "open"))


def owners() -> list[User]:
    """Who may own a case: active dispatchers and managers."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.active.is_(True), User.role.in_(("dispatcher", "manager"))).order_by(User.name)
        )
    )


@dataclass
class CaseFacts:
    case: Escalation
    event: VisitEvent | None
    quote: FeeQuote | None  # the latest fee quote (what a fee dispute is about)
    overdue: bool


def facts(case: Escalation, now: datetime | None = None) -> CaseFacts:
    """What the case page shows beside the work order: the event and the quote in dispute."""
    event = db.session.get(VisitEvent, case.source_event_id)
    quote = db.session.scalar(
        sa.select(FeeQuote)
        .where(FeeQuote.work_order_id == case.work_order_id, FeeQuote.deleted.is_(False))
        .order_by(FeeQuote.created_at.desc(), FeeQuote.id)
        .limit(1)
    )
    return CaseFacts(case, event, quote, rules.is_overdue(case.status, case.due_at, now or utcnow()))


def cases_of(work_order_id: str) -> list[Escalation]:
    return list(
        db.session.scalars(
            sa.select(Escalation).where(Escalation.work_order_id == work_order_id).order_by(Escalation.created_at)
        )
    )
