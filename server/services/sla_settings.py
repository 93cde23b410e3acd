"""Settings a manager changes at run time, stored in the database over the config defaults."""

from __future__ import annotations

from flask import current_app

from ..domain.sla import LEVELS
from ..extensions import db
from ..models import OfficeSetting, User, utcnow

RESPONSE = "sla_response_hours"
RESOLUTION = "sla_resolution_hours"
LOW_RATING = "low_rating_threshold"


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
