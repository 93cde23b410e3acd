"""Warranty rules, pure: the product's warranty, the visit's coverage and fitted parts' own warranty.

Seed 003 §三(五)2: in warranty the repair is free, out of warranty it is charged after
the customer's consent. Seed 000 §二(一)1: free replacement in warranty covers damage not
caused by people; wearing parts (consumables) may be charged; a replaced part's serial is
recorded so its own warranty carries on (保修延续性). The office may decide otherwise
(`warranty_decision` on the work order). server/services/coverage.py reads the facts
from the database and asks here.
"""

from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache

HUMAN_DAMAGE, CONSUMABLE = "human_damage", "consumable"
WARRANTY_VOID_REASONS = (HUMAN_DAMAGE, CONSUMABLE)  # why a technician records `warranty_void`
VOID_NEEDS_PHOTO = frozenset({HUMAN_DAMAGE})  # the evidence the office reviews
COVERED, CHARGEABLE = "covered", "chargeable"
WARRANTY_DECISIONS = (COVERED, CHARGEABLE)  # the office's `warranty_decision`


@lru_cache(maxsize=4096)  # pure, and asked again and again: every fitted part of a pulled product's history
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


def visit_covered(decision: str | None, product_in_warranty: bool, voided: bool) -> bool:
    """Is the visit free? The office's decision wins; else in warranty and no live `warranty_void`.

    money_contract.md "Coverage": covered = decision == covered, or (no decision and the
    product in warranty on the service day and no human damage / consumable recorded).
    """
    if decision is not None:
        return decision == COVERED
    return product_in_warranty and not voided


def part_warranty_end(fit_day: date, warranty_months: int) -> date:
    """A fitted part's own warranty: from the day it was fitted, `warranty_months` of its catalogue entry."""
    return add_months(fit_day, warranty_months)


def part_in_warranty(fit_day: date, warranty_months: int, on: date) -> bool:
    """True when a part fitted on `fit_day` is still inside its own warranty on day `on` (last day included)."""
    return on <= part_warranty_end(fit_day, warranty_months)


def void_reason(void_reasons: list[str]) -> str | None:
    """The reason to show for the live `warranty_void` events of an order: human damage first (it has evidence)."""
    if not void_reasons:
        return None
    return HUMAN_DAMAGE if HUMAN_DAMAGE in void_reasons else void_reasons[0]
