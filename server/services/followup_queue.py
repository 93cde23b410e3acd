"""The follow-up queue: plans the calls owed from the visits synced in, and records each outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.errors import M_, Conflict, Invalid
from ..domain.service_day import format_local
from ..extensions import db
from ..models import (
    CustomerSignOff,
    FollowUp,
    RecoveryCase,
    User,
    VisitEvent,
    WorkOrder,
    new_id,
    utcnow,
)
from ..reports import followups as rules
from . import job_facts as facts
from . import notifications, recovery, work_orders
from . import sla_settings as settings

# Visits older than this are not planned any more (their calls are long done or moot).
LOOKBACK = timedelta(days=30)


def _candidates(since: datetime) -> list[str]:
    """Work orders that may owe a call: completed, not fixed, signed or flagged lately."""
    queries = [
        sa.select(WorkOrder.id).where(WorkOrder.completed_at >= since),
        sa.select(WorkOrder.id).where(WorkOrder.outcome.in_(rules.NOT_FIXED_OUTCOMES), WorkOrder.updated_at >= since),
        sa.select(CustomerSignOff.work_order_id).where(CustomerSignOff.created_at >= since),
        sa.select(VisitEvent.work_order_id).where(
            VisitEvent.kind == "follow_up_flagged", VisitEvent.created_at >= since
        ),
    ]
    return sorted(set(db.session.scalars(sa.union(*queries))))


def _add_once(obj) -> bool:
    """Insert unless its unique key exists already (planned by an earlier or concurrent request)."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
        notifications.follow_up_planned(db.session, obj)  # the customer hears when we will call
        return True
    except IntegrityError:
        return False


def _call(planned: rules.PlannedCall, case: RecoveryCase | None = None) -> FollowUp:
    return FollowUp(
        work_order_id=planned.work_order_id,
        recovery_case_id=case.id if case else None,
        kind=planned.kind,
        reason=planned.reason,
        plan_key=planned.plan_key,
        due_at=planned.due_at,
        latest_at=planned.latest_at,
    )


def _case(
    work_order_id: str, trigger: str, source_key: str, opened_at: datetime, description: str | None, user: User | None
) -> RecoveryCase:
    existing = db.session.scalar(sa.select(RecoveryCase).where(RecoveryCase.source_key == source_key))
    if existing:
        return existing
    case = RecoveryCase(
        id=new_id(),
        work_order_id=work_order_id,
        trigger=trigger,
        source_key=source_key,
        opened_at=opened_at,
        description=description,
        opened_by_id=user.id if user else None,
    )
    if not _add_once(case):
        return db.session.scalar(sa.select(RecoveryCase).where(RecoveryCase.source_key == source_key))
    return case


def plan(now: datetime | None = None) -> int:
    """Add the calls owed that are not planned yet; returns how many were added (caller commits)."""
    now = now or utcnow()
    threshold = settings.low_rating_threshold()
    jobs = facts.load(_candidates(now - LOOKBACK))
    wanted: list[tuple[rules.PlannedCall, RecoveryCase | None]] = []
    for job in jobs:
        for anchor in rules.call_back_anchors(job):
            plan_call_back(job.work_order_id, job.technician_id, anchor)
        wanted.extend((call, None) for call in rules.plan_calls(job, threshold, now))
        case_key = rules.low_rating_case_key(job, threshold)
        if case_key and job.sign_off:
            so = job.sign_off
            case = _case(
                job.work_order_id,
                "low_rating",
                case_key,
                so.signed_at or so.received_at,
                f"quality {so.rating_quality}/5, attitude {so.rating_attitude}/5",
                None,
            )
            wanted.extend(
                (c, case) for c in rules.recovery_calls(job.work_order_id, case_key, case.opened_at, "low_rating")
            )
    keys = [call.plan_key for call, _ in wanted]
    have = set(db.session.scalars(sa.select(FollowUp.plan_key).where(FollowUp.plan_key.in_(keys)))) if keys else set()
    return sum(_add_once(_call(call, case)) for call, case in wanted if call.plan_key not in have)


