"""The customer notification outbox: one row per message owed, written with the change that caused it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import EncryptedText, UTCDateTime, UUIDStr, new_id, utcnow


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"  # waiting to be sent (or retried at next_attempt_at)
    SENDING = "sending"  # claimed by one worker
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    SKIPPED = "skipped"  # the customer opted out, or there is nowhere to send it


class Notification(db.Model):
    """A message to a customer about a work order (seed 000 §二(二)2, §三(一)1)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    customer_id: Mapped[str] = mapped_column(sa.ForeignKey("customers.id"), index=True, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    template: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    trigger_id: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # (work order, template, trigger): the same trigger never queues twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    language: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # Values the SMS/WeChat provider templates fill in (ticket, times, links).
    params: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    # The phone number or address: personal data, encrypted at rest like the customer's phone.
    recipient: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default=NotificationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    work_order = relationship("WorkOrder")
    customer = relationship("Customer")


def _attach() -> None:
    """`work_order.notifications` (read-only, oldest first) for the office's work-order page."""
    from .work_orders import WorkOrder

    WorkOrder.notifications = relationship(Notification, viewonly=True, order_by=Notification.created_at, lazy="select")


_attach()
