"""Complaints and service recovery: the one write path for recovery cases [seed 002, 000 §三; issue #14].

A complaint taken in from any channel (`open_case`) or a low rating arriving with a sign-off
(`open_for_sign_off`, called from server/sync/apply.py) opens a case graded urgent / important /
normal, with an owner and a first-contact deadline. The owner then logs the first contact, the
investigation, the root cause with the solution and compensation, the resolution, and the
re-rating 3-7 days later; a case closes when the customer is satisfied or after 3 months of
follow-up (server/domain/recovery.py has the rules). The follow-up calls of a case stay in the
follow-up queue (services/followup_queue.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..auth.permissions import is_office
from ..domain import recovery as rules
from ..domain.errors import M_, Conflict, Invalid
from ..domain.service_day import format_local
from ..extensions import db
from ..models import FollowUp, RecoveryCase, User, WorkOrder, new_id, utcnow
from . import sla_settings


def hours() -> dict[str, float]:
    """First-contact hours per severity (config RECOVERY_FIRST_CONTACT_HOURS; seed 002: 2/4/24 h)."""
    configured = current_app.config.get("RECOVERY_FIRST_CONTACT_HOURS") or {}
    return {level: float(configured.get(level, default)) for level, default in rules.DEFAULT_HOURS.items()}


def _check_owner(owner: User | None, severity: str) -> None:
    if owner is None or not owner.active or not is_office(owner):
        raise Invalid(
            "recovery.owner_not_office",
            M_("Only an active dispatcher or manager can own a complaint."),
            fields={"owner_id": [M_("Choose a dispatcher or manager.")]},
        )
    if severity == "urgent" and owner.role != "manager":
        # Seed 002 步骤1: 紧急 … 由售后主管直接对接 (the after-sales supervisor handles it in person).
        raise Invalid(
            "recovery.urgent_needs_manager",
            M_("An urgent complaint is handled by a manager."),
            fields={"owner_id": [M_("Choose a manager.")]},
        )


def open_case(
    wo: WorkOrder,
    description: str,
    user: User,
    *,
    channel: str = "phone",
    severity: str = "normal",
    owner_id: str | None = None,
    now: datetime | None = None,
) -> RecoveryCase:
    """Take in a complaint (caller commits): the owner is the one named, else whoever took it in."""
    now = now or utcnow()
    owner = db.session.get(User, owner_id) if owner_id else user
    if severity not in rules.SEVERITIES or channel not in rules.CHANNELS:
        raise Invalid(
            "recovery.grading",
            M_("Choose the channel and the severity."),
            fields={"severity": [M_("Choose a severity.")]},
        )
    _check_owner(owner, severity)
    case = RecoveryCase(
        id=new_id(),
        work_order_id=wo.id,
        trigger="complaint",
        source_key=f"complaint:{new_id()}",
        description=description.strip(),
        status="open",
        opened_at=now,
        opened_by_id=user.id,
        channel=channel,
        severity=severity,
        owner_id=owner.id,
        due_at=rules.first_contact_due(now, severity, hours()),
    )
    db.session.add(case)
    db.session.flush()
    return case


def open_for_sign_off(session: Session, wo: WorkOrder, entity: str, sign_off) -> RecoveryCase | None:
    """A sign-off rated at or below the threshold opens one case (None otherwise, or for other records).

    `sign_off` is the stored record or the row the push's fast path inserts (a dict). Idempotent:
    keyed by the sign-off (the same key the follow-up planner uses, so it finds this case).
    """

    def get(name):
        return sign_off.get(name) if isinstance(sign_off, dict) else getattr(sign_off, name, None)

    if entity != "sign_off":
        return None
    quality, attitude = get("rating_quality"), get("rating_attitude")
    if quality is None or attitude is None:
        return None
    # Seed 002 §一: a satisfaction score under the threshold (7 of 10) opens recovery; the office
    # setting holds it on the 1-5 scale (default 3).
    threshold = sla_settings.low_rating_threshold()
    if not (quality <= threshold or attitude <= threshold):
        return None
    key = f"low_rating:{get('id')}"
    pending = next((o for o in session.new if isinstance(o, RecoveryCase) and o.source_key == key), None)
    existing = pending or session.scalar(sa.select(RecoveryCase).where(RecoveryCase.source_key == key))
    if existing is not None:
        return existing
    now = utcnow()
    level = rules.low_rating_severity(quality, attitude)
    case = RecoveryCase(
        id=new_id(),
        work_order_id=wo.id,
        trigger="low_rating",
        source_key=key,
        description=f"quality {quality}/5, attitude {attitude}/5",
        status="open",
        opened_at=now,
        channel="sign_off",
        severity=level,
        due_at=rules.first_contact_due(now, level, hours()),
    )
    session.add(case)
    return case


def _not_closed(case: RecoveryCase) -> None:
    if case.status == "closed":
        raise Conflict("recovery.closed", M_("This case was closed at %(at)s."), {"at": format_local(case.closed_at)})


def _in_status(case: RecoveryCase, allowed: tuple[str, ...], message: str) -> None:
    _not_closed(case)
    if case.status not in allowed:
        raise Conflict("recovery.wrong_step", message, {"status": case.status})


def _required(**values: str | None) -> dict[str, str]:
    texts = {name: (value or "").strip() for name, value in values.items()}
    missing = {name: [M_("Required.")] for name, text in texts.items() if not text}
    if missing:
        raise Invalid("recovery.incomplete", M_("Fill in the required fields."), fields=missing)
    return texts


def _stamped(old: str | None, text: str, user: User, now: datetime) -> str:
    line = f"{format_local(now)} {user.name}: {text}"
    return f"{old}\n{line}" if old else line


def assign(case: RecoveryCase, owner: User | None) -> RecoveryCase:
    """Give the case an owner, a dispatcher or manager (000 §三: every complaint has an owner)."""
    _not_closed(case)
    _check_owner(owner, case.severity)
    case.owner_id = owner.id
    return case


def log_contact(case: RecoveryCase, note: str | None, user: User, now: datetime | None = None) -> RecoveryCase:
    """The first contact with the customer [002 步骤1 首次沟通]; its time is measured against the deadline."""
    now = now or utcnow()
    texts = _required(note=note)
    _not_closed(case)
    if case.contacted_at is None:
        case.contacted_at = now
    if case.status == "open":
        case.status = "contacted"
    case.contact_note = _stamped(case.contact_note, texts["note"], user, now)
    if case.owner_id is None:
        case.owner_id = user.id
    return case


def investigate(case: RecoveryCase, notes: str | None, user: User, now: datetime | None = None) -> RecoveryCase:
    """Investigation notes [002 步骤2 内部协调]; the customer must have been contacted first."""
    now = now or utcnow()
    texts = _required(notes=notes)
    _in_status(case, ("contacted", "diagnosing"), M_("Log the first contact with the customer first."))
    case.status = "diagnosing"
    case.investigation = _stamped(case.investigation, texts["notes"], user, now)
    return case


def plan_remedy(
    case: RecoveryCase,
    root_cause: str | None,
    solution: str | None,
    compensation: str | None,
    amount: Decimal | None,
) -> RecoveryCase:
    """The written diagnosis and the plan [002 步骤2 书面诊断报告, 方案设计]."""
    texts = _required(root_cause=root_cause, solution=solution)
    _in_status(case, ("diagnosing",), M_("Record the investigation first."))
    if amount is not None and amount < 0:
        raise Invalid(
            "recovery.amount", M_("The amount cannot be negative."), fields={"compensation_amount": [M_("Invalid.")]}
        )
    case.root_cause, case.solution = texts["root_cause"], texts["solution"]
    case.compensation = (compensation or "").strip() or None
    case.compensation_amount = amount
    return case


def resolve(case: RecoveryCase, user: User, now: datetime | None = None) -> RecoveryCase:
    """The remedy is carried out [002 步骤3]; plans the re-rating call for 3-7 days later."""
    now = now or utcnow()
    _in_status(case, ("diagnosing",), M_("Record the investigation first."))
    if not (case.root_cause and case.solution):
        raise Invalid(
            "recovery.no_remedy",
            M_("Record the root cause and the solution before resolving."),
            fields={"root_cause": [M_("Required.")], "solution": [M_("Required.")]},
        )
    case.status, case.resolved_at = "resolved", now
    case.owner_id = case.owner_id or user.id
    start, until = rules.rerating_window(now)
    db.session.add(
        FollowUp(
            work_order_id=case.work_order_id,
            recovery_case_id=case.id,
            kind="recovery",
            reason="rerating",
            plan_key=f"recovery:{case.source_key}:rerating:{now.isoformat()}",
            due_at=start,
            latest_at=until,
        )
    )
    return case


def rerate(
    case: RecoveryCase, score: int | None, note: str | None, user: User, now: datetime | None = None
) -> RecoveryCase:
    """The customer's score of the handling, 1-5, 3 days or more after the resolution [002 步骤4]."""
    now = now or utcnow()
    _in_status(case, ("resolved",), M_("Resolve the case first."))
    if score is None or not rules.SCORE_MIN <= score <= rules.SCORE_MAX:
        raise Invalid("recovery.score", M_("Give a score from 1 to 5."), fields={"score": [M_("1 to 5.")]})
    start, _until = rules.rerating_window(case.resolved_at)
    if now < start:
        raise Conflict(
            "recovery.rerating_too_early",
            M_("The re-rating is taken 3 to 7 days after the resolution: from %(at)s."),
            {"at": format_local(start)},
            fields={"score": [M_("Too early.")]},
        )
    case.rerating_score, case.rerated_at = score, now
    if note and note.strip():
        case.rerating_note = _stamped(case.rerating_note, note.strip(), user, now)
    if score < rules.TARGET_SCORE:  # not won back yet: another call in a week, until satisfied or 3 months
        db.session.add(
            FollowUp(
                work_order_id=case.work_order_id,
                recovery_case_id=case.id,
                kind="recovery",
                reason="still_dissatisfied",
                plan_key=f"recovery:{case.source_key}:rerated:{now.isoformat()}",
                due_at=now + rules.KEEP_GOING_AFTER,
            )
        )
    return case


