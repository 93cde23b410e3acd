"""Work orders (派遣单): one per service request, whatever the channel."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import EncryptedText, UTCDateTime, Versioned
from .customers import Customer, Product
from .people import User


class Channel(str, enum.Enum):
    """How the request reached us [000]."""

    PHONE = "phone"
    CHAT = "chat"
    WECHAT = "wechat"
    WEBSITE = "website"
    WALK_IN = "walk_in"


class WorkOrderType(str, enum.Enum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    INSTALLATION = "installation"
    CONSULTATION = "consultation"


class Priority(str, enum.Enum):
    URGENT = "urgent"
    IMPORTANT = "important"
    NORMAL = "normal"


class Outcome(str, enum.Enum):
    """How the visit ended (step 11 of the visit)."""

    FIXED = "fixed"
    RETURN_TO_FACTORY = "return_to_factory"
    AWAITING_PARTS = "awaiting_parts"
    REFUSED = "refused"
    NOT_FIXED = "not_fixed"
    # Solved by phone guidance, no visit [seed 003 §三(一)3]: set only by the office's phone
    # resolution (services/work_orders.py resolve_by_phone), never by a technician's phone.
    RESOLVED_REMOTELY = "resolved_remotely"


class WorkOrder(Versioned, db.Model):
    """A service request and its visit: assigned to a technician, tracked to closure."""

    __tablename__ = "work_orders"

    ticket_no: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    priority: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(30), nullable=False, index=True)
    customer_id: Mapped[str] = mapped_column(sa.ForeignKey("customers.id"), index=True, nullable=False)
    product_id: Mapped[str | None] = mapped_column(sa.ForeignKey("products.id"), index=True)
    technician_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    appointment_start: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    appointment_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fault_description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    customer_requirements: Mapped[str | None] = mapped_column(sa.Text)
    technician_notes: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.String(30))
    response_due: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who pays, decided by the office over the warranty rule (server/domain/warranty.py):
    # "covered" | "chargeable"; null leaves it to the rule. Read-only for devices.
    warranty_decision: Mapped[str | None] = mapped_column(sa.String(20))
    created_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    # Where this visit goes when it is not the customer's address on record (a second home, a new
    # address given at intake for this order only); encrypted at rest like Customer.address.
    service_address: Mapped[str | None] = mapped_column(EncryptedText)
    # The product as typed at intake when no serial number was given (seed 000 §三(一)2: serial if
    # applicable; incomplete data -> contact the customer to complete it): {"model", "product_name",
    # "purchase_date", "proof_of_purchase", "warranty_months"}. Set: the record is to be completed.
    pending_product: Mapped[dict | None] = mapped_column(sa.JSON)
    # Record version at which each mutable field last changed: lets a stale device
    # write be told apart from a concurrent change of the same field (see domain.merge).
    field_versions: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    # The device that made each field's last change (absent: the office or a service did):
    # a device's own earlier write is never a conflict with its later one, anyone else's is.
    field_writers: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product | None] = relationship()
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id])


class TicketCounter(db.Model):
    """Per-day counter behind ticket numbers like SR-20261123-0042."""

    __tablename__ = "ticket_counters"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
