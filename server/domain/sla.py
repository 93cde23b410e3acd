"""SLA clocks: response and resolution deadlines from priority and customer tier."""

from __future__ import annotations

from datetime import datetime, timedelta

LEVELS = ("urgent", "important", "normal")


def effective_priority(priority: str, tier: str) -> str:
    """VIP customers are raised one level (normal -> important -> urgent) [000, 004]."""
    if tier == "vip" and priority in LEVELS:
        return LEVELS[max(0, LEVELS.index(priority) - 1)]
    return priority


def deadlines(
    created_at: datetime,
    priority: str,
    tier: str,
    response_hours: dict[str, float],
    resolution_hours: dict[str, float],
) -> tuple[datetime, datetime]:
    """(response_due, resolution_due) for a request taken in at `created_at`."""
    level = effective_priority(priority, tier)
    return (
        created_at + timedelta(hours=response_hours[level]),
        created_at + timedelta(hours=resolution_hours[level]),
    )


def time_left(due: datetime, now: datetime) -> timedelta:
    """Time until `due` (negative once breached)."""
    return due - now
