"""Web Push to technicians (issue #16): the browsers a technician subscribed, and the push outbox.

A `PushSubscription` is one browser (one phone) of one technician: the push service's
endpoint and the browser's keys (RFC 8291). A `PushMessage` is one message owed to one
subscription, written in the same transaction as the change that causes it (assignment,
reassignment, reschedule, escalation decision), then delivered with retries by
server/services/push.py. One row per device, so a retry never resends to a device that
already has it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, UUIDStr, new_id, utcnow


class PushSubscription(db.Model):
    """One browser's push subscription, owned by the technician who made it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    # The push service's URL for this browser: long, so it is unique by its SHA-256.
    endpoint: Mapped[str] = mapped_column(sa.Text, nullable=False)
    endpoint_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # the browser's ECDH public key (base64url)
    auth: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # the shared authentication secret (base64url)
    label: Mapped[str | None] = mapped_column(sa.String(120))  # what the technician sees ("Phone", the browser)
    # The phone's language when it subscribed (the PWA's setting; re-sent when it changes), else the user's.
    language: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def info(self) -> dict:
        """The subscription as pywebpush (and the browser's toJSON()) spells it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushMessage(db.Model):
    """A push message owed to one subscription (the technician's outbox)."""

    __tablename__ = "push_messages"
    __table_args__ = (sa.Index("ix_push_messages_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    # Kept after the subscription goes (unsubscribed, or the push service said it is gone).
    subscription_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True
    )
    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(24), nullable=False)  # domain/push_messages.KINDS
    trigger_id: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # (subscription, kind, trigger): the same trigger never queues twice for one device.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    language: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    url: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # what a tap opens: /app/jobs/<id>
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="pending")  # + sending/sent/failed/gone
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