def open_complaint(wo: WorkOrder, description: str, user: User, now: datetime | None = None) -> RecoveryCase:
    """A complaint opens a recovery case with its calls at 3 and 7 days (caller commits)."""
    now = now or utcnow()
    case = recovery.open_case(wo, description, user, now=now)  # graded, owned, first contact due [002]
    key = case.source_key
    for call in rules.recovery_calls(wo.id, key, now, "complaint"):
        _add_once(_call(call, case))
    return case


def plan_call_back(work_order_id: str, technician_id: str | None, anchor: datetime) -> FollowUp | None:
    """The 3-hour call-back owed by the visit that ended (or was flagged) at `anchor`, on the
    repairing technician's phone [seed 003 §三(九)1]; once per visit (caller commits)."""
    planned = list(
        db.session.scalars(
            sa.select(FollowUp).where(FollowUp.work_order_id == work_order_id, FollowUp.kind == rules.CALL_BACK)
        )
    )
    planned += [
        o
        for o in db.session.new
        if isinstance(o, FollowUp) and o.work_order_id == work_order_id and o.kind == rules.CALL_BACK
    ]
    if rules.call_back_covered(anchor, [c.due_at for c in planned]):
        return None
    call = _call(rules.call_back_call(work_order_id, len(planned), anchor))
    call.technician_id = technician_id
    return call if _add_once(call) else None


def on_visit_event(work_order: WorkOrder, event: dict) -> None:
    """What a visit event pushed by a phone does to the calls: a visit not fixed (or flagged)
    plans its call-back; `call_back_done` records the technician's outcome on it."""
    kind = event.get("kind")
    at = event.get("corrected_at") or utcnow()
    if kind in rules.CALL_BACK_EVENTS:
        plan_call_back(work_order.id, event.get("created_by_id") or work_order.technician_id, at)
    elif kind == rules.CALL_BACK_DONE:
        _record_from_phone(work_order, event, at)


def _record_from_phone(work_order: WorkOrder, event: dict, at: datetime) -> None:
    """The outcome the technician recorded offline. The visit event itself is kept either way; a call
    the office has recorded meanwhile, or not this technician's, is left as it is (the office sees both)."""
    data = event.get("data") or {}
    call = db.session.get(FollowUp, data.get("call_back_id"))
    user = db.session.get(User, event.get("created_by_id"))
    if call is None or user is None or call.work_order_id != work_order.id or call.technician_id != user.id:
        return
    if call.status != "open":
        return
    record(call, data["outcome"], event.get("note"), user, at)


def plan_check_back(resolution: VisitEvent) -> FollowUp:
    """The check-back call owed 2 hours after a phone resolution [seed 003 §三(一)3] (caller commits)."""
    planned = rules.check_back_call(resolution.work_order_id, resolution.id, resolution.corrected_at)
    call = _call(planned)
    _add_once(call)
    return call


def _check_outcome(follow_up: FollowUp, outcome: str, note: str | None, score: int | None = None) -> None:
    if outcome not in rules.outcomes_for(follow_up.kind):
        raise Invalid(
            "follow_up.outcome_not_for_kind",
            M_("This outcome does not fit this call."),
            fields={"outcome": [M_("Not an outcome of this call.")]},
        )
    if outcome == "dissatisfied" and follow_up.kind == rules.CALL_BACK and not (note or "").strip():
        # Seed 003 §三(九)1: write down why the customer is not satisfied.
        raise Invalid(
            "follow_up.reason_required",
            M_("Write down why the customer is not satisfied."),
            fields={"note": [M_("Required when the customer is not satisfied.")]},
        )
    if score is not None and follow_up.kind != "satisfaction":
        raise Invalid(
            "follow_up.score_not_for_kind",
            M_("Only a satisfaction call carries a score."),
            fields={"score": [M_("Only for satisfaction calls.")]},
        )
    if score is not None and not 1 <= score <= 5:
        raise Invalid("follow_up.score_range", M_("A score from 1 to 5."), fields={"score": [M_("From 1 to 5.")]})
    if outcome == "not_solved" and not (note or "").strip():
        raise Invalid(
            "follow_up.note_required",
            M_("Say what is still wrong: the request goes back for a visit."),
            fields={"note": [M_("Required when the problem is not solved.")]},
        )


