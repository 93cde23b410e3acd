"""Whether a visit and each part on it are covered by warranty: the one place that decides.

Fees (server/domain/fees.py), the sync checks on fitted parts and the PDF all ask here, so
the phone's price and the server's agree on one rule. Today: the product's own warranty
from its purchase date [seed 003 §三(五)2]; the human-damage / consumable exception, the
office's override and fitted parts' own warranty extend this module (issue #13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.service_day import today
from ..domain.warranty import in_warranty
from ..models import WorkOrder


@dataclass(frozen=True)
class Coverage:
    covered: bool  # the visit (call-out, labour, parts) is free under warranty

    def part_covered(self, serial_removed: str | None) -> bool:
        """True when the part replaces a fitted part still inside its own warranty."""
        return False


def coverage_of(session: Session, wo: WorkOrder, now: datetime | None = None) -> Coverage:
    """The warranty coverage of a work order's visit on the service day of `now`."""
    product = wo.product
    covered = product is not None and in_warranty(product.purchase_date, product.warranty_months, today(now))
    return Coverage(covered=covered)
