"""Warranty status of a product from its purchase date and warranty period [003]."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end(purchase_date: date | None, warranty_months: int) -> date | None:
    """Last day covered, or None when the purchase date is unknown."""
    if purchase_date is None:
        return None
    return add_months(purchase_date, warranty_months)


def in_warranty(purchase_date: date | None, warranty_months: int, on: date) -> bool:
    """True when a product bought on `purchase_date` is still covered on day `on`.

    Without a purchase date (no proof of purchase) the product is treated as out of warranty.
    """
    end = warranty_end(purchase_date, warranty_months)
    return end is not None and on <= end
