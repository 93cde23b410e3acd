"""Column helpers and mixins shared by the models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Mapper, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def bump(self) -> int:
        """Advance the version after a change and return it."""
        self.version = (self.version or 0) + 1
        return self.version


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the app's data keys (AES-GCM, see server/crypto.py).

    Ciphertexts are randomised, so the column cannot be compared in SQL: comparisons
    raise instead of silently matching nothing. Search through a keyed digest column.

    Each value is bound to its table, column and row id (the associated data), which a
    column type alone does not know: the ORM events below seal a row's values before its
    INSERT or UPDATE (``_Sealed`` carries the ciphertext to ``process_bind_param``) and open
    them when the row is loaded (``process_result_value`` hands over the stored text as
    ``_Stored``). A value that does not decrypt (tampered, or copied from another row or
    column) is logged and reads as ``crypto.UNREADABLE``: the page shows it, not a 500.
    """

    impl = sa.Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            raise TypeError("an encrypted column cannot be compared in SQL; use its digest column")

    def process_bind_param(self, value, dialect):
        from ..crypto import app_ring, encrypt

        if value is None:
            return None
        if isinstance(value, _Sealed):
            return value.ciphertext
        return encrypt(app_ring(), value)  # a write that knows no row (Core): rotate-keys binds it

    def process_result_value(self, value, dialect):
        return None if value is None else _Stored(value)


class _Stored(str):
    """A stored ciphertext, opened by the load events once the row's id is known."""


class _Sealed(str):
    """A plaintext (what the row reads) with the ciphertext its INSERT/UPDATE writes."""

    ciphertext: str

    def __new__(cls, plaintext: str, ciphertext: str):
        obj = super().__new__(cls, plaintext)
        obj.ciphertext = ciphertext
        return obj


_ENCRYPTED: dict = {}  # mapper -> [(attribute, column)] of its encrypted columns


def _encrypted_keys(mapper) -> list[tuple[str, str]]:
    return [
        (prop.key, prop.columns[0].name)
        for prop in mapper.column_attrs
        if isinstance(prop.columns[0].type, EncryptedText)
    ]


def _place(mapper, target, column: str):
    from ..crypto import Place

    return Place(mapper.local_table.name, column, str(target.id))


def _open(target, context=None, attrs=None) -> None:
    from ..crypto import app_ring, open_or_unreadable

    mapper = sa.inspect(target).mapper
    for key, column in _ENCRYPTED[mapper]:
        value = target.__dict__.get(key)
        if isinstance(value, _Stored):
            plain = open_or_unreadable(app_ring(), str.__str__(value), _place(mapper, target, column))
            set_committed_value(target, key, plain)


def _seal(mapper, connection, target) -> None:
    from ..crypto import app_ring, encrypt

    if target.id is None:
        target.id = new_id()  # the row's id is bound into its values
    state = sa.inspect(target)
    for key, column in _ENCRYPTED[mapper]:
        value = state.dict.get(key)
        if value is None or isinstance(value, _Stored):
            continue
        if state.persistent and key not in state.committed_state:
            continue  # unchanged: its UPDATE does not write it
        plain = str.__str__(value)
        state.dict[key] = _Sealed(plain, encrypt(app_ring(), plain, _place(mapper, target, column)))


def _unseal(mapper, connection, target) -> None:
    for key, _ in _ENCRYPTED[mapper]:
        value = target.__dict__.get(key)
        if isinstance(value, _Sealed):
            target.__dict__[key] = str.__str__(value)  # plain text again: copying it elsewhere reseals


@sa.event.listens_for(Mapper, "mapper_configured")
def _listen_for_encrypted_columns(mapper, class_) -> None:
    keys = _encrypted_keys(mapper)
    if not keys or mapper in _ENCRYPTED:
        return
    _ENCRYPTED[mapper] = keys
    sa.event.listen(class_, "load", _open)
    sa.event.listen(class_, "refresh", _open)
    for name in ("before_insert", "before_update"):
        sa.event.listen(class_, name, _seal)
    for name in ("after_insert", "after_update"):
        sa.event.listen(class_, name, _unseal)
