"""The working-hours calendar in the office (API and page), the SLA warning on late appointments,
and the key tier on the board. Seeds: 000 §二(一)2, §二(二)1, §四(一)1; 001 §四3."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from server.domain.sla import LEVELS
from server.models import Customer, Product, WorkOrder
from server.services.work_orders import create_work_order

from .helpers import CST
from .test_board_and_settings import round_the_clock
from .test_intake import request_body
from .test_pages import signed_in

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CALENDAR = {
    "hours": {**{d: ["08:30", "18:00"] for d in WEEKDAYS}, "sat": ["09:00", "12:00"], "sun": None},
    "holidays": ["2026-11-30"],
    "after_hours_response_hours": 2,
}


def _order(world, people, priority, taken_in, customer=1, **kw) -> WorkOrder:
    c, p = world["customers"][customer], world["products"][customer]
    return create_work_order(
        {
            "customer_id": c.id,
            "product_id": p.id,
            "channel": "phone",
            "type": "repair",
            "priority": priority,
            "fault_description": "漏水",
            **kw,
        },
        people["dispatcher"],
        now=taken_in,
    )


# --- the calendar through the API ------------------------------------------------------------


def test_a_manager_sets_hours_and_holidays_and_new_deadlines_follow_them(client_for, world, people, db):
    manager = client_for("manager")
    response = manager.put("/api/office/work-calendar", json=CALENDAR)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**CALENDAR, "after_hours_response_hours": 2.0}
    assert client_for("dispatcher").get("/api/office/work-calendar").get_json()["holidays"] == ["2026-11-30"]

    # Friday 17:50: 10 min on Friday, Saturday opens at 9:00 -> urgent response (15 min) due Saturday 9:05.
    wo = _order(world, people, "urgent", datetime(2026, 11, 27, 17, 50, tzinfo=CST))
    assert wo.response_due.astimezone(CST) == datetime(2026, 11, 28, 9, 5, tzinfo=CST)
    # Resolution (4 h): 10 min Friday, 3 h Saturday, Monday is a holiday, 50 min Tuesday.
    assert wo.resolution_due.astimezone(CST) == datetime(2026, 12, 1, 9, 20, tzinfo=CST)
    # Sunday night: outside working hours, due 2 working hours after the next opening (Tuesday 8:30).
    night = _order(world, people, "normal", datetime(2026, 11, 29, 23, 0, tzinfo=CST))
    assert night.response_due.astimezone(CST) == datetime(2026, 12, 1, 10, 30, tzinfo=CST)


def test_the_seed_calendar_applies_until_a_manager_changes_it(world, people):
    # Seed 000 §二(一)2: Monday-Friday 8:30-18:00; 001 §四3: normal response 30 min.
    wo = _order(world, people, "normal", datetime(2026, 11, 27, 17, 45, tzinfo=CST))
    assert wo.response_due.astimezone(CST) == datetime(2026, 11, 30, 8, 45, tzinfo=CST)
    # Seed 000 §二(二)1: at night, within 8 h of the next working day ...
    wo = _order(world, people, "important", datetime(2026, 11, 27, 20, 0, tzinfo=CST))
    assert wo.response_due.astimezone(CST) == datetime(2026, 11, 30, 16, 30, tzinfo=CST)
    # ... but urgent is first thing (000 §二(一)1 green channel): 15 min after Monday's opening.
    wo = _order(world, people, "urgent", datetime(2026, 11, 27, 20, 0, tzinfo=CST))
    assert wo.response_due.astimezone(CST) == datetime(2026, 11, 30, 8, 45, tzinfo=CST)


def test_a_dispatcher_may_read_but_not_change_the_calendar(client_for):
    assert client_for("dispatcher").put("/api/office/work-calendar", json=CALENDAR).status_code == 403


def test_bad_calendars_are_refused_naming_the_field(client_for):
    manager = client_for("manager")
    backwards = manager.put("/api/office/work-calendar", json={**CALENDAR, "hours": {"mon": ["18:00", "08:30"]}})
    assert backwards.status_code == 422
    assert backwards.get_json()["reason"] == "calendar.bad_hours" and "hours.mon" in backwards.get_json()["errors"]
    closed = manager.put("/api/office/work-calendar", json={**CALENDAR, "hours": {"sat": None}})
    assert closed.status_code == 422 and closed.get_json()["reason"] == "calendar.no_working_day"
    for bad in ({"hours": {"mon": ["8", "18:00"]}}, {"holidays": ["2026-13-01"]}, {"after_hours_response_hours": 0}):
        response = manager.put("/api/office/work-calendar", json={**CALENDAR, **bad})
        assert response.status_code == 422 and next(iter(bad)) in response.get_json()["errors"], bad
    assert manager.get("/api/office/work-calendar").get_json()["hours"]["mon"] == ["08:30", "18:00"]


# --- the calendar on the settings page ---------------------------------------------------------


def _form(**changes) -> dict:
    form = {
        **{f"work_{d}": "on" for d in WEEKDAYS},
        **{f"open_{d}": "08:30" for d in WEEKDAYS},
        **{f"close_{d}": "18:00" for d in WEEKDAYS},
        "work_sat": "on",
        "open_sat": "09:00",
        "close_sat": "12:00",
        "holidays": "2027-01-01\n2027-02-17",
        "after_hours_response_hours": "8",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_only_a_manager_saves_the_working_hours_on_the_page(app, people, client_for):
    dispatcher = signed_in(app, people)
    html = dispatcher.get("/office/settings").get_data(as_text=True)
    assert "工作时间" in html and 'name="open_mon"' in html and "星期六" in html
    assert dispatcher.submit("/office/settings", "/office/settings/calendar", _form()).status_code == 403

    manager = signed_in(app, people, "manager")
    assert manager.submit("/office/settings", "/office/settings/calendar", _form()).status_code == 302
    saved = client_for("manager").get("/api/office/work-calendar").get_json()
    assert saved["hours"]["sat"] == ["09:00", "12:00"] and saved["holidays"] == ["2027-01-01", "2027-02-17"]
    html = manager.get("/office/settings").get_data(as_text=True)
    assert "2027-02-17" in html and re.search(r'name="work_sat" value="on" checked', html)


def test_the_page_marks_bad_working_hours_in_chinese(app, people, client_for):
    manager = signed_in(app, people, "manager")
    backwards = manager.submit("/office/settings", "/office/settings/calendar", _form(open_mon="19:00"))
    assert backwards.status_code == 422 and "下班时间必须晚于上班时间" in backwards.get_data(as_text=True)
    bad_time = manager.submit("/office/settings", "/office/settings/calendar", _form(close_tue="6pm"))
    assert bad_time.status_code == 422 and "请按 HH:MM 填写时间" in bad_time.get_data(as_text=True)
    none = _form(**{f"work_{d}": None for d in (*WEEKDAYS, "sat")})
    closed = manager.submit("/office/settings", "/office/settings/calendar", none)
    assert closed.status_code == 422 and "至少要有一天设有工作时间" in closed.get_data(as_text=True)
    assert client_for("manager").get("/api/office/work-calendar").get_json()["hours"]["sat"] is None


# --- an appointment after the resolution deadline -----------------------------------------------


def test_an_appointment_after_the_resolution_deadline_is_booked_with_a_warning(app, client_for, world, people, db):
    office = client_for("dispatcher")
    late = (datetime.now(CST) + timedelta(days=30)).replace(hour=10, minute=0, second=0, microsecond=0)
    body = request_body(
        priority="urgent",
        technician_id=people["tech1"].id,
        appointment_start=late.isoformat(),
        appointment_end=(late + timedelta(hours=1)).isoformat(),
    )
    response = office.post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()  # booked: a warning, not a refusal
    wo = response.get_json()["work_order"]
    [warning] = wo["warnings"]
    assert warning["code"] == "sla.appointment_after_resolution"
    due = datetime.fromisoformat(wo["resolution_due"]).astimezone(CST).strftime("%Y-%m-%d %H:%M")
    assert warning["params"] == {"due": due} and due in warning["message"]

    # The REST work order says it too, and the office page shows it (in Chinese).
    assert office.get(f"/api/work-orders/{wo['id']}").get_json()["warnings"][0]["code"] == warning["code"]
    html = signed_in(app, people).get(f"/office/work-orders/{wo['id']}").get_data(as_text=True)
    assert 'data-code="sla.appointment_after_resolution"' in html and "预约时间晚于解决时限" in html

    # Rescheduled to before the deadline: the warning goes.
    in_time = datetime.fromisoformat(wo["resolution_due"]) - timedelta(hours=1)
    moved = office.post(
        f"/api/office/work-orders/{wo['id']}/reschedule",
        json={"appointment_start": in_time.isoformat(), "reason": "顾客提前", "customer_consent": True},
    )
    assert moved.status_code == 200, moved.get_json()
    # (Other warnings may stand, e.g. little travel time before the technician's next job today.)
    assert "sla.appointment_after_resolution" not in {w["code"] for w in moved.get_json()["warnings"]}
    html = signed_in(app, people).get(f"/office/work-orders/{wo['id']}").get_data(as_text=True)
    assert "sla.appointment_after_resolution" not in html

    # And back after it: the reschedule answer warns.
    again = office.post(
        f"/api/office/work-orders/{wo['id']}/reschedule",
        json={"appointment_start": late.isoformat(), "reason": "顾客出差", "customer_consent": True},
    )
    assert again.status_code == 200 and again.get_json()["warnings"][0]["code"] == warning["code"]


def test_the_warning_is_in_english_for_an_english_request(client_for, world, people, db):
    wo = _order(
        world,
        people,
        "urgent",
        datetime.now(UTC),
        technician_id=people["tech1"].id,
        appointment_start=datetime.now(UTC) + timedelta(days=30),
    )
    people["dispatcher"].locale = "en"  # the user's own language
    db.session.commit()
    body = client_for("dispatcher").get(f"/api/work-orders/{wo.id}").get_json()
    assert body["warnings"][0]["message"].startswith("The appointment starts after the resolution deadline")


# --- tiers -------------------------------------------------------------------------------------


def test_key_customers_are_ahead_of_normal_ones_and_vip_first_on_the_board(client_for, world, people, db):
    key = Customer(name="王芳", phone="13800000009", address="杭州市西湖区文三路 6 号", tier="key")
    db.session.add(key)
    db.session.flush()
    db.session.add(Product(customer_id=key.id, model="AC-3000", serial_no="AC3K-KEY-1"))
    db.session.flush()
    world["customers"].append(key)
    world["products"].append(db.session.scalar(sa.select(Product).where(Product.customer_id == key.id)))
    # The same clocks for every level, round the clock, so that only the tier orders them.
    round_the_clock(people, db, dict.fromkeys(LEVELS, 4), dict.fromkeys(LEVELS, 24))
    taken_in = datetime.now(UTC)
    normal = _order(world, people, "normal", taken_in, customer=1)
    keyed = _order(world, people, "normal", taken_in, customer=len(world["customers"]) - 1)
    vip = _order(world, people, "normal", taken_in, customer=0)
    db.session.commit()
    rows = client_for("dispatcher").get("/api/office/board").get_json()["rows"]
    tickets = [r["ticket_no"] for r in rows]
    assert {r["clock"]["state"] for r in rows if r["ticket_no"] in (vip.ticket_no, normal.ticket_no)} == {"ok"}
    assert tickets.index(vip.ticket_no) < tickets.index(keyed.ticket_no) < tickets.index(normal.ticket_no)
    by_ticket = {r["ticket_no"]: r for r in rows}
    assert by_ticket[keyed.ticket_no]["effective_priority"] == "normal"  # key keeps its level
    assert by_ticket[vip.ticket_no]["effective_priority"] == "important"  # VIP is raised one
