"""Who is asking: Flask-Login sessions for browsers, bearer tokens for other clients."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import Flask, g, request

from ..errors import ApiError
from ..extensions import db, login_manager
from ..models import ApiToken, User


def token_digest(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> str:
    """Create a bearer token for `user`; only its digest is kept, so return it once."""
    token = "ons_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), name=name))
    return token


def parse_bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if that is what it is."""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def bearer_token() -> str | None:
    """The bearer token of this request, if it sent one."""
    return parse_bearer(request.headers.get("Authorization", ""))


def init_app(app: Flask) -> None:
    """Teach Flask-Login to load users from the session and from bearer tokens."""
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str):
        user = db.session.get(User, user_id)
        return user if user and user.active else None

    @login_manager.request_loader
    def _from_token(req):
        token = bearer_token()
        if not token:
            return None
        # One query for the token and its user (not the token, then its user lazily).
        user = db.session.scalar(
            sa.select(User).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_sha256 == token_digest(token))
        )
        if user is None or not user.active:
            return None
        g.auth_via_token = True
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        raise ApiError(401, "Sign in first (session cookie or bearer token).")
