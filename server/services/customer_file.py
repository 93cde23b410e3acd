"""A customer's file for the office (issue #14): products, work-order history and contact log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..domain.device_time import CONTACT_EVENTS
from ..extensions import db
from ..models import Customer, FollowUp, Product, VisitEvent, WorkOrder

# Contacts with the customer the order events record: calls and confirmations (CONTACT_EVENTS),
# a new time agreed, no one home and the note left, a refusal to sign.
CONTACT_LOG_EVENTS = (*CONTACT_EVENTS, "rescheduled", "no_one_home", "note_left", "sign_off_declined")


@dataclass(frozen=True)
class Contact:
    at: datetime
    work_order: WorkOrder
    kind: str  # a visit event kind (glossary group "event") or a follow-up kind ("followup_kind")
    group: str
    who_id: str | None
    note: str | None
    outcome: str | None = None  # a follow-up call's outcome


@dataclass
class CustomerFile:
    customer: Customer
    products: list[Product]
    work_orders: list[WorkOrder]
    contacts: list[Contact]


def customer_file(customer: Customer) -> CustomerFile:
    """Everything the office keeps about one customer, newest first."""
    products = list(
        db.session.scalars(sa.select(Product).where(Product.customer_id == customer.id).order_by(Product.serial_no))
    )
    orders = list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.product), joinedload(WorkOrder.technician))
            .where(WorkOrder.customer_id == customer.id)
            .order_by(WorkOrder.created_at.desc())
        ).unique()
    )
    by_id = {wo.id: wo for wo in orders}
    contacts: list[Contact] = []
    if by_id:
        events = db.session.scalars(
            sa.select(VisitEvent).where(
                VisitEvent.work_order_id.in_(by_id),
                VisitEvent.kind.in_(CONTACT_LOG_EVENTS),
                VisitEvent.deleted.is_(False),
            )
        )
        contacts += [
            Contact(e.corrected_at or e.created_at, by_id[e.work_order_id], e.kind, "event", e.created_by_id, e.note)
            for e in events
        ]
        calls = db.session.scalars(
            sa.select(FollowUp).where(FollowUp.work_order_id.in_(by_id), FollowUp.last_attempt_at.is_not(None))
        )
        contacts += [
            Contact(c.last_attempt_at, by_id[c.work_order_id], c.kind, "followup_kind", c.done_by_id, c.note, c.outcome)
            for c in calls
        ]
    contacts.sort(key=lambda c: c.at, reverse=True)
    return CustomerFile(customer, products, orders, contacts)
