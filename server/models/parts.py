"""The parts catalogue and each technician's van stock."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Versioned

# Barcode symbologies the scanner understands (names as in the BarcodeDetector API).
BARCODE_FORMATS = ("code_128", "ean_13", "qr_code", "data_matrix", "code_39", "ean_8")


class Part(Versioned, db.Model):
    """A spare part in the catalogue."""

    __tablename__ = "parts"

    part_number: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    barcode: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    barcode_formats: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    serialised: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    abc_class: Mapped[str] = mapped_column(sa.String(1), nullable=False, default="C")
    warranty_months: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=3)
    # What the customer is credited for handing over the old part (旧件折费, seed 003 §三(七)1).
    trade_in_credit: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False, default=0, server_default="0")
    # The product models the part fits (catalogue compatibility); empty: it fits any model (a
    # hose, a filter). The phone's part picker lists the van's parts that fit the job's product (issue #15).
    fits_models: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list, server_default="[]")


class FeeSchedule(Versioned, db.Model):
    """The one fee schedule: call-out and hourly labour rate, and its revision.

    One row. `revision` goes up by one whenever the call-out, the labour rate or any part's
    price or trade-in credit changes (services/fee_schedule.py is the only writer), so a
    phone that priced a quote from an older copy is told to re-price.
    """

    __tablename__ = "fee_schedules"

    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    call_out: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    labour_per_hour: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)


class VanStock(Versioned, db.Model):
    """How many of a part a technician carries in their van."""

    __tablename__ = "van_stock"
    __table_args__ = (sa.UniqueConstraint("technician_id", "part_id", name="uq_van_stock_tech_part"),)

    technician_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True, nullable=False)
    part_id: Mapped[str] = mapped_column(sa.ForeignKey("parts.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    safety_stock: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    part: Mapped[Part] = relationship()
