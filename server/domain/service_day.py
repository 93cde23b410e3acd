"""Days as the service area counts them (China Standard Time, UTC+8).

Appointments and timestamps are stored in UTC; "today", a day's jobs, the office's
days and the date in a ticket number are the service area's days. This is the one
place that says what "today" is: nothing else asks `date.today()` or the host's clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

# China Standard Time has no daylight saving.
SERVICE_TZ = timezone(timedelta(hours=8))


def day_start(day: date) -> datetime:
    """The first moment of `day` in the service area."""
    return datetime.combine(day, time.min, SERVICE_TZ)


def service_date(moment: datetime) -> date:
    """The service-area day that an aware `moment` falls on."""
    return moment.astimezone(SERVICE_TZ).date()


def today(now: datetime | None = None) -> date:
    """Today in the service area."""
    return service_date(now or datetime.now(UTC))


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the service-area days first..last, as aware datetimes."""
    return day_start(first), day_start((last or first) + timedelta(days=1))


def parse_local(value: str | None) -> datetime | None:
    """A datetime-local form value ("2026-11-23T14:00") read as service-area time."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SERVICE_TZ)


def to_local(moment: datetime | None) -> datetime | None:
    """An aware datetime shown in service-area time."""
    return moment.astimezone(SERVICE_TZ) if moment else None


def format_local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """An aware datetime as service-area text, or '' for none."""
    local = to_local(moment)
    return local.strftime(pattern) if local else ""
