"""Signing in with a password, shared by the REST API and the office's sign-in page.

One budget for every password route (`password_attempts`, per client address, kept in the
limiter's storage: Redis with several workers) and one answer for every wrong credential.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from ..domain.errors import M_, Unauthenticated
from ..extensions import db, limiter
from ..models import User
from .passwords import verify_password

WRONG_CREDENTIALS = M_("Email or password is wrong, or this account may not sign in here.")


def login_limit() -> str:
    """The sign-in rate limit (config LOGIN_RATE_LIMIT), per client address."""
    return current_app.config["LOGIN_RATE_LIMIT"]


# Every route that checks a password (API login, token, the office page) spends this one
# budget per client address, so a guesser cannot multiply attempts by switching routes.
password_attempts = limiter.shared_limit(login_limit, scope="password", methods=["POST"])


def check_credentials(email: str, password: str, may_sign_in_here: Callable[[User], bool] | None = None) -> User:
    """The active user with these credentials, or Unauthenticated that does not say what was wrong.

    `may_sign_in_here` narrows who may sign in on a route (the office: dispatchers and
    managers). A technician's right password there gets the very answer a wrong one gets:
    a different answer would tell a guesser that the password is right.
    """
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    ok = verify_password(user.password_hash if user else None, password) and user.active
    if not ok or (may_sign_in_here is not None and not may_sign_in_here(user)):
        raise Unauthenticated("auth.wrong_credentials", WRONG_CREDENTIALS)
    return user
