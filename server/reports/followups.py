"""Which calls the office owes a customer, and when [003 §13, 000, 002].

- A visit not fully fixed (or flagged by the technician): call back 3 hours later.
- A completed, fixed job: a satisfaction call 1 to 3 days after completion.
- A request resolved by phone guidance: a check-back call within 2 hours [003 §三(一)3].
- A rating at or below the threshold, or a complaint: a recovery case with calls at 3
  and 7 days, and another 7 days later each time the customer is still dissatisfied.
Each planned call has a key naming what caused it, so planning again adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .facts import JobFacts

NOT_FIXED_OUTCOMES = ("not_fixed", "awaiting_parts", "return_to_factory")
CALL_BACK_AFTER = timedelta(hours=3)
SATISFACTION_FROM, SATISFACTION_UNTIL = timedelta(days=1), timedelta(days=3)
RECOVERY_CALLS = (("3d", timedelta(days=3)), ("7d", timedelta(days=7)))
KEEP_GOING_AFTER = timedelta(days=7)
OUTCOMES = ("satisfied", "dissatisfied", "unreachable", "resolved")
# Seed 003 §三(一)3: "2小时内跟踪回访" after phone guidance. The seed says 2 hours, not
# working hours: the wall clock, so an evening resolution is checked back that evening.
CHECK_BACK_WITHIN = timedelta(hours=2)
CHECK_BACK = "check_back"
CHECK_BACK_OUTCOMES = ("solved", "not_solved", "unreachable")
REMOTE_OUTCOME = "resolved_remotely"
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class PlannedCall:
    plan_key: str
    work_order_id: str
    kind: str  # not_fixed | satisfaction | recovery | check_back
    reason: str  # not_fixed | flagged | completed | low_rating | complaint | still_dissatisfied | resolved_remotely
    due_at: datetime
    latest_at: datetime | None = None


def is_low_rating(quality: int, attitude: int, threshold: int) -> bool:
    """Either rating at or below the threshold counts as dissatisfied."""
    return quality <= threshold or attitude <= threshold


def low_rating_case_key(job: JobFacts, threshold: int) -> str | None:
    """The recovery case a low rating opens, or None when the ratings are fine."""
    sign_off = job.sign_off
    if sign_off and is_low_rating(sign_off.rating_quality, sign_off.rating_attitude, threshold):
        return f"low_rating:{sign_off.id}"
    return None


def recovery_calls(work_order_id: str, case_key: str, opened_at: datetime, reason: str) -> list[PlannedCall]:
    """The calls of a recovery case: 3 and 7 days after it opened."""
    return [
        PlannedCall(f"recovery:{case_key}:{label}", work_order_id, "recovery", reason, opened_at + after)
        for label, after in RECOVERY_CALLS
    ]


def plan_calls(job: JobFacts, threshold: int, now: datetime) -> list[PlannedCall]:
    """The routine calls a job calls for (recovery calls are planned with their case)."""
    calls: list[PlannedCall] = []  # the call-back after a visit not fixed: call_back_anchors
    # A phone resolution has its own check-back call (check_back_call), not a satisfaction call.
    fixed = job.outcome not in NOT_FIXED_OUTCOMES and job.outcome != REMOTE_OUTCOME
    if job.is_completed and job.completed_at and fixed and low_rating_case_key(job, threshold) is None:
        done = job.visit_ended_at or job.completed_at
        calls.append(
            PlannedCall(
                f"satisfaction:{job.work_order_id}",
                job.work_order_id,
                "satisfaction",
                "completed",
                done + SATISFACTION_FROM,
                done + SATISFACTION_UNTIL,
            )
        )
    return calls


# Visit events that owe the 3-hour call-back [seed 003 §三(九)1]: an end not fully fixed, or the flag.
CALL_BACK_EVENTS = ("not_fixed", "awaiting_parts", "returned_to_factory", "follow_up_flagged")
CALL_BACK = "not_fixed"  # the FollowUp kind of the technician's call-back
CALL_BACK_DONE = "call_back_done"  # the visit event the phone records the call's outcome with
# Seed 003 §三(九)1: a dissatisfied customer gets an apology, the reason written down and the
# after-sales department takes it over (a recovery case); the reason is required.
CALL_BACK_OUTCOMES = ("satisfied", "dissatisfied", "unreachable")


def call_back_anchors(job: JobFacts) -> list[datetime]:
    """When the visits owing a call-back ended or were flagged, earliest first."""
    anchors = [when for _, when in job.flagged]
    if job.outcome in NOT_FIXED_OUTCOMES and (job.visit_ended_at or job.completed_at):
        anchors.append(job.visit_ended_at or job.completed_at)
    return sorted(anchors)


def call_back_covered(anchor: datetime, planned_due: list[datetime]) -> bool:
    """Once per visit: a call-back already due after this moment is the one this visit owes
    (the flag and the not-fixed outcome of one visit both lead to it)."""
    return any(due >= anchor for due in planned_due)


def call_back_call(work_order_id: str, ordinal: int, anchor: datetime) -> PlannedCall:
    """The job's `ordinal`-th call-back (0 first), 3 hours after the visit [seed 003 §三(九)1]."""
    return PlannedCall(
        f"call_back:{work_order_id}:{ordinal}", work_order_id, CALL_BACK, "not_fixed", anchor + CALL_BACK_AFTER
    )


def check_back_key(resolution_key: str) -> str:
    """The plan key of the check-back owed after one phone resolution (its visit event's id)."""
    return f"check_back:{resolution_key}"


def check_back_call(work_order_id: str, resolution_key: str, resolved_at: datetime) -> PlannedCall:
    """The check-back owed after a phone resolution: due, at the latest, 2 hours after it."""
    due = resolved_at + CHECK_BACK_WITHIN
    return PlannedCall(check_back_key(resolution_key), work_order_id, CHECK_BACK, REMOTE_OUTCOME, due, due)


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes a call of this kind can have (a check-back asks whether the problem is solved)."""
    if kind == CHECK_BACK:
        return CHECK_BACK_OUTCOMES
    if kind == CALL_BACK:
        return CALL_BACK_OUTCOMES
    return ("satisfied", "resolved", "dissatisfied", "unreachable")


def check_back_on_time(due_at: datetime, done_at: datetime | None, now: datetime) -> bool | None:
    """Made by its 2-hour deadline; None while still inside it and not yet made."""
    if done_at is not None:
        return done_at <= due_at
    return False if now > due_at else None


@dataclass(frozen=True)
class CallResult:
    """What recording an outcome does to the call and its case."""

    status: str  # open | done
    due_at: datetime | None  # a new due time when the call stays open
    opens_case: bool  # a dissatisfied customer outside a case: open one
    next_call_after: timedelta | None  # still dissatisfied inside a case: call again
    closes_case: bool


def record_outcome(outcome: str, attempts: int, in_case: bool, open_calls_left: int, now: datetime) -> CallResult:
    """The rules for one call's outcome; `attempts` counts this one, `open_calls_left` excludes it."""
    if outcome == "unreachable":
        if attempts < MAX_ATTEMPTS:
            return CallResult("open", now + RETRY_AFTER, False, None, False)
        return CallResult("done", None, False, None, False)
    if outcome == "not_solved":  # the caller reopens the request for a visit
        return CallResult("done", None, False, None, False)
    if outcome == "dissatisfied":
        if in_case:
            return CallResult("done", None, False, None if open_calls_left else KEEP_GOING_AFTER, False)
        return CallResult("done", None, True, None, False)
    return CallResult("done", None, False, None, in_case and open_calls_left == 0)
