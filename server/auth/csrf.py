"""CSRF protection for writes that ride on the session cookie.

Bearer-token requests carry no ambient credential, so they need no token.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from ..extensions import csrf
from .session import bearer_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Trading a password for a bearer token starts no cookie session and returns the token
# only to the caller, so a forged cross-site request gains nothing; integrations call it
# without ever holding a session to take a CSRF token from.
EXEMPT_ENDPOINTS = {"auth.create_token"}


def signed_in_by_token() -> bool:
    """True when this request is authenticated by its bearer token, not by a cookie.

    A request that sends a cookie session (or remember cookie) and any Authorization
    header is still a cookie request: the header alone must not waive the CSRF check.
    A bearer token that signs nobody in waives it too; the view answers 401 anyway.
    """
    if not bearer_token():
        return False
    return not current_user.is_authenticated or bool(g.get("auth_via_token"))


def init_app(app: Flask) -> None:
    """Check the X-CSRFToken header on every unsafe cookie-authenticated request."""
    csrf.init_app(app)

    @app.before_request
    def _check():
        if (
            request.method in UNSAFE
            and app.config["WTF_CSRF_ENABLED"]
            and request.endpoint not in EXEMPT_ENDPOINTS
            and not signed_in_by_token()
        ):
            csrf.protect()
