"""CSRF protection for writes that ride on the session cookie.

Bearer-token requests carry no ambient credential, so they need no token.
"""
from __future__ import annotations

from flask import Flask, request

from ..extensions import csrf
from .session import bearer_token

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    """Check the X-CSRFToken header on every unsafe cookie-authenticated request."""
    csrf.init_app(app)

    @app.before_request
    def _check():
        if request.method in UNSAFE and not bearer_token() and app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
