"""SLA clocks: response and resolution deadlines from priority and customer tier.

The rules, from the seeds (the numbers are defaults in `server/config.py`; managers change them):

- Response (the first contact with the customer) [001 §四3 "響應時效: 緊急問題15分鐘內響應, 普通問題
  30分鐘內響應"; 000 §二(二)1 "工作時間內15分鐘內"]: urgent 15 min, important 15 min, normal 30 min
  of working time. 001's 緊急 is "影響核心業務使用", which covers Onsite's urgent and important (000 §三(二)1
  重要級: "核心功能無法正常使用"); its 普通 ("常規咨詢或輕微故障") is Onsite's normal (000 一般級).
- A request taken in outside working hours [000 §二(二)1 "非工作時間內下一個工作日8小時內"] is due within
  the first 8 working hours of the next working day; an urgent one keeps its own limit from the next
  opening [000 §二(一)1: 緊急故障 "設立綠色通道,優先處理並第一時間聯繫客戶"].
- Resolution [001 §四3 "解決時效: 技術故障: 緊急問題4小時內解決, 普通問題24小時內解決"]: urgent 4 h,
  important and normal 24 h, of working time (4 h is kept for 000 §三(二)1 緊急級: safety, business stopped).
- All of them count working time only (`work_calendar`): nights, weekends and holidays do not run the clock.
- Tiers [000 §四(一)1]: a VIP customer's request "問題優先處理" is raised one level; a key customer
  (重點客戶) "較普通客戶提前處理" keeps its level but is handled ahead of a normal customer's at the same
  level: `queue_rank` orders VIP, then key, then normal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .areas import city_of, outside_area
from .errors import M_, _fill
from .service_day import format_local
from .work_calendar import WorkCalendar

LEVELS = ("urgent", "important", "normal")
TIERS = ("vip", "key", "normal")


def effective_priority(priority: str, tier: str) -> str:
    """VIP customers are raised one level (normal -> important -> urgent) [000 §四(一)1, 004]."""
    if tier == "vip" and priority in LEVELS:
        return LEVELS[max(0, LEVELS.index(priority) - 1)]
    return priority


def tier_rank(tier: str) -> int:
    """0 for VIP, 1 for key, 2 for normal: VIP first, key ahead of normal [000 §四(一)1]."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def queue_rank(priority: str, tier: str) -> tuple[int, int]:
    """Handling order: effective priority first, then the tier (VIP, key, normal)."""
    level = effective_priority(priority, tier)
    return (LEVELS.index(level) if level in LEVELS else len(LEVELS), tier_rank(tier))


def deadlines(
    created_at: datetime,
    priority: str,
    tier: str,
    response_hours: Mapping[str, float],
    resolution_hours: Mapping[str, float],
    calendar: WorkCalendar | None = None,
    after_hours_response_hours: float | None = None,
) -> tuple[datetime, datetime]:
    """(response_due, resolution_due) for a request taken in at `created_at`.

    Without a calendar the hours are wall-clock hours. With one they are working hours, and a
    request taken in outside working hours is due `after_hours_response_hours` of working time
    after the next opening (000 §二(二)1), if given, unless it is urgent (000 §二(一)1).
    """
    level = effective_priority(priority, tier)
    response, resolution = timedelta(hours=response_hours[level]), timedelta(hours=resolution_hours[level])
    if calendar is None:
        return created_at + response, created_at + resolution
    if after_hours_response_hours is not None and level != "urgent" and not calendar.is_working(created_at):
        response = timedelta(hours=after_hours_response_hours)
    return calendar.add_working(created_at, response), calendar.add_working(created_at, resolution)


