"""Days as the service area counts them (China Standard Time, UTC+8).

Appointments and timestamps are stored in UTC; "today", a day's jobs and the date in
a ticket number are the service area's days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

SERVICE_TZ = timezone(timedelta(hours=8))


def day_start(day: date) -> datetime:
    """The first moment of `day` in the service area."""
    return datetime.combine(day, time.min, SERVICE_TZ)


def service_date(moment: datetime) -> date:
    """The service-area day that an aware `moment` falls on."""
    return moment.astimezone(SERVICE_TZ).date()


def today(now: datetime | None = None) -> date:
    """Today in the service area."""
    return service_date(now or datetime.now(timezone.utc))