def close(case: RecoveryCase, user: User, now: datetime | None = None) -> RecoveryCase:
    """Close when satisfied at the re-rating, or after 3 months of follow-up [002 步骤4]."""
    now = now or utcnow()
    _in_status(case, ("resolved",), M_("Resolve the case first."))
    if not rules.may_close(case.rerating_score, case.resolved_at, now):
        raise Conflict(
            "recovery.not_satisfied",
            M_("Keep following up: the re-rating must reach %(target)s of 5, or 3 months must pass (%(at)s)."),
            {"target": rules.TARGET_SCORE, "at": format_local(case.resolved_at + rules.TRACK_FOR)},
        )
    case.status, case.closed_at = "closed", now
    return case


def after_call(case: RecoveryCase, outcome: str, satisfied: bool, user: User, now: datetime) -> None:
    """A recovery call's outcome recorded in the follow-up queue (services/followup_queue.record).

    A call that reached the customer is the first contact when none was logged. A satisfied
    customer on the last open call closes a case that needed no remedy (still open or only
    contacted); a case under investigation or resolved closes on its own page, with the
    re-rating score [002 步骤4].
    """
    if case.status == "closed":
        return
    if outcome != "unreachable" and case.contacted_at is None:
        case.contacted_at = now
        case.owner_id = case.owner_id or user.id
        if case.status == "open":
            case.status = "contacted"
    if satisfied and case.status in ("open", "contacted"):
        case.status, case.closed_at = "closed", now


