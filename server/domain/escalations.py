"""Which field reports become escalation cases, how severe they are and when they are due.

Pure rules (no database): the service (server/services/escalations.py) applies them.

- What escalates: seed 003 §三(七)2 (fees refused or a waiver asked: explain, then report to the
  company and follow its instruction: the phone's `escalated`), §三(五) (a new problem is reported
  to the after-sales department; the customer refuses the repair), §三(四)1 (no one home: a note is
  left and the office informed), §三(二) (改约 with consent, or the office reassigns 改派 when the
  customer does not agree), §三(十一) (the customer will not sign). `fee_refused` alone opens no
  case: the technician explains the three guarantees and may still get consent; if not, they
  escalate (`escalated`), and that is the case.
- Severity [000 §三(二)1 紧急/重要/一般; 002 step 1]: the work order's effective priority (VIP raised
  a level, server/domain/sla.py), raised to the kind's floor: a fee dispute has the technician and
  the customer waiting on site for the company's word; a refusal to pay, repair or sign is a
  customer "情绪激烈、可能影响复购" (002 重要); a job to hand to someone else must be placed before
  the appointment. The others keep the order's priority.
- Due time [002 step 1]: 紧急 2 h, 重要 4 h, 一般 24 h (config ESCALATION_HOURS, per severity), counted in
  working time from when the case reached the office, like every other office clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .sla import LEVELS, effective_priority
from .work_calendar import WorkCalendar

# Visit event kind -> escalation kind.
KIND_OF_EVENT = {
    "escalated": "fee_dispute",
    "refused": "refused",
    "new_problem_reported": "new_problem",
    "note_left": "no_one_home",
    "reassignment_requested": "reassign_request",
    "reschedule_requested": "reschedule_request",
    "rescheduled": "reschedule_request",
    "sign_off_declined": "sign_off_declined",
}
KINDS = (
    "fee_dispute",
    "refused",
    "new_problem",
    "no_one_home",
    "reassign_request",
    "reschedule_request",
    "sign_off_declined",
)
SEVERITIES = LEVELS  # urgent, important, normal
DECISIONS = ("approved", "declined", "rescheduled", "reassigned", "other")
STATUSES = ("open", "decided")
# Seed 002 step 1 紧急分级: 紧急 2 h, 重要 4 h, 一般 24 h (config ESCALATION_HOURS overrides).
DEFAULT_HOURS = {"urgent": 2.0, "important": 4.0, "normal": 24.0}

# The least severity a kind has, whatever the order's priority (see the module's docstring).
FLOOR = {
    "fee_dispute": "important",
    "refused": "important",
    "sign_off_declined": "important",
    "reassign_request": "important",
}


def kind_of(event_kind: str) -> str | None:
    """The escalation a visit event opens, or None."""
    return KIND_OF_EVENT.get(event_kind)


def severity(kind: str, priority: str, tier: str) -> str:
    """The more severe of the order's effective priority and the kind's floor."""
    level = effective_priority(priority, tier)
    if level not in LEVELS:
        level = "normal"
    floor = FLOOR.get(kind, "normal")
    return min(level, floor, key=LEVELS.index)


def due_at(opened: datetime, level: str, hours: Mapping[str, float], calendar: WorkCalendar) -> datetime:
    """`hours[level]` of working time after `opened`."""
    return calendar.add_working(opened, timedelta(hours=float(hours[level])))


def reported_text(note: str | None, data: Mapping | None) -> str | None:
    """What the technician wrote: the event's note, and its data.reason when it says something else.

    The phone sends the reason of a reassignment or reschedule request as `note`, the office's own
    events carry `data.reason` (issue #14): both are read.
    """
    reason = (data or {}).get("reason") if isinstance(data, Mapping) else None
    parts = [t.strip() for t in (note, reason) if isinstance(t, str) and t.strip()]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return "\n".join(parts) or None


def is_overdue(status: str, due: datetime, now: datetime) -> bool:
    return status == "open" and due < now
