"""The back office's own records: settings, follow-up calls, recovery cases, reviews, report links.

They live only on the server, except the technicians' call-backs (FollowUp, see below).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import EncryptedText, UTCDateTime, UUIDStr, Versioned, new_id, utcnow
from .people import User
from .work_orders import WorkOrder


class OfficeSetting(db.Model):
    """A setting a manager may change at run time (SLA hours, low-rating threshold...)."""

    __tablename__ = "office_settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))


class RecoveryCase(db.Model):
    """A dissatisfied customer to win back: opened by a low rating or a complaint [002]."""

    __tablename__ = "recovery_cases"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # low_rating | complaint
    # What opened it once: the sign-off id, or a new id per complaint (keeps opening idempotent).
    source_key: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    # open | contacted | diagnosing | resolved | closed (server/domain/recovery.py)
    status: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    opened_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seed 002 steps 1-4 (issue #14): grading, owner, first-contact deadline, diagnosis, remedy, re-rating.
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    severity: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="normal", server_default="normal")
    owner_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # first contact due
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_note: Mapped[str | None] = mapped_column(sa.Text)
    investigation: Mapped[str | None] = mapped_column(sa.Text)
    root_cause: Mapped[str | None] = mapped_column(sa.Text)
    solution: Mapped[str | None] = mapped_column(sa.Text)
    compensation: Mapped[str | None] = mapped_column(sa.Text)
    compensation_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rerating_score: Mapped[int | None] = mapped_column(sa.Integer)
    rerating_note: Mapped[str | None] = mapped_column(sa.Text)
    rerated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])


class FollowUp(Versioned, db.Model):
    """A call owed to a customer (call-back, satisfaction call, recovery call). The 3-hour call-back
    after a visit not fully fixed is the repairing technician's (seed 003 §三(九)1): it syncs to
    their phone as a `call_back` (server/sync/names.py); the others are the office's."""

    __tablename__ = "follow_ups"

    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    recovery_case_id: Mapped[str | None] = mapped_column(sa.ForeignKey("recovery_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    # Names what planned the call, so planning it again finds it instead of adding a twin.
    plan_key: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    latest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="open", index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    # Whose call it is: the technician who did the visit (call-backs); None for the office's calls.
    technician_id: Mapped[str | None] = mapped_column(UUIDStr, index=True)
    # A satisfaction call's score, 1 (very dissatisfied) to 5 (very satisfied).
    score: Mapped[int | None] = mapped_column(sa.Integer)

    work_order: Mapped[WorkOrder] = relationship()
    recovery_case: Mapped[RecoveryCase | None] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    technician: Mapped[User | None] = relationship(primaryjoin="foreign(FollowUp.technician_id) == User.id")


class ReconciliationReview(db.Model):
    """A dispatcher's note that a reconciliation flag was looked into."""

    __tablename__ = "reconciliation_reviews"
    __table_args__ = (sa.UniqueConstraint("work_order_id", "flag", name="uq_reconciliation_reviews_wo_flag"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    flag: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reviewed_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReportShare(db.Model):
    """A service report sent to the customer as a link: who sent it, how, and until when."""

    __tablename__ = "report_shares"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    # The customer's mobile (or chat id), personal data: encrypted at rest like the customer's phone.
    recipient: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    downloads: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
