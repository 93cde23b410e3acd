"""One search box for the office (issue #14): ticket no., customer phone, product or part serial, name.

Phones are stored encrypted; they are found by their keyed hash (crypto.phone_digest), so a
phone matches only when typed whole (with or without +86, spaces or dashes). Everything
else matches anywhere in the text, case ignored, with % and _ taken literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..crypto import phone_digits
from ..extensions import db
from ..models import Customer, PartFitted, Product, WorkOrder
from ..search import ESCAPE, contains_pattern

LIMIT = 50  # per kind: a search box, not a report
# What could be a phone number typed whole: digits with spaces, dashes, dots, brackets or a +.
PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{7,}$")


@dataclass
class SearchResults:
    query: str
    exact_order: WorkOrder | None = None  # the ticket typed exactly
    phone_matches: list[str] = field(default_factory=list)  # ids of the customers with the phone typed whole
    work_orders: list[WorkOrder] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    parts: list[PartFitted] = field(default_factory=list)
    orders_by_id: dict[str, WorkOrder] = field(default_factory=dict)  # the orders of the parts found

    @property
    def empty(self) -> bool:
        return not (self.work_orders or self.customers or self.products or self.parts)


def _like(column, text: str):
    return sa.func.upper(column).like(contains_pattern(text.upper()), escape=ESCAPE)


def search(query: str | None) -> SearchResults:
    """Everything the office might mean by `query`, each kind at most LIMIT, newest orders first."""
    text = (query or "").strip()[:100]
    results = SearchResults(text)
    if not text:
        return results
    results.exact_order = db.session.scalar(
        sa.select(WorkOrder).where(sa.func.upper(WorkOrder.ticket_no) == text.upper())
    )
    results.work_orders = list(
        db.session.scalars(
            sa.select(WorkOrder)
            .options(joinedload(WorkOrder.customer), joinedload(WorkOrder.technician))
            .where(_like(WorkOrder.ticket_no, text))
            .order_by(WorkOrder.created_at.desc())
            .limit(LIMIT)
        ).unique()
    )
    by_name = _like(Customer.name, text)
    who = by_name
    if PHONE_LIKE.match(text) and phone_digits(text):
        results.phone_matches = list(db.session.scalars(sa.select(Customer.id).where(Customer.phone_is(text))))
        who = sa.or_(by_name, Customer.phone_is(text))
    results.customers = list(db.session.scalars(sa.select(Customer).where(who).order_by(Customer.name).limit(LIMIT)))
    results.products = list(
        db.session.scalars(
            sa.select(Product)
            .options(joinedload(Product.customer))
            .where(_like(Product.serial_no, text))
            .order_by(Product.serial_no)
            .limit(LIMIT)
        ).unique()
    )
    results.parts = list(
        db.session.scalars(
            sa.select(PartFitted)
            .where(
                PartFitted.deleted.is_(False),
                sa.or_(_like(PartFitted.serial_fitted, text), _like(PartFitted.serial_removed, text)),
            )
            .order_by(PartFitted.created_at.desc())
            .limit(LIMIT)
        )
    )
    ids = {part.work_order_id for part in results.parts}
    if ids:
        results.orders_by_id = {
            wo.id: wo
            for wo in db.session.scalars(
                sa.select(WorkOrder).options(joinedload(WorkOrder.customer)).where(WorkOrder.id.in_(ids))
            ).unique()
        }
    return results


def only_order(results: SearchResults) -> WorkOrder | None:
    """The order to open straight away: the ticket typed exactly, when nothing else matched."""
    exact = results.exact_order
    if exact is None:
        return None
    others = results.customers or results.products or results.parts
    return exact if not others and [wo.id for wo in results.work_orders] == [exact.id] else None


def only_customer(results: SearchResults) -> str | None:
    """The customer to open straight away: the one whose whole phone number was typed, when nothing else matched
    (the caller on the line)."""
    if len(results.phone_matches) != 1 or results.work_orders or results.products or results.parts:
        return None
    return results.phone_matches[0] if [c.id for c in results.customers] == results.phone_matches else None
