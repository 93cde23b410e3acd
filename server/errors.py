"""One JSON error body for the whole API: {"code", "status", "message", "errors"}.

Domain errors (server/domain/errors.py) are turned into HTTP here, once: the class gives
the status, the stable `reason` code and its `params` go into the body beside the
message in the request's language, so a client can word it itself.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .domain import errors as domain
from .error_bodies import ERRORS_MAX_MESSAGES, bound_errors, clip

log = logging.getLogger(__name__)
LOCATIONS = {"json", "query", "path", "form", "headers", "files", "view_args", "cookies"}
# Which HTTP status says each kind of "no" (most specific class first).
STATUS_OF = (
    (domain.NotFound, 404),
    (domain.Conflict, 409),
    (domain.Forbidden, 403),
    (domain.Unauthenticated, 401),
    (domain.Invalid, 422),
    (domain.DomainError, 422),
)


def status_of(exc: domain.DomainError) -> int:
    """The HTTP status of a domain error."""
    return next(status for kind, status in STATUS_OF if isinstance(exc, kind))


class ApiError(Exception):
    """Raise from a view to answer with a given status, message and field errors."""

    def __init__(self, status: int, message: str, errors: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.errors, self.extra = status, message, errors or {}, extra


def error_response(status: int, message: str | None = None, errors: dict | None = None, **extra):
    """Build the error response every API error uses."""
    body = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": clip(message or HTTPStatus(status).description, 1000),
        "errors": bound_errors(errors or {}),  # a bad body must not be echoed at length
        **extra,
    }
    return jsonify(body), status


def flatten_locations(messages: dict) -> dict:
    """webargs nests field errors under the request location; the API reports fields directly."""
    if not isinstance(messages, dict):
        return {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    if messages and set(messages) <= LOCATIONS:
        flat: dict = {}
        for part in messages.values():
            flat.update(part if isinstance(part, dict) else {"_schema": part})
        return flat
    return messages


def _describe(errors: dict) -> str:
    if set(errors) == {"_schema"}:  # about the body as a whole, e.g. "Invalid JSON body."
        return " ".join(str(m) for m in errors["_schema"])
    fields = ", ".join(sorted(str(k) for k in errors))
    return f"Invalid input in: {fields}" if fields else "Invalid input"


def _forget_changes() -> None:
    # An error answer must not leave half-made changes in the session for a later
    # commit (or a session stuck in "pending rollback" after a failed flush).
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # the error being answered matters more
        log.exception("rollback after an error failed")


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that give every error the same JSON body."""

    @app.errorhandler(domain.DomainError)
    def _domain_error(exc: domain.DomainError):
        _forget_changes()
        return error_response(
            status_of(exc),
            exc.text(gettext),
            exc.field_texts(gettext),
            reason=exc.code,
            params=exc.params,
            **exc.extra,
        )

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        _forget_changes()
        return error_response(exc.status, exc.message, exc.errors, **exc.extra)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(
            400,
            f"CSRF check failed: {exc.description} Send the csrf_token from "
            "GET /api/auth/session in the X-CSRFToken header.",
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        errors = flatten_locations(data.get("messages", {})) if "messages" in data else {}
        if len(errors) > ERRORS_MAX_MESSAGES:  # name only as many fields as the body shows
            errors = bound_errors(errors)
        _forget_changes()
        if exc.code in (400, 422) and errors:
            message = _describe(errors)
        elif exc.code == 429:  # Flask-Limiter's description is only the limit, e.g. "10 per 1 minute"
            message = f"Too many requests (limit: {exc.description}); wait a minute and try again."
        else:
            message = data.get("message") or exc.description
        response, status = error_response(exc.code or 500, message, errors)
        for name, value in getattr(exc, "get_headers", lambda: [])() or []:
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        _forget_changes()
        return error_response(500, "Internal error; it has been logged.")
