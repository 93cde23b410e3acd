"""Who is asking: Flask-Login sessions for browsers, bearer tokens for other clients.

Both resolve through a server-side row (server/auth/sign_ins.py): the session and the
remember cookie carry a per-sign-in token, not the user id, so revoking that row refuses
them on the next request.
"""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_login import login_user, logout_user

from ..domain.errors import M_, Unauthenticated
from ..extensions import login_manager
from ..models import User
from . import sign_ins
from .sign_ins import digest as token_digest  # noqa: F401  (the idle-pull lane's digest)


def issue_token(user: User, name: str, days: float | None = None) -> str:
    """Create a bearer token for `user`; only its digest is kept, so return it once."""
    return sign_ins.issue_token(user, name, days)[0]


def parse_bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if that is what it is."""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def bearer_token() -> str | None:
    """The bearer token of this request, if it sent one."""
    return parse_bearer(request.headers.get("Authorization", ""))


def current_sign_in_token() -> str | None:
    """The sign-in token this browser's session carries (None without one)."""
    value = session.get("_user_id")
    return value if isinstance(value, str) else None


def sign_in(user: User, method: str, *, remember: bool, passkey_id: str | None = None) -> None:
    """Start a fresh session for `user` with a new server-side sign-in (commit after).

    The session is cleared (no fixation) and the sign-in this browser held before is
    revoked: the token rotates at every sign-in.
    """
    previous = current_sign_in_token()
    keep = {k: session[k] for k in ("office_lang",) if k in session}
    session.clear()
    session.update(keep)
    sign_ins.start(user, method, passkey_id=passkey_id, user_agent=request.headers.get("User-Agent"), replaces=previous)
    login_user(user, remember=remember)


def sign_out() -> None:
    """Revoke this browser's sign-in and clear its session (commit after)."""
    token = current_sign_in_token()
    if token:
        sign_ins.revoke_token(token)
    session.clear()
    logout_user()  # after the clear: it leaves the mark that deletes the remember cookie


def init_app(app: Flask) -> None:
    """Teach Flask-Login to load users from sign-in tokens and from bearer tokens."""
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(token: str):
        return sign_ins.load(token) if isinstance(token, str) and token else None

    @login_manager.request_loader
    def _from_token(req):
        token = bearer_token()
        if not token:
            return None
        found = sign_ins.load_token(token)
        if found is None:
            return None
        g.auth_via_token = True
        return found[0]

    @login_manager.unauthorized_handler
    def _unauthorized():
        raise Unauthenticated("auth.sign_in_required", M_("Sign in first (session cookie or bearer token)."))
