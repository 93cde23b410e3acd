"""Signing in with a password, shared by the REST API and the office's sign-in page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..errors import ApiError
from ..extensions import db
from ..models import User
from .passwords import verify_password


def login_limit() -> str:
    """The sign-in rate limit (config LOGIN_RATE_LIMIT), per client address."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def check_credentials(email: str, password: str) -> User:
    """The active user with these credentials, or a 401 that does not say which part was wrong."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        raise ApiError(401, "Email or password is wrong.")
    return user
