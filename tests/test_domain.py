"""Pure domain rules: SLA deadlines, warranty end dates, ticket numbers, service days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.domain import sla, tickets, warranty
from server.domain.service_day import day_start, service_date

RESPONSE = {"urgent": 2, "important": 4, "normal": 24}
RESOLUTION = {"urgent": 24, "important": 48, "normal": 72}
TAKEN_IN = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


# --- SLA clocks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "priority, response_h, resolution_h",
    [("urgent", 2, 24), ("important", 4, 48), ("normal", 24, 72)],
)
def test_deadlines_follow_the_priority_for_a_normal_customer(priority, response_h, resolution_h):
    response_due, resolution_due = sla.deadlines(TAKEN_IN, priority, "normal", RESPONSE, RESOLUTION)
    assert response_due == TAKEN_IN + timedelta(hours=response_h)
    assert resolution_due == TAKEN_IN + timedelta(hours=resolution_h)


@pytest.mark.parametrize(
    "priority, handled_as",
    [("normal", "important"), ("important", "urgent"), ("urgent", "urgent")],
)
def test_vip_customers_are_raised_one_level_and_urgent_stays_urgent(priority, handled_as):
    assert sla.effective_priority(priority, "vip") == handled_as
    response_due, resolution_due = sla.deadlines(TAKEN_IN, priority, "vip", RESPONSE, RESOLUTION)
    assert response_due == TAKEN_IN + timedelta(hours=RESPONSE[handled_as])
    assert resolution_due == TAKEN_IN + timedelta(hours=RESOLUTION[handled_as])


@pytest.mark.parametrize("tier", ["normal", "key"])
@pytest.mark.parametrize("priority", ["urgent", "important", "normal"])
def test_other_tiers_keep_their_priority(tier, priority):
    assert sla.effective_priority(priority, tier) == priority


def test_deadlines_are_configurable():
    quick = {"urgent": 0.25, "important": 0.5, "normal": 48}
    response_due, _ = sla.deadlines(TAKEN_IN, "urgent", "normal", quick, RESOLUTION)
    assert response_due == TAKEN_IN + timedelta(minutes=15)


def test_time_left_turns_negative_once_breached():
    due = TAKEN_IN + timedelta(hours=2)
    assert sla.time_left(due, TAKEN_IN + timedelta(hours=1)) == timedelta(hours=1)
    assert sla.time_left(due, TAKEN_IN + timedelta(hours=3)) == timedelta(hours=-1)


# --- warranty ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bought, months, last_day",
    [
        (date(2025, 3, 15), 12, date(2026, 3, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no Feb 31: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 30), 1, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day, next year has none
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # four years on: leap again
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across the year end
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
        (date(2025, 5, 20), 240, date(2045, 5, 20)),
    ],
)
def test_warranty_end_adds_calendar_months(bought, months, last_day):
    assert warranty.warranty_end(bought, months) == last_day


def test_warranty_covers_through_its_last_day():
    bought = date(2025, 1, 31)
    assert warranty.in_warranty(bought, 1, date(2025, 2, 28)) is True
    assert warranty.in_warranty(bought, 1, date(2025, 3, 1)) is False
    assert warranty.in_warranty(bought, 12, bought) is True


def test_without_a_purchase_date_the_product_is_out_of_warranty():
    assert warranty.warranty_end(None, 12) is None
    assert warranty.in_warranty(None, 12, date(2025, 1, 1)) is False


# --- ticket numbers and service days --------------------------------------------------


def test_ticket_format_is_the_same_for_every_channel():
    assert tickets.format_ticket(date(2026, 11, 23), 42) == "SR-20261123-0042"
    assert tickets.format_ticket(date(2026, 1, 5), 1) == "SR-20260105-0001"
    assert tickets.PATTERN.match("SR-20261123-0042")


def test_ticket_numbers_past_9999_grow_a_digit_and_still_match():
    ticket = tickets.format_ticket(date(2026, 11, 23), 12345)
    assert ticket == "SR-20261123-12345"
    assert tickets.PATTERN.match(ticket)


@pytest.mark.parametrize("bad", ["SR-2026112-0042", "SR-20261123-042", "sr-20261123-0042", "SR-20261123-0042x"])
def test_ticket_pattern_rejects_malformed_numbers(bad):
    assert not tickets.PATTERN.match(bad)


def test_service_days_are_china_standard_time():
    # 23:30 UTC on the 9th is 07:30 on the 10th in Shanghai: a request then is the 10th's.
    assert service_date(datetime(2026, 3, 9, 23, 30, tzinfo=UTC)) == date(2026, 3, 10)
    assert service_date(datetime(2026, 3, 10, 15, 59, tzinfo=UTC)) == date(2026, 3, 10)
    assert day_start(date(2026, 3, 10)) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
