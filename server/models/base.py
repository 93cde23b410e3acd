"""Column helpers and mixins shared by the models."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Ids are UUIDs in their text form, whoever made them (server or device).
UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new random UUID as text (the same form devices generate)."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


UUIDStr = sa.String(36)


class Versioned:
    """A record that devices can see: a UUID key and a version bumped on every change."""

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def bump(self) -> int:
        """Advance the version after a change and return it."""
        self.version = (self.version or 0) + 1
        return self.version


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the app's data keys (AES-GCM, see server/crypto.py).

    Ciphertexts are randomised, so the column cannot be compared in SQL: comparisons
    raise instead of silently matching nothing. Search through a keyed digest column.
    """

    impl = sa.Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            raise TypeError("an encrypted column cannot be compared in SQL; use its digest column")

    def process_bind_param(self, value, dialect):
        from ..crypto import app_ring, encrypt

        return None if value is None else encrypt(app_ring(), value)

    def process_result_value(self, value, dialect):
        from ..crypto import app_ring, decrypt

        return None if value is None else decrypt(app_ring(), value)
