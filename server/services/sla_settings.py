"""Settings a manager changes at run time, stored in the database over the config defaults."""

from __future__ import annotations

from datetime import date

from flask import current_app

from ..domain.errors import M_, Invalid
from ..domain.sla import LEVELS
from ..domain.work_calendar import WEEKDAYS, WorkCalendar, parse_clock
from ..extensions import db
from ..models import OfficeSetting, User, utcnow

RESPONSE = "sla_response_hours"
RESOLUTION = "sla_resolution_hours"
LOW_RATING = "low_rating_threshold"
CALENDAR = "work_calendar"


def _stored(key: str):
    row = db.session.get(OfficeSetting, key)
    return row.value if row else None


def sla_hours() -> dict[str, dict[str, float]]:
    """{"response": {priority: hours}, "resolution": {...}}: stored values over the config."""
    result = {}
    for name, key, config_key in (
        ("response", RESPONSE, "SLA_RESPONSE_HOURS"),
        ("resolution", RESOLUTION, "SLA_RESOLUTION_HOURS"),
    ):
        hours = dict(current_app.config[config_key])
        hours.update((_stored(key) or {}).get("hours", {}))
        result[name] = {level: float(hours[level]) for level in LEVELS}
    return result


def low_rating_threshold() -> int:
    """Ratings at or below this count as dissatisfied."""
    stored = _stored(LOW_RATING)
    return int(stored["value"]) if stored else int(current_app.config["LOW_RATING_THRESHOLD"])


def _put(key: str, value: dict, user: User) -> None:
    row = db.session.get(OfficeSetting, key)
    if row is None:
        row = OfficeSetting(key=key, value=value)
        db.session.add(row)
    row.value, row.updated_at, row.updated_by_id = value, utcnow(), user.id


def save(response: dict[str, float], resolution: dict[str, float], low_rating: int, user: User) -> None:
    """Store new SLA hours and threshold (caller commits); existing deadlines are not moved."""
    _put(RESPONSE, {"hours": {k: float(response[k]) for k in LEVELS}}, user)
    _put(RESOLUTION, {"hours": {k: float(resolution[k]) for k in LEVELS}}, user)
    _put(LOW_RATING, {"value": int(low_rating)}, user)


# --- the working-hours calendar -------------------------------------------------------------


def calendar_settings() -> dict:
    """{"hours": {weekday: [open, close] | None}, "holidays": [date], "after_hours_response_hours": h}:
    the stored calendar over the config defaults (seed 000 §二(一)2 and §二(二)1)."""
    stored = _stored(CALENDAR) or {}
    config = current_app.config
    hours = stored.get("hours", config["WORK_HOURS"])
    return {
        "hours": {d: (list(hours[d]) if hours.get(d) else None) for d in WEEKDAYS},
        "holidays": sorted(date.fromisoformat(d) for d in stored.get("holidays", config["WORK_HOLIDAYS"])),
        "after_hours_response_hours": float(
            stored.get("after_hours_response_hours", config["SLA_AFTER_HOURS_RESPONSE_HOURS"])
        ),
    }


def work_calendar() -> WorkCalendar:
    """The calendar SLA clocks count in (service-area time)."""
    settings = calendar_settings()
    return WorkCalendar.from_hours(settings["hours"], settings["holidays"])


def after_hours_response_hours() -> float:
    return calendar_settings()["after_hours_response_hours"]


def save_calendar(
    hours: dict[str, list[str] | None], holidays: list[date], after_hours_response: float, user: User
) -> None:
    """Store working hours per weekday, holidays and the after-hours response (caller commits).
    Existing deadlines are not moved."""
    fields: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        span = hours.get(day)
        if not span:
            continue
        try:
            opens, closes = parse_clock(span[0]), parse_clock(span[1])
        except (ValueError, IndexError):
            fields[f"hours.{day}"] = [M_("Give the time as HH:MM.")]
            continue
        if opens >= closes:
            fields[f"hours.{day}"] = [M_("The working day must close after it opens.")]
    if fields:
        raise Invalid("calendar.bad_hours", M_("Please correct the working hours."), fields=fields)
    if not any(hours.get(day) for day in WEEKDAYS):
        raise Invalid(
            "calendar.no_working_day",
            M_("At least one weekday must have working hours."),
            fields={"hours": [M_("At least one weekday must have working hours.")]},
        )
    value = {
        "hours": {d: ([hours[d][0], hours[d][1]] if hours.get(d) else None) for d in WEEKDAYS},
        "holidays": sorted({d.isoformat() for d in holidays}),
        "after_hours_response_hours": float(after_hours_response),
    }
    _put(CALENDAR, value, user)
