"""Working hours: when the service clocks run, across nights, weekends and holidays.

A calendar is one working period a weekday (or none) plus holiday dates, read in the
service area's time zone (`service_day.SERVICE_TZ`). SLA clocks count only working time:
a deadline N working minutes after a moment skips closed hours, and lands either inside
working time or exactly on the close of a working period, never inside a night.

The defaults are seed 000 §二(一)2: "公布服務時間,如標準工作日8:30-18:00" (standard working
days, Monday to Friday, 8:30-18:00). Holidays are dates the manager enters in the office.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from .service_day import SERVICE_TZ

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Seed 000 §二(一)2: standard working days 8:30-18:00.
SEED_HOURS = {day: ("08:30", "18:00") if day not in ("sat", "sun") else None for day in WEEKDAYS}
# Deadlines further than this are refused rather than searched forever (a calendar open one
# hour a week still reaches a 720-hour deadline well within it).
HORIZON_DAYS = 20 * 366

Period = tuple[int, int]  # minutes since midnight, [open, close), 0 <= open < close <= 1440


def parse_clock(text: str) -> int:
    """'08:30' -> 510 minutes; '24:00' is the end of the day. ValueError otherwise."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(text)
    return value


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods Monday..Sunday (None: closed) and holiday dates, in `tz`."""

    periods: tuple[Period | None, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: tzinfo = SERVICE_TZ

    def __post_init__(self):
        if len(self.periods) != 7:
            raise ValueError("seven weekdays")
        for period in self.periods:
            if period is not None and not (0 <= period[0] < period[1] <= DAY_MINUTES):
                raise ValueError(f"bad working period {period}")
        if all(p is None for p in self.periods):
            raise ValueError("no working day")

    @classmethod
    def from_hours(
        cls, hours: Mapping[str, Sequence[str] | None], holidays: Iterable[date | str] = (), tz: tzinfo = SERVICE_TZ
    ) -> WorkCalendar:
        """From {"mon": ("08:30", "18:00"), "sat": None, ...} and ISO dates."""
        periods = tuple(
            (parse_clock(hours[d][0]), parse_clock(hours[d][1])) if hours.get(d) else None for d in WEEKDAYS
        )
        days = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays)
        return cls(periods, days, tz)

    @classmethod
    def always_open(cls, tz: tzinfo = SERVICE_TZ) -> WorkCalendar:
        return cls(((0, DAY_MINUTES),) * 7, frozenset(), tz)

    def hours(self) -> dict[str, tuple[str, str] | None]:
        return {
            d: (format_clock(p[0]), format_clock(p[1])) if p else None
            for d, p in zip(WEEKDAYS, self.periods, strict=True)
        }

    # --- the periods ---------------------------------------------------------------

    def period_on(self, day: date) -> tuple[datetime, datetime] | None:
        """The working period of a local day as aware datetimes, or None (closed, holiday)."""
        if day in self.holidays:
            return None
        period = self.periods[day.weekday()]
        if period is None:
            return None
        midnight = datetime.combine(day, time.min, self.tz)
        return midnight + timedelta(minutes=period[0]), midnight + timedelta(minutes=period[1])

    def _periods_from(self, moment: datetime):
        """Working periods (clipped to start at `moment`) from `moment` on, in order."""
        local = moment.astimezone(self.tz)
        day = local.date()
        for _ in range(HORIZON_DAYS):
            period = self.period_on(day)
            if period is not None and period[1] > local:
                yield max(period[0], local), period[1]
            day += timedelta(days=1)
        raise ValueError("no working time within the horizon")

    def is_working(self, moment: datetime) -> bool:
        """Inside a working period (its opening included, its close not)."""
        period = self.period_on(moment.astimezone(self.tz).date())
        return period is not None and period[0] <= moment < period[1]

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself in working time, else the next opening."""
        start, _ = next(self._periods_from(moment))
        return start.astimezone(moment.tzinfo)

    def add_working(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `moment` (same time zone as `moment`)."""
        if duration < timedelta(0):
            raise ValueError("negative duration")
        remaining = duration
        for start, end in self._periods_from(moment):
            if remaining <= end - start:
                return (start + remaining).astimezone(moment.tzinfo)
            remaining -= end - start
        raise AssertionError("unreachable")  # pragma: no cover

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end) (zero if end is not after start)."""
        total = timedelta(0)
        if end <= start:
            return total
        for p_start, p_end in self._periods_from(start):
            if p_start >= end:
                break
            total += min(p_end, end) - p_start
        return total