@dataclass(frozen=True)
class SlaWarning:
    """Something the office should know but may go ahead with: a stable code, an English msgid, params."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self, translate=lambda m: m) -> str:
        return _fill(translate(self.message), self.params)


APPOINTMENT_AFTER_RESOLUTION = "sla.appointment_after_resolution"


def schedule_warnings(
    appointment_start: datetime | None, resolution_due: datetime | None, closed: bool = False
) -> list[SlaWarning]:
    """An open work order whose appointment starts after its resolution deadline cannot meet it. The
    seeds set the deadline (001 §四3) but do not forbid a later visit the customer agrees to (003 §三(一)1
    改约 with consent), so this is a warning, never a refusal."""
    if closed or appointment_start is None or resolution_due is None or appointment_start <= resolution_due:
        return []
    return [
        SlaWarning(
            APPOINTMENT_AFTER_RESOLUTION,
            M_("The appointment starts after the resolution deadline (%(due)s); the SLA will be missed."),
            {"due": format_local(resolution_due)},
        )
    ]


def time_left(due: datetime, now: datetime) -> timedelta:
    """Time until `due` (negative once breached)."""
    return due - now


# --- dispatch: warnings on assign and reschedule (issue #14), never refusals ------------------

OVERLAP = "dispatch.overlap"
OUTSIDE_WORKING_HOURS = "dispatch.outside_working_hours"
OTHER_AREA = "dispatch.other_area"
TRAVEL_TIME = "dispatch.travel_time"
# The technician sets off 30 minutes ahead of the agreed time [seed 003 §三(三)2: 出发时间要提前30分钟]:
# back-to-back appointments closer than that leave no time to get from one door to the next.
TRAVEL_MINUTES = 30
# An appointment given without an end is taken to last this long when looking for overlaps.
DEFAULT_VISIT = timedelta(hours=1)


@dataclass(frozen=True)
class Booking:
    """Another appointment of the same technician."""

    ticket_no: str
    start: datetime
    end: datetime | None


def _until(start: datetime, end: datetime | None) -> datetime:
    return end if end is not None and end > start else start + DEFAULT_VISIT


def area_warning(technician: str, service_area: str | None, address: str | None) -> list[SlaWarning]:
    """The job's address names a city outside the technician's service area (issue #14: 改派 put a job on
    a technician in another city without a word). A warning: a technician may cover a neighbour."""
    if not outside_area(service_area, address):
        return []
    return [
        SlaWarning(
            OTHER_AREA,
            M_("The job is in %(city)s, outside %(technician)s's service area (%(area)s)."),
            {"city": city_of(address), "technician": technician, "area": service_area},
        )
    ]


def appointment_warnings(
    start: datetime | None,
    end: datetime | None,
    technician: str | None,
    bookings: list[Booking],
    calendar: WorkCalendar | None,
) -> list[SlaWarning]:
    """What a dispatcher should see before sending a technician: the slot overlaps the technician's
    other appointments or leaves no travel time between them, or lies outside the working-hours
    calendar (seed 000 §二(一)2). A customer may agree to an evening visit and a technician may fit
    two short jobs, so these warn, never refuse."""
    if start is None:
        return []
    found = []
    stop = _until(start, end)
    clashes = [b for b in bookings if b.start < stop and start < _until(b.start, b.end)]
    if clashes and technician:
        found.append(
            SlaWarning(
                OVERLAP,
                M_("%(technician)s already has an appointment at that time: %(tickets)s."),
                {
                    "technician": technician,
                    "tickets": ", ".join(f"{b.ticket_no} ({format_local(b.start)})" for b in clashes),
                },
            )
        )
    near = [
        b
        for b in bookings
        if b not in clashes
        and (
            timedelta(0) <= start - _until(b.start, b.end) < timedelta(minutes=TRAVEL_MINUTES)
            or timedelta(0) <= b.start - stop < timedelta(minutes=TRAVEL_MINUTES)
        )
    ]
    if near and technician:
        found.append(
            SlaWarning(
                TRAVEL_TIME,
                M_("%(technician)s has less than %(minutes)s minutes to travel to or from %(tickets)s."),
                {
                    "technician": technician,
                    "minutes": TRAVEL_MINUTES,
                    "tickets": ", ".join(f"{b.ticket_no} ({format_local(b.start)})" for b in near),
                },
            )
        )
    if calendar is not None:
        period = calendar.period_on(start.astimezone(calendar.tz).date())
        if period is None or not (period[0] <= start < period[1] and (end or start) <= period[1]):
            found.append(
                SlaWarning(
                    OUTSIDE_WORKING_HOURS,
                    M_("The appointment (%(time)s) is outside working hours."),
                    {"time": format_local(start)},
                )
            )
    return found
