"""The working-hours calendar and the seeds' SLA numbers (pure domain, no database).

Seeds: 000 §二(一)2 (standard working days 8:30-18:00), 000 §二(二)1 (15 min in working hours,
within 8 h of the next working day otherwise), 001 §四3 (respond: 緊急 15 min, 普通 30 min;
resolve: 緊急 4 h, 普通 24 h), 000 §四(一)1 (VIP first, key ahead of normal).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import _work_hours
from server.domain import sla
from server.domain.service_day import SERVICE_TZ
from server.domain.work_calendar import DAY_MINUTES, SEED_HOURS, WorkCalendar, parse_clock

SEED = WorkCalendar.from_hours(SEED_HOURS)
SEED_RESPONSE = {"urgent": 0.25, "important": 0.25, "normal": 0.5}
SEED_RESOLUTION = {"urgent": 4, "important": 24, "normal": 24}


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SERVICE_TZ)


# 2026-11-23 is a Monday.
MON, FRI, SAT = date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 28)


# --- the seed's numbers ------------------------------------------------------------------


def test_the_seed_calendar_is_monday_to_friday_half_past_eight_to_six():
    assert SEED.period_on(MON) == (local(2026, 11, 23, 8, 30), local(2026, 11, 23, 18))
    assert SEED.period_on(SAT) is None and SEED.period_on(date(2026, 11, 29)) is None


def test_the_config_reads_the_same_calendar_as_the_seed():
    assert _work_hours("mon-fri 08:30-18:00") == {d: (list(s) if s else None) for d, s in SEED_HOURS.items()}
    assert _work_hours("mon-fri 08:30-18:00; sat 09:00-12:00")["sat"] == ["09:00", "12:00"]


def test_the_config_defaults_are_the_seeds(app):
    assert app.config["SLA_RESPONSE_HOURS"] == SEED_RESPONSE  # 001 §四3, 000 §二(二)1
    assert app.config["SLA_RESOLUTION_HOURS"] == SEED_RESOLUTION  # 001 §四3
    assert app.config["SLA_AFTER_HOURS_RESPONSE_HOURS"] == 8  # 000 §二(二)1
    assert app.config["WORK_HOURS"]["mon"] == ["08:30", "18:00"] and app.config["WORK_HOURS"]["sat"] is None


@pytest.mark.parametrize(
    "priority, response, resolution",
    [("urgent", timedelta(minutes=15), timedelta(hours=4)), ("normal", timedelta(minutes=30), timedelta(hours=24))],
)
def test_in_working_hours_the_seed_limits_run_in_working_time(priority, response, resolution):
    taken_in = local(2026, 11, 23, 9, 0)  # Monday 9:00
    response_due, resolution_due = sla.deadlines(taken_in, priority, "normal", SEED_RESPONSE, SEED_RESOLUTION, SEED, 8)
    assert response_due == taken_in + response
    assert SEED.working_between(taken_in, resolution_due) == resolution


def test_an_urgent_request_late_on_friday_is_due_on_monday_morning():
    taken_in = local(2026, 11, 27, 17, 50)  # Friday, 10 minutes before closing
    response_due, resolution_due = sla.deadlines(taken_in, "urgent", "normal", SEED_RESPONSE, SEED_RESOLUTION, SEED, 8)
    assert response_due == local(2026, 11, 30, 8, 35)  # 10 min on Friday, 5 on Monday
    assert resolution_due == local(2026, 11, 30, 12, 20)  # 4 h: 10 min Friday, 3 h 50 Monday


def test_a_request_taken_in_at_night_is_due_within_eight_hours_of_the_next_working_day():
    # Seed 000 §二(二)1: "非工作時間內下一個工作日8小時內".
    taken_in = local(2026, 11, 28, 22, 0)  # Saturday night
    response_due, _ = sla.deadlines(taken_in, "normal", "normal", SEED_RESPONSE, SEED_RESOLUTION, SEED, 8)
    assert response_due == local(2026, 11, 30, 16, 30)
    # An urgent one (or a VIP's important one, raised to urgent) goes first thing: 000 §二(一)1 green channel.
    for priority, tier in (("urgent", "normal"), ("important", "vip")):
        response_due, _ = sla.deadlines(taken_in, priority, tier, SEED_RESPONSE, SEED_RESOLUTION, SEED, 8)
        assert response_due == local(2026, 11, 30, 8, 45)


def test_holidays_do_not_run_the_clock():
    with_holiday = WorkCalendar.from_hours(SEED_HOURS, ["2026-11-30"])  # the Monday
    taken_in = local(2026, 11, 27, 17, 0)
    due = with_holiday.add_working(taken_in, timedelta(hours=2))
    assert due == local(2026, 12, 1, 9, 30)  # 1 h Friday, Monday off, 1 h Tuesday


def test_utc_in_utc_out():
    taken_in = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 9:00 in the service area
    assert SEED.add_working(taken_in, timedelta(minutes=15)) == datetime(2026, 11, 23, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "priority, tier, rank",
    [
        ("normal", "vip", (1, 0)),  # VIP raised a level and first
        ("normal", "key", (2, 1)),  # key keeps its level, ahead of normal
        ("normal", "normal", (2, 2)),
        ("urgent", "key", (0, 1)),
    ],
)
def test_vip_first_and_key_ahead_of_normal(priority, tier, rank):
    assert sla.queue_rank(priority, tier) == rank
    ordered = sorted(["normal", "key", "vip"], key=lambda t: sla.queue_rank("important", t))
    assert ordered == ["vip", "key", "normal"]


def test_an_appointment_after_the_resolution_deadline_is_a_warning():
    due = local(2026, 11, 24, 12, 0)
    [warning] = sla.schedule_warnings(due + timedelta(minutes=1), due)
    assert warning.code == "sla.appointment_after_resolution" and warning.params == {"due": "2026-11-24 12:00"}
    assert sla.schedule_warnings(due, due) == []
    assert sla.schedule_warnings(None, due) == []
    assert sla.schedule_warnings(due + timedelta(days=1), due, closed=True) == []


def test_clock_texts():
    assert parse_clock("08:30") == 510 and parse_clock("24:00") == DAY_MINUTES
    for bad in ("8", "25:00", "08:60", "ab:cd", "24:01"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_a_calendar_without_any_working_day_is_refused():
    with pytest.raises(ValueError):
        WorkCalendar.from_hours({})
    with pytest.raises(ValueError):
        WorkCalendar.from_hours({"mon": ("18:00", "08:30")})


# --- properties ---------------------------------------------------------------------------


@st.composite
def calendars(draw) -> WorkCalendar:
    periods = []
    for _ in range(7):
        if draw(st.booleans()):
            opens = draw(st.integers(0, DAY_MINUTES - 15))
            closes = draw(st.integers(opens + 1, DAY_MINUTES))
            periods.append((opens, closes))
        else:
            periods.append(None)
    if all(p is None for p in periods):
        periods[draw(st.integers(0, 6))] = (510, 1080)
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2027, 3, 31)), max_size=40))
    return WorkCalendar(tuple(periods), holidays)


moments = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))


def weekly_minutes(calendar: WorkCalendar) -> int:
    return sum(p[1] - p[0] for p in calendar.periods if p)


@st.composite
def cases(draw, n_durations=1, n_moments=1):
    """A calendar (the seed's or any), moments, and durations within ~30 of its working weeks."""
    calendar = draw(st.one_of(st.just(SEED), calendars()))
    most = min(60 * 24 * 10, 30 * weekly_minutes(calendar))
    found = [draw(moments) for _ in range(n_moments)]
    found += [timedelta(minutes=draw(st.integers(0, most))) for _ in range(n_durations)]
    return calendar, *found


@settings(max_examples=150, deadline=None)
@given(cases())
def test_a_deadline_is_in_working_time_or_exactly_at_a_close(case):
    calendar, start, duration = case
    due = calendar.add_working(start, duration)
    assert due >= start
    if not calendar.is_working(due):
        period = calendar.period_on(due.astimezone(calendar.tz).date())
        at_close = period is not None and due == period[1]
        at_start = duration == timedelta(0) and due == start
        assert at_close or at_start, (due, period)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_working_time_up_to_a_deadline_is_the_duration(case):
    calendar, start, duration = case
    assert calendar.working_between(start, calendar.add_working(start, duration)) == duration


@settings(max_examples=150, deadline=None)
@given(cases(n_durations=2))
def test_adding_working_time_is_monotonic(case):
    calendar, start, a, b = case
    shorter, longer = sorted((a, b))
    assert calendar.add_working(start, shorter) <= calendar.add_working(start, longer)


@settings(max_examples=150, deadline=None)
@given(cases(n_moments=2))
def test_a_later_start_never_gives_an_earlier_deadline(case):
    calendar, s1, s2, duration = case
    early, late = sorted((s1, s2))
    assert calendar.add_working(early, duration) <= calendar.add_working(late, duration)


@settings(max_examples=150, deadline=None)
@given(cases(n_durations=2))
def test_splitting_an_interval_adds_up(case):
    calendar, start, a, b = case
    # a then b of working time ends where a + b does, up to a jump over closed time at the split.
    direct = calendar.add_working(start, a + b)
    stepped = calendar.add_working(calendar.add_working(start, a), b)
    if b > timedelta(0):
        assert stepped == direct
    end = direct
    middle = calendar.add_working(start, a)
    assert calendar.working_between(start, middle) + calendar.working_between(middle, end) == a + b


@settings(max_examples=150, deadline=None)
@given(cases(n_moments=2, n_durations=0))
def test_working_time_between_is_additive(case):
    calendar, s1, s2 = case
    early, late = sorted((s1, s2))
    middle = early + (late - early) / 2
    assert calendar.working_between(early, late) == calendar.working_between(early, middle) + calendar.working_between(
        middle, late
    )
    assert calendar.working_between(late, early) == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(cases(n_durations=0))
def test_holidays_and_closed_days_add_no_working_time(case):
    calendar, start = case
    day = start.astimezone(calendar.tz).date()
    lo = datetime.combine(day, datetime.min.time(), calendar.tz)
    hi = lo + timedelta(days=1)
    period = calendar.period_on(day)
    expected = timedelta(0) if period is None else period[1] - period[0]
    assert calendar.working_between(lo, hi) == expected
