"""Bookkeeping of the sync engine: devices, mutations seen, the change log, conflicts, blobs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, UUIDStr, utcnow


class Device(db.Model):
    """A phone or browser profile; belongs to one user and numbers its mutations 1, 2, 3..."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    # Device clock minus server clock, measured from device_time at the last push.
    clock_offset_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MutationRecord(db.Model):
    """Every mutation a device sent, with the result given: replays return it unchanged.

    Rejected mutations are kept here with their payload so nothing recorded is lost.
    A mutation is known by (device, id): the id is the phone's own, so another device
    sending the same id gets its entry applied as its own, never the first one's result.
    """

    __tablename__ = "mutations"
    __table_args__ = (
        sa.PrimaryKeyConstraint("device_id", "id", name="pk_mutations"),
        sa.UniqueConstraint("device_id", "seq", name="uq_mutations_device_seq"),
    )

    id: Mapped[str] = mapped_column(UUIDStr, nullable=False)
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("devices.id"), nullable=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    entity: Mapped[str | None] = mapped_column(sa.String(40))
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    op: Mapped[str | None] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(12), nullable=False, index=True)
    payload: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    result: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    device_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # For rejected entries: when and how a dispatcher settled them.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    settlement: Mapped[str | None] = mapped_column(sa.Text)


class ChangeLogEntry(db.Model):
    """One change visible to an audience, in server order; pull reads this by cursor.

    audience_user_id NULL: staff-wide (dispatchers, managers; technicians too for the
    catalogue). Otherwise the one technician the row is for.
    """

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_audience_seq", "audience_user_id", "seq"),)

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(UUIDStr, nullable=False)
    op: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    audience_user_id: Mapped[str | None] = mapped_column(UUIDStr)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The device whose pushed entry made this change, when its push answer told it all the
    # device holds (a visit record it created): its own pulls leave it out (issue #17).
    origin_device_id: Mapped[str | None] = mapped_column(UUIDStr)
    # A visit record's change as a pull sends it, encoded when it was written (issue #17):
    # visit records are append-only facts, so a pull sends this text as it is instead of
    # reading the record again by id. NULL for every other change (read at pull time).
    wire: Mapped[str | None] = mapped_column(sa.Text)
    # That record's job: a technician is sent a stored change only while holding it.
    work_order_id: Mapped[str | None] = mapped_column(UUIDStr)


class SyncState(db.Model):
    """A single row: the last change sequence handed out, locked to serialise appends."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    # Changes below this were pruned; older cursors get reset.
    oldest_seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)


class Conflict(db.Model):
    """A value that lost a merge, kept for a dispatcher to review and settle."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(UUIDStr, nullable=False, index=True)
    field: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    rule: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    losing_value: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    winning_value: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    mutation_id: Mapped[str | None] = mapped_column(UUIDStr)
    device_id: Mapped[str | None] = mapped_column(UUIDStr)
    user_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    base_version: Mapped[int | None] = mapped_column(sa.Integer)
    server_version: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(sa.Text)


class Blob(db.Model):
    """A file stored content-addressed (photos, signatures); the bytes live in the blob store."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    uploaded_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))  # the first uploader
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BlobUpload(db.Model):
    """Who has uploaded a blob's bytes: each of them may refer to it and read it.

    Blobs are stored once per content, so the same bytes can come from several users;
    knowing a hash is not enough to refer to a file, having its bytes is.
    """

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
