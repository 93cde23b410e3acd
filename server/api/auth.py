"""Sign in and out with a password, the current session, CSRF token, API tokens and signed-in devices."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from ..auth import sign_ins
from ..auth.session import current_sign_in_token, sign_in, sign_out
from ..auth.sign_in import check_credentials, password_attempts
from ..extensions import db
from .schemas.auth import (
    LoginIn,
    PasswordChangeIn,
    SessionOut,
    SignInOut,
    TokenCreateIn,
    TokenInfoOut,
    TokenOut,
)

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Sign in, sessions and tokens")


def new_session() -> None:
    """Forget the CSRF token cached in `g`: the new session gets its own.

    generate_csrf() caches the token in g; a stale copy would be handed out without
    being stored in the new session, and every later write would fail the CSRF check.
    """
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)


def session_body(user) -> dict:
    return {"user": user if user and user.is_authenticated else None, "csrf_token": generate_csrf()}


@blp.route("/login", methods=["POST"])
@password_attempts
@blp.arguments(LoginIn)
@blp.response(200, SessionOut)
def login(body):
    """Sign in with email and password; starts a session cookie (a new revocable sign-in)."""
    user = check_credentials(body["email"], body["password"])
    new_session()
    sign_in(user, sign_ins.PASSWORD, remember=body["remember"])  # no fixation: a fresh session and token
    db.session.commit()
    return session_body(user)


@blp.route("/logout", methods=["POST"])
@blp.response(200, SessionOut)
def logout():
    """Sign out: this browser's sign-in is revoked, so a saved copy of its cookies stops working too."""
    new_session()
    sign_out()
    db.session.commit()
    return session_body(None)


@blp.route("/session")
@blp.response(200, SessionOut)
def current_session():
    """Who is signed in (user null when nobody), and the CSRF token for writes."""
    return session_body(current_user)


@blp.route("/token", methods=["POST"])
@password_attempts
@blp.arguments(TokenCreateIn)
@blp.response(201, TokenOut)
def create_token(body):
    """Trade email and password for a bearer token that expires (for integrations and test harnesses)."""
    user = check_credentials(body["email"], body["password"])
    secret, record = sign_ins.issue_token(user, body["name"], body.get("expires_in_days"))
    db.session.commit()
    return {"token": secret, "id": record.id, "expires_at": record.expires_at, "user": user}


@blp.route("/tokens", methods=["GET"])
@login_required
@blp.response(200, TokenInfoOut(many=True))
def list_tokens():
    """The signed-in user's bearer tokens that still work, newest first (never the secrets)."""
    return sign_ins.live_tokens(current_user)


@blp.route("/tokens/<string:token_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of one's own bearer tokens; anyone else's is a 404."""
    sign_ins.revoke_api_token(current_user, token_id)
    db.session.commit()


@blp.route("/sign-ins", methods=["GET"])
@login_required
@blp.response(200, SignInOut(many=True))
def list_sign_ins():
    """The browsers and phones signed in to one's account, most recently seen first."""
    mine = current_sign_in_token()
    here = sign_ins.digest(mine) if mine else None
    return [{**_sign_in_fields(s), "current": s.token_sha256 == here} for s in sign_ins.live_sign_ins(current_user)]


@blp.route("/sign-ins/<string:sign_in_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_sign_in(sign_in_id):
    """Sign out one of one's own browsers or phones; anyone else's is a 404."""
    sign_ins.revoke(current_user, sign_in_id)
    db.session.commit()


@blp.route("/password", methods=["POST"])
@password_attempts
@login_required
@blp.arguments(PasswordChangeIn)
@blp.response(200, SessionOut)
def change_password(body):
    """Change one's password: every other sign-in and every bearer token of the account ends."""
    sign_ins.change_password(
        current_user, body["current_password"], body["new_password"], keep_token=current_sign_in_token()
    )
    db.session.commit()
    return session_body(current_user)


@blp.route("/me")
@blp.response(200, SessionOut)
@login_required
def me():
    """The signed-in user."""
    return session_body(current_user)


def _sign_in_fields(s) -> dict:
    return {k: getattr(s, k) for k in ("id", "method", "user_agent", "created_at", "last_seen_at", "expires_at")}
