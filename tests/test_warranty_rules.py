"""The pure warranty rules (server/domain/warranty.py): who pays for a visit, and a fitted part's own warranty."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.warranty import (
    add_months,
    in_warranty,
    part_in_warranty,
    part_warranty_end,
    visit_covered,
    void_reason,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
months = st.integers(min_value=0, max_value=120)


@pytest.mark.parametrize(
    ("decision", "product_ok", "voided", "covered"),
    [
        (None, True, False, True),  # in warranty, nothing recorded: free [seed 003 §三(五)2]
        (None, True, True, False),  # human damage or a consumable recorded [seed 000 §二(一)1]
        (None, False, False, False),  # out of warranty
        ("covered", False, True, True),  # the office decides over the rule, either way
        ("covered", True, True, True),
        ("chargeable", True, False, False),
        ("chargeable", False, False, False),
    ],
)
def test_who_pays_for_the_visit(decision, product_ok, voided, covered):
    assert visit_covered(decision, product_ok, voided) is covered


def test_human_damage_is_the_reason_shown_when_both_are_recorded():
    assert void_reason([]) is None
    assert void_reason(["consumable"]) == "consumable"
    assert void_reason(["consumable", "human_damage"]) == "human_damage"


def test_month_ends_clamp():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert part_warranty_end(date(2026, 8, 31), 6) == date(2027, 2, 28)


@given(days, months)
def test_add_months_lands_in_the_right_month_and_never_later_in_it(day, n):
    end = add_months(day, n)
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == n
    assert end.day <= day.day
    assert end.day == day.day or (end + timedelta(days=1)).month != end.month  # only clamped at a month's end


@given(days, months, months)
def test_a_longer_warranty_never_ends_sooner(day, a, b):
    lo, hi = sorted((a, b))
    assert part_warranty_end(day, lo) <= part_warranty_end(day, hi)


@given(days, months, st.integers(min_value=-400, max_value=4000))
def test_a_part_is_covered_up_to_and_including_its_last_day(fitted, n, offset):
    end = part_warranty_end(fitted, n)
    on = fitted + timedelta(days=offset)
    assert part_in_warranty(fitted, n, on) is (on <= end)
    assert part_in_warranty(fitted, n, end) and not part_in_warranty(fitted, n, end + timedelta(days=1))
    # the same rule as the product's own warranty, counted from the fit day
    assert part_in_warranty(fitted, n, on) is in_warranty(fitted, n, on)
