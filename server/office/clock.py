"""Local time of the service area (UTC+8): office days, and form fields typed in local time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

# Appointments and office days are in China Standard Time (no daylight saving).
SERVICE_TZ = timezone(timedelta(hours=8))


def local_today(now: datetime | None = None) -> date:
    """Today's date in the service area."""
    return (now or datetime.now(timezone.utc)).astimezone(SERVICE_TZ).date()


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the local days first..last, as aware datetimes."""
    last = last or first
    return (
        datetime.combine(first, time.min, SERVICE_TZ),
        datetime.combine(last + timedelta(days=1), time.min, SERVICE_TZ),
    )


def parse_local(value: str | None) -> datetime | None:
    """A datetime-local form value ("2026-11-23T14:00") read as service-area time."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SERVICE_TZ)


def to_local(moment: datetime | None) -> datetime | None:
    """An aware datetime shown in service-area time."""
    return moment.astimezone(SERVICE_TZ) if moment else None
