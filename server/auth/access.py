"""Small helpers views use to ask the permissions module and answer 403/404."""

from __future__ import annotations

import re

from flask_login import current_user

from ..domain.errors import M_, Forbidden, NotFound
from ..extensions import db
from ..models import UUID_RE
from . import permissions

UUID = re.compile(UUID_RE.replace("$", r"\Z"))


def require_office() -> None:
    """403 unless the caller is a dispatcher or manager."""
    if not permissions.is_office(current_user):
        raise Forbidden("access.office_only", M_("Only dispatchers and managers may do this."))


def require_manager() -> None:
    """403 unless the caller is a manager."""
    if not current_user.has_role("manager"):
        raise Forbidden("access.managers_only", M_("Only managers may do this."))


def _not_an_id(record_id: str) -> bool:
    # Ids are UUIDs; anything else cannot name a record, and odd bytes (NUL) in it
    # would make PostgreSQL fail the query: answer 404 without asking the database.
    return not UUID.match(record_id)


def get_or_404(model, record_id: str, label: str):
    """Load a record or answer 404 naming what was not found."""
    obj = None if _not_an_id(record_id) else db.session.get(model, record_id)
    if obj is None:
        raise NotFound("access.not_found", M_("No %(label)s with id %(id)s."), {"label": label, "id": record_id})
    return obj


def visible_or_404(model, record_id: str, condition, label: str):
    """Load a record the caller may see; someone else's record is a 404, not a 403 (no probing)."""
    obj = None if _not_an_id(record_id) else db.session.scalar(db.select(model).where(model.id == record_id, condition))
    if obj is None:
        raise NotFound(
            "access.not_found", M_("No %(label)s with id %(id)s that you may see."), {"label": label, "id": record_id}
        )
    return obj
