"""Customers and the products installed at their homes."""
from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Versioned


class CustomerTier(str, enum.Enum):
    """Service tier; VIP and key customers get faster handling [000, 004]."""

    VIP = "vip"
    KEY = "key"
    NORMAL = "normal"


class Customer(Versioned, db.Model):
    """A household or business that owns products we service."""

    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    phone: Mapped[str] = mapped_column(sa.String(40), nullable=False, index=True)
    address: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    tier: Mapped[str] = mapped_column(sa.String(10), nullable=False, default=CustomerTier.NORMAL.value)
    locale: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="zh-CN")

    products: Mapped[list["Product"]] = relationship(back_populates="customer")


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