# ---------------------------------------------------------------- reading


def queue(
    *, status: str = "active", severity: str | None = None, owner_id: str | None = None, limit: int = 300
) -> list[RecoveryCase]:
    """Open cases first by first-contact deadline, then the others by last change."""
    stmt = sa.select(RecoveryCase)
    if status == "active":
        stmt = stmt.where(RecoveryCase.status != "closed")
    elif status in rules.STATUSES:
        stmt = stmt.where(RecoveryCase.status == status)
    if severity:
        stmt = stmt.where(RecoveryCase.severity == severity)
    if owner_id == "none":
        stmt = stmt.where(RecoveryCase.owner_id.is_(None))
    elif owner_id:
        stmt = stmt.where(RecoveryCase.owner_id == owner_id)
    waiting = sa.case((RecoveryCase.status == "open", 0), (RecoveryCase.status == "closed", 2), else_=1)
    no_due = sa.case((RecoveryCase.due_at.is_(None), 1), else_=0)  # cases from before deadlines: last
    stmt = stmt.order_by(waiting, no_due, RecoveryCase.due_at, RecoveryCase.opened_at.desc(), RecoveryCase.id)
    return list(db.session.scalars(stmt.limit(limit)))


def awaiting_contact_count() -> int:
    """Cases no one has called yet: the office's badge."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCase).where(RecoveryCase.status == "open"))


def calls_of(case: RecoveryCase) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp).where(FollowUp.recovery_case_id == case.id).order_by(FollowUp.due_at, FollowUp.id)
        )
    )


def facts_opened_in(lo: datetime, hi: datetime) -> list[rules.CaseFacts]:
    """What the recovery KPIs need of the cases opened in [lo, hi)."""
    rows = db.session.execute(
        sa.select(
            RecoveryCase.opened_at, RecoveryCase.due_at, RecoveryCase.contacted_at, RecoveryCase.rerating_score
        ).where(RecoveryCase.opened_at >= lo, RecoveryCase.opened_at < hi)
    )
    return [rules.CaseFacts(*row) for row in rows]
