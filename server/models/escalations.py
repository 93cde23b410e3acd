"""Escalations: what a technician reports to the company for a decision (seed 003 §三(七)2,
000 §三(二)), as a case the office owns, decides, and whose decision syncs back to the phone."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, UUIDStr, Versioned
from .people import User
from .work_orders import WorkOrder


class EscalationKind(str, enum.Enum):
    FEE_DISPUTE = "fee_dispute"
    REFUSED = "refused"
    NEW_PROBLEM = "new_problem"
    NO_ONE_HOME = "no_one_home"
    REASSIGN_REQUEST = "reassign_request"
    RESCHEDULE_REQUEST = "reschedule_request"
    SIGN_OFF_DECLINED = "sign_off_declined"


class Severity(str, enum.Enum):
    """Seed 000 §三(二)1 and 002 step 1: 紧急, 重要, 一般."""

    URGENT = "urgent"
    IMPORTANT = "important"
    NORMAL = "normal"


class EscalationStatus(str, enum.Enum):
    OPEN = "open"
    DECIDED = "decided"


class Decision(str, enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    RESCHEDULED = "rescheduled"
    REASSIGNED = "reassigned"
    OTHER = "other"


class Escalation(Versioned, db.Model):
    """One case per escalating visit event; read-only for devices (the job's technician pulls it)."""

    __tablename__ = "escalations"

    work_order_id: Mapped[str] = mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    # The visit event that opened it: one case per event, however often the push is replayed.
    source_event_id: Mapped[str] = mapped_column(UUIDStr, unique=True, nullable=False)
    # What the technician wrote (the event's note, or its data.reason).
    technician_note: Mapped[str | None] = mapped_column(sa.Text)
    reported_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    severity: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    status: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="open", index=True)
    owner_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decision: Mapped[str | None] = mapped_column(sa.String(20))
    decision_text: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
