"""Complaints and service recovery: grading, deadlines and the steps of a case [seed 002, 000 §三].

Pure rules (no database): server/services/recovery.py applies them.

- Grading [002 步骤1 紧急分级]: 紧急 (core business hit, big loss, public complaint) first contact
  within 2 h by a supervisor; 重要 (strong feelings, may not buy again) within 4 h; 一般 within 24 h.
  The seed counts plain hours ("2小时内", "24小时内"), so the clock is the wall clock, which also
  keeps every grade inside 000 §三's "accepted within 2 working days, with an owner".
  Hours are configurable (config RECOVERY_FIRST_CONTACT_HOURS).
- Steps [002 步骤1-4]: open → contacted (first call logged) → diagnosing (the investigation)
  → resolved (root cause, solution, compensation recorded) → closed.
- Re-rating [002 步骤4 满意度复评]: "问题解决后3-7天内" — a re-rating before 3 days is refused (the
  customer must have lived with the fix); after 7 days it is still taken (a late answer beats none)
  and shown as late. Score 1-5, the phone's rating scale; the seed's target "处理后满意度评分≥8分"
  of 10 is 4 of 5 (8/10 × 5 = 4), the same line as "satisfied" in the KPIs (reports/kpis.py).
- Follow-ups [002 步骤4 持续1-3个月]: a case closes when the re-rating meets the target, or when
  3 months have passed since it was resolved (tracking ends there, satisfied or not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .sla import LEVELS

SEVERITIES = LEVELS  # urgent, important, normal
# Where a complaint came in [002 §一: 电话、邮件、在线平台; 社交媒体]; sign_off: a low rating at sign-off.
CHANNELS = ("phone", "email", "online", "wechat", "social_media", "in_person", "sign_off")
STATUSES = ("open", "contacted", "diagnosing", "resolved", "closed")
# Seed 002 步骤1: 紧急 2 h, 重要 4 h, 一般 24 h (config RECOVERY_FIRST_CONTACT_HOURS overrides).
DEFAULT_HOURS = {"urgent": 2.0, "important": 4.0, "normal": 24.0}
RERATING_FROM, RERATING_UNTIL = timedelta(days=3), timedelta(days=7)
SCORE_MIN, SCORE_MAX = 1, 5
TARGET_SCORE = 4  # of 5 = seed 002 表2 "处理后满意度评分≥8分" of 10
TRACK_FOR = timedelta(days=90)  # seed 002 步骤4: 持续1-3个月
KEEP_GOING_AFTER = timedelta(days=7)  # a re-rating under the target: call again a week later


def first_contact_due(opened: datetime, level: str, hours: Mapping[str, float]) -> datetime:
    return opened + timedelta(hours=float(hours.get(level, DEFAULT_HOURS["normal"])))


def low_rating_severity(quality: int, attitude: int) -> str:
    """A rating of 1 is a customer "情绪激烈" (002 重要); a merely low one is 一般."""
    return "important" if min(quality, attitude) <= 1 else "normal"


def is_overdue(status: str, due: datetime | None, contacted_at: datetime | None, now: datetime) -> bool:
    """Not yet contacted and past the first-contact deadline."""
    return status == "open" and contacted_at is None and due is not None and due < now


def rerating_window(resolved_at: datetime) -> tuple[datetime, datetime]:
    return resolved_at + RERATING_FROM, resolved_at + RERATING_UNTIL


def may_close(score: int | None, resolved_at: datetime | None, now: datetime) -> bool:
    """Satisfied at the re-rating, or tracked for 3 months since the fix."""
    if resolved_at is None:
        return False
    return (score is not None and score >= TARGET_SCORE) or now >= resolved_at + TRACK_FOR


# ---------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class CaseFacts:
    """What the recovery KPIs need of one case."""

    opened_at: datetime
    due_at: datetime | None
    contacted_at: datetime | None
    rerating_score: int | None


@dataclass
class RecoveryKpis:
    cases: int
    first_contact_hours_mean: float | None  # opened → first contact, hours
    contacted_in_time_rate: float | None  # first contact by the deadline, of the cases judged
    contacted_judged: int
    rerating_mean: float | None  # of 5
    rerating_target: int
    rerating_met_rate: float | None  # re-ratings at or above the target
    rerated: int


def recovery_kpis(cases: list[CaseFacts], now: datetime) -> RecoveryKpis:
    hours = [(c.contacted_at - c.opened_at).total_seconds() / 3600 for c in cases if c.contacted_at]
    judged = [
        c.contacted_at <= c.due_at if c.contacted_at else False
        for c in cases
        if c.due_at is not None and (c.contacted_at is not None or c.due_at < now)
    ]
    scores = [c.rerating_score for c in cases if c.rerating_score is not None]
    return RecoveryKpis(
        cases=len(cases),
        first_contact_hours_mean=round(sum(hours) / len(hours), 2) if hours else None,
        contacted_in_time_rate=round(sum(judged) / len(judged), 4) if judged else None,
        contacted_judged=len(judged),
        rerating_mean=round(sum(scores) / len(scores), 2) if scores else None,
        rerating_target=TARGET_SCORE,
        rerating_met_rate=round(sum(s >= TARGET_SCORE for s in scores) / len(scores), 4) if scores else None,
        rerated=len(scores),
    )