def record(
    follow_up: FollowUp,
    outcome: str,
    note: str | None,
    user: User,
    now: datetime | None = None,
    score: int | None = None,
) -> FollowUp:
    """Record one call's outcome and do what it calls for: retry, escalate, keep going, close or reopen."""
    now = now or utcnow()
    if follow_up.status != "open":
        raise Conflict(
            "follow_up.done", M_("This call is already done."), fields={"outcome": [M_("Already recorded.")]}
        )
    _check_outcome(follow_up, outcome, note, score)
    if outcome == "not_solved":
        # Phone guidance did not hold: the request goes back for dispatch, a visit this time.
        work_orders.reopen_for_dispatch(follow_up.work_order, note, user, now)
    case = follow_up.recovery_case
    open_left = 0
    if case is not None:
        open_left = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(FollowUp)
            .where(FollowUp.recovery_case_id == case.id, FollowUp.status == "open", FollowUp.id != follow_up.id)
        )
    follow_up.attempts += 1
    result = rules.record_outcome(outcome, follow_up.attempts, case is not None, open_left, now)
    follow_up.outcome, follow_up.last_attempt_at = outcome, now
    if score is not None:
        follow_up.score = score
    if note:
        stamp = f"{format_local(now)} {user.name}"  # service-area time, as every page shows it
        follow_up.note = f"{follow_up.note}\n{stamp} {note}" if follow_up.note else f"{stamp} {note}"
    follow_up.status = result.status
    if result.status == "done":
        follow_up.done_at, follow_up.done_by_id = now, user.id
    elif result.due_at:
        follow_up.due_at = result.due_at
    if result.opens_case:
        key = f"call:{follow_up.id}"
        new_case = _case(follow_up.work_order_id, "complaint", key, now, note or "dissatisfied on a call", user)
        for call in rules.recovery_calls(follow_up.work_order_id, key, now, "complaint"):
            _add_once(_call(call, new_case))
    if result.next_call_after and case is not None:
        _add_once(
            FollowUp(
                work_order_id=follow_up.work_order_id,
                recovery_case_id=case.id,
                kind="recovery",
                reason="still_dissatisfied",
                plan_key=f"recovery:{case.source_key}:after:{follow_up.id}",
                due_at=now + result.next_call_after,
            )
        )
    if case is not None:  # a call that reached the customer is a contact; satisfied may close the case
        recovery.after_call(case, outcome, result.closes_case, user, now)
    return follow_up


def queue(include_done: bool = False, limit: int = 500) -> list[FollowUp]:
    """Calls to make, the most due first (done ones last when included)."""
    stmt = sa.select(FollowUp).options(
        joinedload(FollowUp.work_order).joinedload(WorkOrder.customer),
        joinedload(FollowUp.work_order).joinedload(WorkOrder.technician),
        joinedload(FollowUp.recovery_case),
    )
    if not include_done:
        stmt = stmt.where(FollowUp.status == "open")
    stmt = stmt.order_by(sa.case((FollowUp.status == "open", 0), else_=1), FollowUp.due_at).limit(limit)
    return list(db.session.scalars(stmt).unique())


def call_state(call: FollowUp, now: datetime) -> str:
    """done, overdue (past its latest time, or a day past due), due_now or upcoming."""
    if call.status != "open":
        return "done"
    latest = call.latest_at or call.due_at + timedelta(days=1)
    if latest < now:
        return "overdue"
    return "due_now" if call.due_at <= now else "upcoming"


def ratings_of(work_order_ids: list[str]) -> dict[str, CustomerSignOff]:
    """The sign-off (with its ratings) of each work order that has one."""
    if not work_order_ids:
        return {}
    rows = db.session.scalars(
        sa.select(CustomerSignOff).where(
            CustomerSignOff.work_order_id.in_(work_order_ids), CustomerSignOff.deleted.is_(False)
        )
    )
    return {row.work_order_id: row for row in rows}


def work_order_by_ticket(ticket_no: str) -> WorkOrder:
    """The work order a complaint names by its ticket number, or Invalid."""
    wo = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.ticket_no == ticket_no.strip().upper()))
    if wo is None:
        raise Invalid(
            "follow_up.unknown_ticket",
            M_("Unknown ticket number."),
            fields={"ticket_no": [M_("No work order with this ticket number.")]},
        )
    return wo
