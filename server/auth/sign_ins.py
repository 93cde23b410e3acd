"""Signed-in devices: one revocable row per sign-in, bearer tokens with expiry, deactivation.

A browser session and its remember cookie carry a random per-sign-in token (Flask-Login's
`get_id()`), a bearer token is its own secret; both are stored as SHA-256 digests and looked
up on every request, so revoking one here ends it everywhere at once, whatever cookie or
header a lost phone still holds.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..domain.errors import M_, Invalid, NotFound
from ..extensions import db
from ..models import ApiToken, SignIn, User, utcnow

PASSWORD, PASSKEY = "password", "passkey"


def digest(secret: str) -> str:
    """The stored form of a session or bearer token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def idle_lifetime() -> timedelta:
    """A sign-in unused this long is over (config SIGN_IN_IDLE_DAYS)."""
    return timedelta(days=float(current_app.config["SIGN_IN_IDLE_DAYS"]))


def touch_interval() -> timedelta:
    """`last_seen_at`/`last_used_at` are written at most this often (a write per request is dear)."""
    return timedelta(seconds=float(current_app.config["AUTH_TOUCH_SECONDS"]))


# --- browser sign-ins -------------------------------------------------------------------------


def start(
    user: User,
    method: str,
    *,
    passkey_id: str | None = None,
    user_agent: str | None = None,
    replaces: str | None = None,
) -> str:
    """Record a new sign-in for `user` and return its token (not committed).

    `replaces` is the token of the sign-in this browser held before, revoked here: a sign-in
    always rotates the token, so a copy of the old cookie stops working.
    """
    if replaces:
        revoke_token(replaces)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        SignIn(
            user_id=user.id,
            token_sha256=digest(token),
            method=method,
            passkey_id=passkey_id,
            user_agent=(user_agent or "")[:200] or None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + idle_lifetime(),
        )
    )
    user.sign_in_token = token
    return token


def load(token: str) -> User | None:
    """The active user of a live sign-in token, else None; notes the use at most once a minute."""
    row = db.session.execute(
        sa.select(SignIn, User).join(User, User.id == SignIn.user_id).where(SignIn.token_sha256 == digest(token))
    ).first()
    if row is None:
        return None
    sign_in, user = row
    now = utcnow()
    if sign_in.revoked_at is not None or sign_in.expires_at <= now or not user.active:
        return None
    if now - sign_in.last_seen_at >= touch_interval():
        _touch(
            sa.update(SignIn).where(SignIn.id == sign_in.id).values(last_seen_at=now, expires_at=now + idle_lifetime())
        )
    user.sign_in_token = token
    return user


def revoke_token(token: str) -> None:
    """End the sign-in with this token, if it is one (logout; not committed)."""
    db.session.execute(
        sa.update(SignIn)
        .where(SignIn.token_sha256 == digest(token), SignIn.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke(user: User, sign_in_id: str) -> SignIn:
    """End one of `user`'s sign-ins by id (a lost phone); NotFound when it is not theirs."""
    sign_in = db.session.scalar(sa.select(SignIn).where(SignIn.id == sign_in_id, SignIn.user_id == user.id))
    if sign_in is None:
        raise NotFound("sign_in.not_found", M_("No signed-in device with id %(id)s."), {"id": sign_in_id})
    if sign_in.revoked_at is None:
        sign_in.revoked_at = utcnow()
    return sign_in


def revoke_all(user: User, *, keep_token: str | None = None, tokens: bool = True) -> int:
    """End every sign-in of `user` (but the one holding `keep_token`), and their bearer tokens."""
    stmt = sa.update(SignIn).where(SignIn.user_id == user.id, SignIn.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(SignIn.token_sha256 != digest(keep_token))
    ended = db.session.execute(stmt.values(revoked_at=utcnow())).rowcount or 0
    if tokens:
        ended += db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0
    return ended


def revoke_for_passkey(passkey_id: str) -> int:
    """End the sign-ins a passkey started (before the passkey is removed)."""
    return (
        db.session.execute(
            sa.update(SignIn)
            .where(SignIn.passkey_id == passkey_id, SignIn.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
        or 0
    )


def live_sign_ins(user: User) -> list[SignIn]:
    """`user`'s sign-ins that still work, most recently seen first."""
    return list(
        db.session.scalars(
            sa.select(SignIn)
            .where(SignIn.user_id == user.id, SignIn.revoked_at.is_(None), SignIn.expires_at > utcnow())
            .order_by(SignIn.last_seen_at.desc(), SignIn.id)
        )
    )


def deactivate(user: User) -> int:
    """Deactivate `user`: no sign-in, no session, no token works any more (not committed)."""
    user.active = False
    return revoke_all(user)


# --- bearer tokens ----------------------------------------------------------------------------


def issue_token(user: User, name: str, days: float | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token for `user`; only its digest is kept, so the secret is returned once."""
    secret = "ons_" + secrets.token_urlsafe(32)
    lifetime = timedelta(days=float(days or current_app.config["API_TOKEN_DAYS"]))
    record = ApiToken(user_id=user.id, token_sha256=digest(secret), name=name, expires_at=utcnow() + lifetime)
    db.session.add(record)
    return secret, record


def load_token(secret: str) -> tuple[User, ApiToken] | None:
    """The active user of a live bearer token and the token; notes the use at most once a minute."""
    row = db.session.execute(
        sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_sha256 == digest(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if token.expires_at <= now or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= touch_interval():
        _touch(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return user, token


def live_tokens(user: User) -> list[ApiToken]:
    """`user`'s bearer tokens that still work, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def revoke_api_token(user: User, token_id: str) -> None:
    """Delete one of `user`'s bearer tokens; NotFound when it is not theirs (not committed)."""
    deleted = db.session.execute(
        sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).rowcount
    if not deleted:
        raise NotFound("token.not_found", M_("No API token with id %(id)s among yours."), {"id": token_id})


def _touch(statement) -> None:
    """Write a last-use time in its own short transaction, before the view runs.

    The user loaders run before the view, so nothing else is pending and the commit carries
    only this; should something be pending, the write rides on the view's own commit. A
    failure here must never refuse the request.
    """
    pending = bool(db.session.new or db.session.dirty or db.session.deleted)
    try:
        db.session.execute(statement)
        if not pending:
            db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()


def expires_for_lane(now: datetime) -> dict:
    """Parameters for the idle-pull lane's SQL (kept here beside the rules they mirror)."""
    return {"now": now, "stale": now - touch_interval()}


def change_password(user: User, current: str, new: str, *, keep_token: str | None = None) -> int:
    """Set a new password after checking the current one; every other sign-in and every bearer
    token of the account ends (the one making the change, `keep_token`, stays). Not committed."""
    from .passwords import WeakPassword, hash_password, verify_password

    if not verify_password(user.password_hash, current):
        raise Invalid(
            "auth.wrong_password",
            M_("The current password is wrong."),
            fields={"current_password": [M_("The current password is wrong.")]},
        )
    try:
        user.password_hash = hash_password(new, user.email)
    except WeakPassword as exc:
        raise Invalid(
            "password.weak",
            M_("The new password is refused: %(reason)s"),
            {"reason": str(exc)},
            fields={"new_password": [M_("The new password is refused: %(reason)s")]},
        ) from exc
    return revoke_all(user, keep_token=keep_token)
