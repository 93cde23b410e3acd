"""What a technician records during a visit: append-only event records.

Each is created on a device (client UUID key) and arrives through sync.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ..extensions import db
from .base import UTCDateTime, UUIDStr, Versioned


class VisitRecord(Versioned):
    """Fields every visit record shares: its work order, author, device and device time."""

    @declared_attr
    def work_order_id(cls) -> Mapped[str]:
        return mapped_column(sa.ForeignKey("work_orders.id"), index=True, nullable=False)

    @declared_attr
    def created_by_id(cls) -> Mapped[str | None]:
        return mapped_column(sa.ForeignKey("users.id"))

    device_id: Mapped[str | None] = mapped_column(UUIDStr)
    # The device's own clock at the moment of recording: evidence, never used for ordering.
    device_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The device time corrected by the clock offset measured at the push that carried it
    # (server receipt - the push's device_time), clamped into the plausible window: what
    # the reports count from. The raw device_at stays beside it for audit.
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the device time was not trusted as sent (server/sync/clock.py), shown to the office.
    time_flag: Mapped[str | None] = mapped_column(sa.String(40))
    # Tombstone: a voided record keeps its row and version so the delete can sync.
    deleted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class ChecklistAnswer(VisitRecord, db.Model):
    """One answered step of a checklist (kit check, knock protocol, entering...)."""

    __tablename__ = "checklist_answers"

    step: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    value: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)


class VisitEvent(VisitRecord, db.Model):
    """Something that happened on the visit: departed, arrived, no one home, ..."""

    __tablename__ = "visit_events"

    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict | None] = mapped_column(sa.JSON)


class Diagnosis(VisitRecord, db.Model):
    """Fault cause and repair method, internal or shown to the customer."""

    __tablename__ = "diagnoses"

    fault_cause: Mapped[str] = mapped_column(sa.Text, nullable=False)
    repair_method: Mapped[str | None] = mapped_column(sa.Text)
    customer_visible: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class PartFitted(VisitRecord, db.Model):
    """A part fitted on the visit, with the serials of the part removed and the one fitted."""

    __tablename__ = "parts_fitted"

    part_number: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    serial_fitted: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    serial_removed: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    quantity: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False, default=0)
    under_warranty: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class FeeQuote(VisitRecord, db.Model):
    """The fees shown to the customer before work starts, and their consent.

    The server recomputes every quote from the fee schedule (server/domain/fees.py); the
    inputs are kept beside the lines so the office and the PDF can show labour time,
    trade-ins and the reasons for waivers and discounts.
    """

    __tablename__ = "fee_quotes"

    lines: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    schedule_revision: Mapped[int | None] = mapped_column(sa.Integer)  # null: a quote from before schedules
    work_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    travel_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    parts: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # the parts quoted, planned
    adjustments: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # waivers and discounts
    total: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    consented: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(VisitRecord, db.Model):
    """How the customer paid the consented quote (or why nothing was collected), and the receipt.

    Not sealed by the sign-off: customers often pay after signing.
    """

    __tablename__ = "payments"

    method: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    receipt: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="none")
    invoice_title: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    receipt_no: Mapped[str | None] = mapped_column(sa.String(40))  # "R-" + ticket no., given by the server


class Photo(VisitRecord, db.Model):
    """A photo taken on the visit; the bytes live in the blob store."""

    __tablename__ = "photos"

    blob_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # what is shown (marked up, if so)
    caption: Mapped[str | None] = mapped_column(sa.String(200))
    # Its set (server/domain/photos.py) and, when marked up on the phone, the photo as taken.
    photo_set: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="other", server_default="other")
    original_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class CustomerSignOff(VisitRecord, db.Model):
    """The customer's ratings and signature, sealing the summary they were shown."""

    __tablename__ = "sign_offs"
    __table_args__ = (sa.UniqueConstraint("work_order_id", name="uq_sign_offs_work_order_id"),)

    signer_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    rating_quality: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    rating_attitude: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    signature_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    summary_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
