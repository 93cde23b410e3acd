"""Whether a visit and each part on it are covered by warranty: the one place that decides.

Fees (server/domain/fees.py), the sync checks on fitted parts and the PDF all ask here, so
the phone's price and the server's agree on one rule (money_contract.md "Coverage"; the
pure rules are server/domain/warranty.py):
- the visit: the office's `warranty_decision` if it made one; else the product in warranty
  on the service day [seed 003 §三(五)2] and no live `warranty_void` (human damage or a
  consumable, seed 000 §二(一)1) on the order;
- a part: also free when the part it replaces (`serial_removed`) was fitted earlier (any
  work order, live record) and is still inside its own warranty, `Part.warranty_months`
  from the day it was fitted [seed 000 §二(一)1: 保修延续性].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.service_day import service_date
from ..domain.service_day import today as service_today
from ..domain.warranty import in_warranty, part_warranty_end, visit_covered, void_reason
from ..models import Part, PartFitted, VisitEvent, WorkOrder
from .id_lists import id_among

WARRANTY_VOID = "warranty_void"


class FittedPart(NamedTuple):
    """A live fitted-part record and its own warranty (a named tuple: a product's history on a
    first pull makes hundreds, and a frozen dataclass cost three times as much to build)."""

    id: str
    work_order_id: str
    part_number: str
    serial_fitted: str | None
    serial_removed: str | None
    fit_day: date
    warranty_end: date | None  # None: the part is not in the catalogue (no warranty known)

    def in_warranty_on(self, day: date) -> bool:
        return self.warranty_end is not None and day <= self.warranty_end


@dataclass(frozen=True)
class Coverage:
    covered: bool  # the visit (call-out, labour, parts) is free under warranty
    day: date | None = None  # the service day it was decided for
    product_in_warranty: bool = False
    decision: str | None = None  # the office's, when it made one
    void_reason: str | None = None  # "human_damage" | "consumable" when a live warranty_void is recorded
    work_order_id: str | None = None  # the visit's own fittings are not an earlier part's warranty
    _session: Session | None = field(default=None, repr=False, compare=False)

    def part_covered(self, serial_removed: str | None) -> bool:
        """True when the part replaces a part fitted earlier, on another order, on or before the service
        day, and still inside its own warranty on that day (a record of this visit, or one dated after
        it, cannot have given the removed part a warranty)."""
        if not serial_removed or self._session is None or self.day is None:
            return False
        return any(
            f.work_order_id != self.work_order_id and f.fit_day <= self.day and f.in_warranty_on(self.day)
            for f in fitted_with_serial(self._session, serial_removed)
        )


def coverage_of(
    session: Session, wo: WorkOrder, now: datetime | None = None, reasons: list[str] | None = None
) -> Coverage:
    """The warranty coverage of a work order's visit on the service day of `now`.

    `reasons`: the order's void reasons if the caller read them already (void_reasons_of).
    """
    day = service_today(now)
    product = wo.product
    product_ok = product is not None and in_warranty(product.purchase_date, product.warranty_months, day)
    if reasons is None:
        reasons = void_reasons(session, wo.id)
    return Coverage(
        covered=visit_covered(wo.warranty_decision, product_ok, bool(reasons)),
        day=day,
        product_in_warranty=product_ok,
        decision=wo.warranty_decision,
        void_reason=void_reason(reasons),
        work_order_id=wo.id,
        _session=session,
    )


def void_reasons(session: Session, work_order_id: str) -> list[str]:
    """The reasons of the order's live `warranty_void` events, oldest first."""
    return void_reasons_of(session, [work_order_id])[work_order_id]


def void_reasons_of(session: Session, work_order_ids) -> dict[str, list[str]]:
    """void_reasons for several orders in one query: work order id -> reasons (every id given)."""
    out: dict[str, list[str]] = {wo_id: [] for wo_id in work_order_ids}
    if not out:
        return out
    rows = session.execute(
        sa.select(VisitEvent.work_order_id, VisitEvent.data)
        .where(
            id_among(session)(VisitEvent.work_order_id, out),
            VisitEvent.kind == WARRANTY_VOID,
            VisitEvent.deleted.is_(False),
        )
        .order_by(VisitEvent.created_at)
    )
    for wo_id, data in rows:
        if isinstance(data, dict) and data.get("reason"):
            out[wo_id].append(data["reason"])
    return out


def fit_day(corrected_at: datetime | None, created_at: datetime) -> date:
    """The service day a part was fitted: its trusted time, else when the server got the record."""
    return service_date(corrected_at or created_at)


def part_end(fitted_on: date, warranty_months: int | None) -> date | None:
    return None if warranty_months is None else part_warranty_end(fitted_on, warranty_months)


def fitted_query():
    """Live fitted parts with their catalogue warranty (outer join: a part gone from the catalogue has none)."""
    return (
        sa.select(
            PartFitted.id,
            PartFitted.work_order_id,
            PartFitted.part_number,
            PartFitted.serial_fitted,
            PartFitted.serial_removed,
            PartFitted.corrected_at,
            PartFitted.created_at,
            Part.warranty_months,
        )
        .outerjoin(Part, Part.part_number == PartFitted.part_number)
        .where(PartFitted.deleted.is_(False))
        .order_by(PartFitted.created_at, PartFitted.id)
    )


def fitted_from_row(row) -> FittedPart:
    """A row of fitted_query() as a FittedPart (unpacked by position: reading each by name cost
    twice as much; the pull's product histories read the rows straight, sync/serialize.py)."""
    rid, work_order_id, part_number, serial_fitted, serial_removed, corrected_at, created_at, months = row
    day = fit_day(corrected_at, created_at)
    return FittedPart(rid, work_order_id, part_number, serial_fitted, serial_removed, day, part_end(day, months))


def fitted_with_serial(session: Session, serial: str) -> list[FittedPart]:
    """Live fitted parts whose fitted serial is `serial` (the unit now in the product)."""
    return [fitted_from_row(r) for r in session.execute(fitted_query().where(PartFitted.serial_fitted == serial))]


def fitted_on_orders(session: Session, work_order_ids: list[str]) -> dict[str, list[FittedPart]]:
    """work order id -> its live fitted parts with their own warranty end, in fitting order."""
    out: dict[str, list[FittedPart]] = {}
    if not work_order_ids:
        return out
    for row in session.execute(fitted_query().where(id_among(session)(PartFitted.work_order_id, work_order_ids))):
        out.setdefault(row.work_order_id, []).append(fitted_from_row(row))
    return out
