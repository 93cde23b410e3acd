"""Fee quotes as a phone builds them: priced with server/domain/fees.py from the server's schedule.

Tests that record a visit use these so their quotes (and fitted parts) pass the server's
recomputation; a test of a refusal changes one field of what these return.
"""

from __future__ import annotations

from decimal import Decimal

from server.domain import fees
from server.extensions import db
from server.models import Part, WorkOrder
from server.services import fee_schedule
from server.services.coverage import coverage_of

CONSENTED_AT = "2026-11-23T10:00:00+08:00"
WORDS = {"call_out": "上门费", "labour": "工时费", "trade_in": "以旧换新抵扣", "waiver": "减免", "discount": "折扣"}


def covered(wo_id: str) -> bool:
    return coverage_of(db.session, db.session.get(WorkOrder, wo_id)).covered


def fee_quote_fields(
    wo_id: str,
    parts=(),
    *,
    work_minutes: int = 0,
    travel_minutes: int = 0,
    adjustments=(),
    consented: bool = True,
    consented_at: str | None = CONSENTED_AT,
) -> dict:
    """`fee_quote` create fields: parts are (part_number, quantity) or dicts like the wire's."""
    parts = [
        p if isinstance(p, dict) else {"part_number": p[0], "quantity": p[1], "trade_in": False, "serial_removed": None}
        for p in parts
    ]
    parts = [{"trade_in": False, "serial_removed": None, **p} for p in parts]
    adjustments = [{"line": None, "amount": None, **a} for a in adjustments]
    schedule = fee_schedule.schedule(db.session, [p["part_number"] for p in parts])
    quote = fees.compute_quote(
        schedule,
        fees.QuoteIn(
            covered=covered(wo_id),
            work_minutes=work_minutes,
            parts=tuple(fees.PartIn(p["part_number"], p["quantity"], p["trade_in"]) for p in parts),
            adjustments=tuple(
                fees.Adjustment(
                    a["kind"], a["reason"], a["line"], None if a["amount"] is None else Decimal(a["amount"])
                )
                for a in adjustments
            ),
        ),
    )
    lines = [{**line, "description": WORDS.get(line["kind"], line["ref"])} for line in quote.lines]
    return {
        "work_order_id": wo_id,
        "schedule_revision": schedule.revision,
        "work_minutes": work_minutes,
        "travel_minutes": travel_minutes,
        "parts": parts,
        "adjustments": adjustments,
        "lines": lines,
        "total": quote.total,
        "consented": consented,
        "consented_at": consented_at if consented else None,
    }


def fitted_fields(wo_id: str, part_number: str = "PCB-220", quantity: int = 1, **more) -> dict:
    """`part_fitted` fields at the price the server expects (0.00 and under warranty when covered)."""
    free = covered(wo_id)
    price = db.session.query(Part.price).filter_by(part_number=part_number).scalar()
    return {
        "work_order_id": wo_id,
        "part_number": part_number,
        "quantity": quantity,
        "unit_price": "0.00" if free else f"{price:.2f}",
        "under_warranty": free,
        **more,
    }
