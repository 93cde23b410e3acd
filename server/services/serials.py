"""Look-up by any serial: a product's, or a fitted part's (fitted or removed), with its warranty and history.

Seed 000 §二(一)1: the serials of replaced parts are recorded and linked to the product so
the product stays traceable and a fitted part's own warranty carries on. One look-up for
the REST API (`GET /api/serials/<serial>`) and the office's serial page; what a
technician may see follows server/auth/permissions.py: the products (and so the repair
history) of the customers whose jobs they hold.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..auth import permissions
from ..domain.errors import M_, NotFound
from ..domain.service_day import today as service_today
from ..domain.warranty import in_warranty, warranty_end
from ..models import Customer, Part, PartFitted, Product, User, WorkOrder
from .coverage import FittedPart, fitted_from_row, fitted_on_orders, fitted_query


def part_out(f: FittedPart, on: date) -> dict:
    return {
        "part_number": f.part_number,
        "serial_fitted": f.serial_fitted,
        "serial_removed": f.serial_removed,
        "fitted_on": f.fit_day,
        "warranty_end": f.warranty_end,
        "in_warranty": f.in_warranty_on(on),
    }


def history(session: Session, orders: list[WorkOrder], on: date) -> list[dict]:
    """Work orders newest first, each with its live fitted parts and their own warranty ends."""
    parts = fitted_on_orders(session, [o.id for o in orders])
    return [
        {
            "work_order_id": o.id,
            "ticket_no": o.ticket_no,
            "status": o.status,
            "type": o.type,
            "created_at": o.created_at,
            "fault_description": o.fault_description,
            "product_id": o.product_id,
            "parts": [part_out(f, on) for f in parts.get(o.id, ())],
        }
        for o in sorted(orders, key=lambda o: o.created_at, reverse=True)
    ]


def repair_history(session: Session, product_id: str, on: date | None = None) -> list[dict]:
    """Every work order on a product (the caller has checked the product is visible)."""
    orders = session.scalars(sa.select(WorkOrder).where(WorkOrder.product_id == product_id)).all()
    return history(session, list(orders), on or service_today())


def product_out(p: Product, on: date) -> dict:
    return {
        "id": p.id,
        "version": p.version,
        "customer_id": p.customer_id,
        "model": p.model,
        "name": p.name,
        "serial_no": p.serial_no,
        "purchase_date": p.purchase_date,
        "proof_of_purchase": p.proof_of_purchase,
        "warranty_months": p.warranty_months,
        "warranty_end": warranty_end(p.purchase_date, p.warranty_months),
        "in_warranty": in_warranty(p.purchase_date, p.warranty_months, on),
    }


def look_up(session: Session, serial: str, user: User, on: date | None = None) -> dict:
    """What `serial` is (a product, a fitted part, or both), its warranty, and every work order that touched it.

    `part` is the latest fitting of a part with this serial (its own warranty from that
    day; `removed` when a later record took it out again). NotFound when nothing the
    user may see has this serial.
    """
    on = on or service_today()
    serial = serial.strip()
    visible_customers = sa.select(Customer.id).where(permissions.customer_filter(user))
    product = session.scalar(
        sa.select(Product).where(Product.serial_no == serial, Product.customer_id.in_(visible_customers))
    )
    rows = session.execute(
        fitted_query()
        .join(WorkOrder, WorkOrder.id == PartFitted.work_order_id)
        .where(
            sa.or_(PartFitted.serial_fitted == serial, PartFitted.serial_removed == serial),
            WorkOrder.customer_id.in_(visible_customers),
        )
    ).all()
    touching = [fitted_from_row(r) for r in rows]
    if product is None and not touching:
        raise NotFound("serial.unknown", M_("No product or fitted part with serial %(serial)s."), {"serial": serial})
    order_ids = {f.work_order_id for f in touching}
    if product is not None:
        order_ids |= set(session.scalars(sa.select(WorkOrder.id).where(WorkOrder.product_id == product.id)))
    orders = list(session.scalars(sa.select(WorkOrder).where(WorkOrder.id.in_(order_ids)))) if order_ids else []
    fittings = [f for f in touching if f.serial_fitted == serial]
    part = None
    if fittings:
        latest = fittings[-1]  # fitting order: created_at, id
        removed = any(f.serial_removed == serial for f in touching[touching.index(latest) + 1 :])
        wo = next((o for o in orders if o.id == latest.work_order_id), None)
        name = session.scalar(sa.select(Part.name).where(Part.part_number == latest.part_number))
        part = {
            **part_out(latest, on),
            "name": name,
            "work_order_id": latest.work_order_id,
            "ticket_no": wo.ticket_no if wo else None,
            "product_id": wo.product_id if wo else None,
            "removed": removed,
        }
    elif touching:  # only ever recorded as removed (the unit that came with the product)
        first = touching[0]
        wo = next((o for o in orders if o.id == first.work_order_id), None)
        part = {
            "part_number": first.part_number,
            "name": session.scalar(sa.select(Part.name).where(Part.part_number == first.part_number)),
            "serial_fitted": None,
            "serial_removed": serial,
            "fitted_on": None,
            "warranty_end": None,
            "in_warranty": False,
            "work_order_id": first.work_order_id,
            "ticket_no": wo.ticket_no if wo else None,
            "product_id": wo.product_id if wo else None,
            "removed": True,
        }
    return {
        "serial": serial,
        "product": product_out(product, on) if product is not None else None,
        "part": part,
        "history": history(session, orders, on),
    }
