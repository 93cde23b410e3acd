"""The summary a customer signs, and its hash: recomputed by the server from its own records.

The PWA computes the same canonical JSON (pwa/static/js/summary.js); the two must agree
byte for byte, so the format is fixed here: keys sorted, no spaces, UTF-8, money as
strings with two decimals, lists sorted by record id, voided records left out.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import CustomerSignOff, Diagnosis, FeeQuote, PartFitted, WorkOrder


def money(value) -> str | None:
    """Two-decimal string for an amount (None stays None)."""
    return None if value is None else f"{Decimal(str(value)):.2f}"


def _live(session: Session, model, work_order_id: str):
    return session.scalars(
        sa.select(model)
        .where(model.work_order_id == work_order_id, model.deleted.is_(False))
        .order_by(model.id)
    ).all()


def compute_summary(session: Session, work_order: WorkOrder) -> dict:
    """What was done on this work order, as the customer is shown it."""
    return {
        "v": 1,
        "work_order_id": work_order.id,
        "ticket_no": work_order.ticket_no,
        "outcome": work_order.outcome,
        "diagnoses": [
            {"id": d.id, "fault_cause": d.fault_cause, "repair_method": d.repair_method}
            for d in _live(session, Diagnosis, work_order.id)
            if d.customer_visible
        ],
        "parts": [
            {
                "id": p.id,
                "part_number": p.part_number,
                "serial_fitted": p.serial_fitted,
                "serial_removed": p.serial_removed,
                "quantity": p.quantity,
                "unit_price": money(p.unit_price),
                "under_warranty": p.under_warranty,
            }
            for p in _live(session, PartFitted, work_order.id)
        ],
        "fees": [
            {
                "id": f.id,
                "lines": [{**line, "amount": money(line.get("amount"))} for line in f.lines],
                "total": money(f.total),
                "consented": f.consented,
            }
            for f in _live(session, FeeQuote, work_order.id)
        ],
    }


def canonical_json(data) -> bytes:
    """The byte form that is hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def summary_sha256(summary: dict) -> str:
    """Hex SHA-256 of a summary's canonical JSON."""
    return hashlib.sha256(canonical_json(summary)).hexdigest()


def sign_off_of(session: Session, work_order_id: str) -> CustomerSignOff | None:
    """The customer's sign-off of a work order, if there is one."""
    return session.scalar(
        sa.select(CustomerSignOff).where(
            CustomerSignOff.work_order_id == work_order_id, CustomerSignOff.deleted.is_(False)
        )
    )


def verify_sign_off(session: Session, sign_off: CustomerSignOff) -> bool:
    """True while the records still hash to what the customer signed."""
    wo = session.get(WorkOrder, sign_off.work_order_id)
    return summary_sha256(compute_summary(session, wo)) == sign_off.summary_sha256
