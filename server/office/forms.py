"""Posted HTML forms: into the API's payloads (so pages and API validate the same way), and
through the one submit cycle every page uses: load, call the service, commit or roll back,
and the domain error mapped once to form errors in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash
from flask_babel import gettext
from marshmallow import Schema, ValidationError

from ..auth.access import UUID
from ..domain.errors import DomainError
from ..domain.service_day import parse_local
from ..errors import status_of
from ..extensions import db
from ..i18n import label
from ..wire.fields import EARLIEST, LATEST
from .i18n import current_language


def form_payload(form, datetime_fields=(), checkbox_fields=()) -> dict:
    """Non-empty form values; local date-times made aware; ticked boxes as True."""
    data = {k: v.strip() for k, v in form.items() if k != "csrf_token" and v.strip() != ""}
    for name in datetime_fields:
        if name in data:
            try:
                data[name] = parse_local(data[name]).isoformat()
            except ValueError:
                pass  # left as typed: the schema names the field
    for name in checkbox_fields:
        data[name] = name in form
    return data


def load(schema: Schema, data: dict) -> tuple[dict | None, dict]:
    """(validated data, {}) or (None, field errors)."""
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, errors


# Params that name a work-order status: shown with the glossary's word for it.
STATUS_PARAMS = ("status", "current", "target")


def form_errors(exc: DomainError) -> dict:
    """A domain error as form errors, translated and filled in: its field messages under their
    fields, or its message under _schema when it names no field. The one place the office
    words a service's "no" (by its msgids, never by matching English text)."""
    lang = current_language()
    worded = {
        name: label("status", value, lang) if name in STATUS_PARAMS and isinstance(value, str) else value
        for name, value in exc.params.items()
    }
    shown = DomainError(exc.code, exc.message, worded, exc.fields)
    fields = shown.field_texts(gettext)
    return fields if fields else {"_schema": [shown.text(gettext)]}


def submit(
    schema: Schema | None,
    payload: dict,
    action: Callable[[dict], Any],
    *,
    render: Callable[[dict, int, DomainError | None], Any],
    done: Callable[[Any], Any],
    message: str | None = None,
    category: str = "success",
):
    """One form post: load `payload` with `schema`, call `action(data)` (the service), then
    commit, flash `message` and answer `done(result)` (usually a redirect). Invalid input or a
    DomainError from the service rolls back and answers `render(errors, status, error)`: the
    page again with the errors (422, or the domain error's status)."""
    data, errors = load(schema, payload) if schema is not None else (payload, {})
    status, error = 422, None
    if not errors:
        try:
            result = action(data)
        except DomainError as exc:
            db.session.rollback()
            errors, status, error = form_errors(exc), status_of(exc), exc
    if errors:
        return render(errors, status, error)
    db.session.commit()
    if message:
        flash(message, category)
    return done(result)


def flat_messages(errors) -> list[str]:
    """Every message in a nested marshmallow error dict, in order."""
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in flat_messages(value)]
    return [m for value in errors for m in flat_messages(value)]


def parse_day(value: str | None, default: date) -> date:
    """A day from a query string, or `default` when it is missing, malformed or absurd."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if EARLIEST <= day <= LATEST else default


def record_or_404(model, record_id: str):
    """A record by its UUID, or a 404 page (a malformed id never reaches the database)."""
    record = db.session.get(model, record_id) if UUID.match(record_id or "") else None
    if record is None:
        abort(404)
    return record


def uuid_or_none(value: str | None) -> str | None:
    """The value when it is a UUID, else None (for optional filters)."""
    return value if value and UUID.match(value) else None
