"""Intake: one request from any channel becomes a numbered work order with its SLA clocks.

The customer and product are found by phone and serial number, or created on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ..domain.errors import M_, Conflict, Invalid
from ..domain.lifecycle import Status
from ..domain.service_day import today
from ..domain.warranty import in_warranty, warranty_end
from ..extensions import db
from ..models import Customer, Product, User, WorkOrder, utcnow
from . import notifications, phone_resolution
from . import work_orders as service

CLOSED_STATUSES = (Status.COMPLETED.value, Status.CLOSED.value, Status.CANCELLED.value)


@dataclass
class IntakeResult:
    """The new work order and what the dispatcher should know about it."""

    work_order: WorkOrder
    customer_created: bool
    product_created: bool
    in_warranty: bool
    warranty_end: date | None
    warnings: list[str] = field(default_factory=list)


def normalise_phone(phone: str) -> str:
    """Digits (and a leading +) only, so '138-0000 0001' finds '13800000001'."""
    phone = phone.strip()
    return ("+" if phone.startswith("+") else "") + "".join(ch for ch in phone if ch.isdigit())


def open_orders_for(product_id: str) -> list[WorkOrder]:
    """Work orders on this product that are not finished yet."""
    return list(
        db.session.scalars(
            sa.select(WorkOrder)
            .where(WorkOrder.product_id == product_id, WorkOrder.status.not_in(CLOSED_STATUSES))
            .order_by(WorkOrder.created_at)
        )
    )


def find_product(serial_no: str) -> Product | None:
    """The product with this serial number (case and spaces ignored)."""
    return db.session.scalar(sa.select(Product).where(sa.func.upper(Product.serial_no) == serial_no.strip().upper()))


def _same(a: str | None, b: str | None) -> bool:
    """Equal but for case and spacing, so a retyped address is not taken for a new one."""
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def differences(customer: Customer, data: dict) -> list[str]:
    """What was typed that differs from the customer found by phone: name, address, tier."""
    found = []
    if not _same(customer.name, data["customer_name"]):
        found.append("name")
    if not _same(customer.address, data["address"]):
        found.append("address")
    if data.get("tier") and data["tier"] != customer.tier:
        found.append("tier")
    return found


def customer_differs_error(customer: Customer, differs: list[str]) -> Conflict:
    """Nothing typed is dropped silently: the dispatcher says what a difference is (issue #14)."""
    return Conflict(
        "intake.customer_differs",
        M_(
            "The customer with this phone number is on record as %(name)s, %(address)s, which differs from what "
            "was typed. Choose whether to change the customer's record or to use the typed address for this "
            "order only."
        ),
        {"name": customer.name, "address": customer.address},
        {"customer_details": [M_("Choose: change the customer's record, or this order's service address only.")]},
        extra={
            "customer": {"id": customer.id, "name": customer.name, "address": customer.address, "tier": customer.tier},
            "differs": differs,
        },
    )


def _customer(data: dict) -> tuple[Customer, bool, str | None]:
    """(customer, created, this order's service address if it is not the customer's)."""
    phone = normalise_phone(data["phone"])
    found = db.session.scalar(sa.select(Customer).where(Customer.phone_is(phone)).order_by(Customer.created_at))
    if found:
        differs = differences(found, data)
        if not differs:
            return found, False, None
        choice = data.get("customer_details")
        if choice == "update_customer":
            found.name, found.address = data["customer_name"].strip(), data["address"].strip()
            found.tier = data.get("tier") or found.tier
            return found, False, None
        if choice == "this_order":
            # The record stays as it is; the visit goes where the caller said.
            return found, False, None if "address" not in differs else data["address"].strip()
        raise customer_differs_error(found, differs)
    customer = Customer(
        name=data["customer_name"].strip(),
        phone=phone,
        address=data["address"].strip(),
        tier=data.get("tier") or "normal",
        locale=data.get("locale") or "zh-CN",
    )
    db.session.add(customer)
    db.session.flush()
    return customer, True, None


def _typed_product(data: dict) -> dict:
    """The product as typed, kept on the order until its serial number is known."""
    purchase = data.get("purchase_date")
    return {
        "model": data["model"].strip(),
        "product_name": data.get("product_name") or None,
        "purchase_date": purchase.isoformat() if purchase else None,
        "proof_of_purchase": data.get("proof_of_purchase") or None,
        "warranty_months": data.get("warranty_months"),
    }


def _product(data: dict, customer: Customer) -> tuple[Product | None, bool, list[str]]:
    warnings: list[str] = []
    serial = (data.get("serial_no") or "").strip()
    if not serial:
        # Seed 000 §三(一)2: serial "if applicable"; without it, the customer's only unit of this
        # model is the one, else the order waits for the record to be completed (no product yet).
        same_model = [p for p in customer.products if _same(p.model, data["model"])]
        if len(same_model) == 1:
            return same_model[0], False, warnings
        warnings.append("serial_missing")
        return None, False, warnings
    product = find_product(serial)
    if product is not None:
        if product.customer_id != customer.id:
            raise Invalid(
                "product.other_customer",
                M_("This serial number is registered to another customer."),
                fields={"serial_no": [M_("Registered to another customer; check the serial number or the phone.")]},
            )
        if product.model.strip().upper() != data["model"].strip().upper():
            warnings.append(f"model_differs:{product.model}")
        return product, False, warnings
    product = Product(
        customer_id=customer.id,
        model=data["model"].strip(),
        name=data.get("product_name") or None,
        serial_no=serial,
        purchase_date=data.get("purchase_date"),
        proof_of_purchase=data.get("proof_of_purchase") or None,
        warranty_months=data.get("warranty_months") or 12,
    )
    db.session.add(product)
    db.session.flush()
    return product, True, warnings


def record_incomplete(wo: WorkOrder) -> bool:
    """Taken in without a serial number: someone is to contact the customer and complete the record."""
    return wo.pending_product is not None and wo.product_id is None


def duplicate_error(orders: list[WorkOrder]) -> Conflict:
    """A conflict naming the open work orders, to be confirmed before a second one is taken in."""
    return Conflict(
        "intake.duplicate",
        M_("This product already has an open work order: %(tickets)s. Confirm to take in another."),
        {"tickets": ", ".join(o.ticket_no for o in orders)},
        {"confirm_duplicate": [M_("Open work order(s) on this product: %(tickets)s.")]},
        extra={"open_work_orders": [{"id": o.id, "ticket_no": o.ticket_no, "status": o.status} for o in orders]},
    )


def take_in(data: dict, user: User, now: datetime | None = None) -> IntakeResult:
    """Create the work order (and customer/product if new); the caller commits."""
    now = now or utcnow()
    customer, customer_created, service_address = _customer(data)
    product, product_created, warnings = _product(data, customer)
    duplicates = [] if product_created or product is None else open_orders_for(product.id)
    if duplicates and not data.get("confirm_duplicate"):
        raise duplicate_error(duplicates)
    if duplicates:
        warnings.append("duplicate:" + ",".join(o.ticket_no for o in duplicates))
    by_phone = bool(data.get("resolved_by_phone"))
    wo = service.create_work_order(
        {
            "customer_id": customer.id,
            "product_id": product.id if product else None,
            "channel": data["channel"],
            "type": data["type"],
            "priority": data["priority"],
            "fault_description": data["fault_description"].strip(),
            "customer_requirements": data.get("customer_requirements") or None,
            # Solved on the intake call, nobody is sent [seed 003 §三(一)3].
            "technician_id": None if by_phone else data.get("technician_id") or None,
            "appointment_start": None if by_phone else data.get("appointment_start"),
            "appointment_end": None if by_phone else data.get("appointment_end"),
        },
        user,
        now=now,
    )
    wo.service_address = service_address
    wo.pending_product = None if product else _typed_product(data)
    db.session.flush()
    notifications.ticket_created(db.session, wo)  # seed 000 §三(一)1: the ticket number to the customer at once
    if by_phone:
        phone_resolution.resolve(wo, data.get("advice"), user, now)
    return IntakeResult(
        work_order=wo,
        customer_created=customer_created,
        product_created=product_created,
        in_warranty=bool(product) and in_warranty(product.purchase_date, product.warranty_months, today(now)),
        warranty_end=warranty_end(product.purchase_date, product.warranty_months) if product else None,
        warnings=warnings,
    )


def complete_record(wo: WorkOrder, serial_no: str | None, actor: User) -> Product:
    """The serial number, once the customer gives it: the product typed at intake is registered (or the
    one already registered to this customer under that serial is used) and the order gets it."""
    if not record_incomplete(wo):
        raise Conflict("intake.record_complete", M_("This work order's record is already complete."))
    serial = (serial_no or "").strip()
    if not serial:
        raise Invalid("intake.serial_required", M_("Give the serial number."), fields={"serial_no": [M_("Required.")]})
    typed = wo.pending_product or {}
    data = {
        "serial_no": serial,
        "model": typed.get("model") or "",
        "product_name": typed.get("product_name"),
        "purchase_date": date.fromisoformat(typed["purchase_date"]) if typed.get("purchase_date") else None,
        "proof_of_purchase": typed.get("proof_of_purchase"),
        "warranty_months": typed.get("warranty_months"),
    }
    product, _, _ = _product(data, wo.customer)
    wo.product_id, wo.pending_product = product.id, None
    return product
