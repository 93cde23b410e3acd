"""Customers and the products installed at their homes."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import EncryptedText, Versioned


class CustomerTier(str, enum.Enum):
    """Service tier; VIP and key customers get faster handling [000, 004]."""

    VIP = "vip"
    KEY = "key"
    NORMAL = "normal"


class Customer(Versioned, db.Model):
    """A household or business that owns products we service."""

    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # Personal data, encrypted at rest; the office finds customers by the phone's keyed hash.
    phone: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    phone_digest: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    address: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    tier: Mapped[str] = mapped_column(sa.String(10), nullable=False, default=CustomerTier.NORMAL.value)
    locale: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="zh-CN")
    # Where e-mail notifications go (optional), and the customer's choice to get none (issue #16).
    email: Mapped[str | None] = mapped_column(EncryptedText)
    notify_opt_out: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    products: Mapped[list[Product]] = relationship(back_populates="customer")

    @validates("phone")
    def _digest_phone(self, key, value):
        from ..crypto import app_phone_digest

        self.phone_digest = app_phone_digest(value) if value is not None else None
        return value

    @classmethod
    def phone_is(cls, phone: str):
        """SQL condition: the customer with this phone number (digits compared)."""
        from ..crypto import app_phone_digest

        return cls.phone_digest == app_phone_digest(phone)


class Product(Versioned, db.Model):
    """A unit installed at a customer's home, identified by its serial number."""

    __tablename__ = "products"

    customer_id: Mapped[str] = mapped_column(sa.ForeignKey("customers.id"), index=True, nullable=False)
    model: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.String(120))
    serial_no: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    purchase_date: Mapped[date | None] = mapped_column(sa.Date)
    proof_of_purchase: Mapped[str | None] = mapped_column(sa.String(80))
    warranty_months: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=12)

    customer: Mapped[Customer] = relationship(back_populates="products")
