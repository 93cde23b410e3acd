"""The summary a customer signs, and its hash: recomputed by the server from its own records.

The PWA computes the same canonical JSON (pwa/static/js/summary.js); the two must agree
byte for byte, so the format is fixed here: keys sorted, no spaces, UTF-8, money as
strings with two decimals, lists sorted by record id, voided records left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal


def money(value) -> str | None:
    """Two-decimal string for an amount (None stays None)."""
    return None if value is None else f"{Decimal(str(value)):.2f}"


def summary_of(work_order, diagnoses: Iterable, parts: Iterable, fees: Iterable) -> dict:
    """What was done on this work order, as the customer is shown it.

    `diagnoses`, `parts` and `fees` are the order's live (not voided) records, sorted by id.
    """
    return {
        "v": 1,
        "work_order_id": work_order.id,
        "ticket_no": work_order.ticket_no,
        "outcome": work_order.outcome,
        "diagnoses": [
            {"id": d.id, "fault_cause": d.fault_cause, "repair_method": d.repair_method}
            for d in diagnoses
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
            for p in parts
        ],
        "fees": [
            {
                "id": f.id,
                "lines": [{**line, "amount": money(line.get("amount"))} for line in f.lines],
                "total": money(f.total),
                "consented": f.consented,
            }
            for f in fees
        ],
    }


def canonical_json(data) -> bytes:
    """The byte form that is hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def summary_sha256(summary: dict) -> str:
    """Hex SHA-256 of a summary's canonical JSON."""
    return hashlib.sha256(canonical_json(summary)).hexdigest()
