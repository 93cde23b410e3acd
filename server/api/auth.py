"""Sign in and out with a password, the current session, CSRF token and API tokens."""
from __future__ import annotations

from flask import current_app, g, session
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from ..auth.session import issue_token
from ..auth.sign_in import check_credentials, login_limit
from ..extensions import db, limiter
from .schemas.auth import LoginIn, SessionOut, TokenIn, TokenOut

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Sign in, sessions and tokens")


# Login and token creation both check a password: one budget for both, per client address,
# so a guesser cannot double their attempts by alternating endpoints.
password_attempts = limiter.shared_limit(login_limit, scope="password", methods=["POST"])


def new_session() -> None:
    """Start an empty session; its CSRF token goes with it, including the copy cached in `g`."""
    session.clear()
    # generate_csrf() caches the token in g; a stale copy would be handed out without
    # being stored in the new session, and every later write would fail the CSRF check.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)


def session_body(user) -> dict:
    return {"user": user if user and user.is_authenticated else None, "csrf_token": generate_csrf()}


@blp.route("/login", methods=["POST"])
@password_attempts
@blp.arguments(LoginIn)
@blp.response(200, SessionOut)
def login(body):
    """Sign in with email and password; starts a session cookie."""
    user = check_credentials(body["email"], body["password"])
    new_session()  # no session fixation: a fresh session for the signed-in user
    login_user(user, remember=body["remember"])
    return session_body(user)


@blp.route("/logout", methods=["POST"])
@blp.response(200, SessionOut)
def logout():
    """Sign out and end the session."""
    new_session()
    logout_user()  # after the clear: it leaves the mark that deletes the remember cookie
    return session_body(None)


@blp.route("/session")
@blp.response(200, SessionOut)
def current_session():
    """Who is signed in (user null when nobody), and the CSRF token for writes."""
    return session_body(current_user)


@blp.route("/token", methods=["POST"])
@password_attempts
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
def create_token(body):
    """Trade email and password for a bearer token (for integrations and test harnesses)."""
    user = check_credentials(body["email"], body["password"])
    token = issue_token(user, body["name"])
    db.session.commit()
    return {"token": token, "user": user}


@blp.route("/me")
@blp.response(200, SessionOut)
@login_required
def me():
    """The signed-in user."""
    return session_body(current_user)
