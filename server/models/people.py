"""Staff accounts and how they sign in: passwords, passkeys and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, UUIDStr, new_id, utcnow


class Role(str, enum.Enum):
    """What a staff member does, which decides what they may see."""

    TECHNICIAN = "technician"
    DISPATCHER = "dispatcher"
    MANAGER = "manager"


class User(UserMixin, db.Model):
    """A staff member who signs in: technician, dispatcher or manager."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    locale: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="zh-CN")
    # 上岗证: the badge number and photo a customer checks at the door [seed 003 §三(四)3],
    # shown on the tracking page; the photo's bytes live in the blob store.
    badge_no: Mapped[str | None] = mapped_column(sa.String(20))
    # The cities a technician covers (free text, e.g. "杭州 绍兴"): dispatch warns when a job's address
    # names another city (issue #14). Empty: no area, no warning.
    service_area: Mapped[str | None] = mapped_column(sa.String(80))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # Random per-user handle for WebAuthn (never the email: privacy of the authenticator).
    webauthn_user_handle: Mapped[bytes] = mapped_column(sa.LargeBinary(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    passkeys: Mapped[list[Passkey]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    # The secret of the sign-in this request runs under (server/auth/session.py sets it).
    # Flask-Login keeps get_id() in the session and the remember cookie, so both carry the
    # per-sign-in token rather than the user id: revoking its SignIn row ends them.
    sign_in_token = None  # str | None, a plain attribute (not a column)

    def get_id(self) -> str | None:
        return self.sign_in_token

    # UserMixin compares users by get_id(); two users outside any sign-in are not equal.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user holds one of the given roles."""
        return self.role in {r.value if isinstance(r, Role) else r for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Passkey(db.Model):
    """A WebAuthn credential registered by a user."""

    __tablename__ = "passkeys"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1024), unique=True, nullable=False)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    transports: Mapped[list | None] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False, default="Passkey")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="passkeys")


class ApiToken(db.Model):
    """A bearer token for non-browser clients; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refused from this moment on (the idle-pull lane checks it in SQL too).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    user: Mapped[User] = relationship()


class SignIn(db.Model):
    """One signed-in browser or phone: the server-side half of a session and remember cookie.

    The cookie carries a random token whose SHA-256 is stored here; every request looks it
    up, so revoking the row (logout, a lost phone, deactivation, a removed passkey, a new
    password) ends the session and the remember cookie at once.
    """

    __tablename__ = "sign_ins"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    method: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # "password" or "passkey"
    # The passkey that started it: removing that passkey ends it.
    passkey_id: Mapped[str | None] = mapped_column(sa.ForeignKey("passkeys.id", ondelete="SET NULL"), index=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasskeyChallenge(db.Model):
    """A pending passkey ceremony when no Redis is configured: taken (deleted) once."""

    __tablename__ = "passkey_challenges"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    state: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
