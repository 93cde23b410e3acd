"""Dispatch with eyes open (issue #14): assign and reschedule warn (never refuse) when the technician is
already booked then or the slot is outside working hours; nobody is preselected in the assign form;
the effective priority (VIP raised) is what the office sees; missed appointments are flagged."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from server.models import VisitEvent, WorkOrder, utcnow
from server.services.work_orders import create_work_order

from .helpers import PageClient

CST = timezone(timedelta(hours=8))
PASSWORD = "correct horse battery"


def next_wednesday(at: time) -> datetime:
    """A working day (seed 000 §二(一)2: Mon-Fri 8:30-18:00) in the future, at a local time."""
    day = date.today() + timedelta(days=1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime.combine(day, at, CST)


def new_order(world, people, db, customer=0, technician=None, start=None, hours=1, priority="normal") -> WorkOrder:
    wo = create_work_order(
        {
            "customer_id": world["customers"][customer].id,
            "product_id": world["products"][customer].id,
            "channel": "phone",
            "type": "repair",
            "priority": priority,
            "fault_description": "不制冷",
            "technician_id": people[technician].id if technician else None,
            "appointment_start": start,
            "appointment_end": start + timedelta(hours=hours) if start else None,
        },
        people["dispatcher"],
    )
    db.session.commit()
    return wo


def office_page(app, people) -> PageClient:
    page = PageClient(app)
    assert page.login(people["dispatcher"].email, PASSWORD).status_code == 302
    return page


def codes(response) -> list[str]:
    return [w["code"] for w in response.get_json()["warnings"]]


def test_rescheduling_onto_a_booked_slot_warns_and_goes_ahead(client_for, world, people, db):
    booked = new_order(world, people, db, technician="tech1", start=next_wednesday(time(10)))
    wo = new_order(world, people, db, customer=1, technician="tech1")
    slot = next_wednesday(time(10, 30))
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/reschedule",
        json={
            "appointment_start": slot.isoformat(),
            "appointment_end": (slot + timedelta(hours=1)).isoformat(),
            "reason": "客户改到周三",
            "customer_consent": True,
        },
    )
    assert response.status_code == 200, response.get_json()
    assert datetime.fromisoformat(response.get_json()["appointment_start"]) == slot  # not refused
    warning = next(w for w in response.get_json()["warnings"] if w["code"] == "dispatch.overlap")
    assert booked.ticket_no in warning["message"] and "王师傅" in warning["message"]
    assert "dispatch.outside_working_hours" not in codes(response)


def test_assigning_a_technician_who_is_booked_then_warns(client_for, world, people, db):
    booked = new_order(world, people, db, technician="tech1", start=next_wednesday(time(14)))
    wo = new_order(world, people, db, customer=1, technician="tech2", start=next_wednesday(time(14, 30)))
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/assign",
        json={"technician_id": people["tech1"].id, "reason": "李师傅请假", "customer_consent": True},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["technician_id"] == people["tech1"].id
    assert "dispatch.overlap" in codes(response)
    assert booked.ticket_no in response.get_json()["warnings"][0]["message"]


def test_back_to_back_appointments_do_not_overlap_but_leave_no_travel_time(client_for, world, people, db):
    """Seed 003 §三(三)2: the technician sets off 30 minutes ahead, so a job ending at 11:00 and the
    next starting at 11:00 (or 11:20) warns of travel time; 11:30 is fine."""
    booked = new_order(world, people, db, technician="tech1", start=next_wednesday(time(10)))
    wo = new_order(world, people, db, customer=1, technician="tech2", start=next_wednesday(time(11)))
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/assign",
        json={"technician_id": people["tech1"].id, "reason": "顺路", "customer_consent": True},
    )
    assert response.status_code == 200 and codes(response) == ["dispatch.travel_time"]
    assert booked.ticket_no in response.get_json()["warnings"][0]["message"]
    for at, expected in ((time(11, 20), ["dispatch.travel_time"]), (time(11, 30), [])):
        slot = next_wednesday(at)
        response = client_for("dispatcher").post(
            f"/api/office/work-orders/{wo.id}/reschedule",
            json={
                "appointment_start": slot.isoformat(),
                "appointment_end": (slot + timedelta(hours=1)).isoformat(),
                "reason": "客户改时间",
                "customer_consent": True,
            },
        )
        assert response.status_code == 200 and codes(response) == expected, (at, response.get_json())
    # and before a booking: ending at 9:45 leaves 15 minutes to reach the 10:00 job
    slot = next_wednesday(time(8, 45))
    response = client_for("dispatcher").post(
        f"/api/office/work-orders/{wo.id}/reschedule",
        json={
            "appointment_start": slot.isoformat(),
            "appointment_end": (slot + timedelta(hours=1)).isoformat(),
            "reason": "客户改到上午",
            "customer_consent": True,
        },
    )
    assert codes(response) == ["dispatch.travel_time"]


def test_a_slot_outside_working_hours_warns(client_for, world, people, db):
    wo = new_order(world, people, db, customer=1, technician="tech2")
    office = client_for("dispatcher")
    for slot, outside in (
        (next_wednesday(time(19)), True),  # after 18:00
        (next_wednesday(time(17, 30)), True),  # runs past closing (ends 18:30)
        (next_wednesday(time(8, 30)), False),
        (next_wednesday(time(9)) + timedelta(days=3), True),  # Saturday
    ):
        response = office.post(
            f"/api/office/work-orders/{wo.id}/reschedule",
            json={
                "appointment_start": slot.isoformat(),
                "appointment_end": (slot + timedelta(hours=1)).isoformat(),
                "reason": "客户要求",
                "customer_consent": True,
            },
        )
        assert response.status_code == 200, response.get_json()
        assert ("dispatch.outside_working_hours" in codes(response)) is outside, slot


def test_the_work_order_page_shows_the_warnings_after_a_reschedule(app, world, people, db):
    booked = new_order(world, people, db, technician="tech1", start=next_wednesday(time(10)))
    wo = new_order(world, people, db, customer=1, technician="tech1")
    page = office_page(app, people)
    url = f"/office/work-orders/{wo.id}"
    slot = next_wednesday(time(10, 15)).strftime("%Y-%m-%dT%H:%M")
    done = page.submit(
        url, f"{url}/reschedule", {"appointment_start": slot, "reason": "客户改期", "customer_consent": "1"}
    )
    assert done.status_code == 302
    html = page.get(url).get_data(as_text=True)
    assert 'data-code="dispatch.overlap"' in html and booked.ticket_no in html


def test_the_assign_form_preselects_nobody(app, world, people, db):
    page = office_page(app, people)
    wo = world["wo2"]  # assigned to 李师傅
    html = page.get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
    select = re.search(r'<select name="technician_id" id="f-technician_id" required>(.*?)</select>', html, re.S)
    assert select, "the assign form has a required technician select"
    options = re.findall(r"<option([^>]*)>", select.group(1))
    assert [o for o in options if "selected" in o] == [' value="" selected']

    url = f"/office/work-orders/{wo.id}"
    blank = page.submit(url, f"{url}/assign", {"technician_id": "", "reason": "改派", "customer_consent": "1"})
    assert blank.status_code == 422
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id == people["tech2"].id


def test_the_effective_priority_is_shown_on_dispatch_board_and_list(app, world, people, db):
    # 张伟 is a VIP: a normal request of theirs is handled as important (seed 000 §四(一)1).
    wo = new_order(world, people, db, customer=0)
    page = office_page(app, people)
    for url in ("/office/dispatch", "/office/board", "/office/work-orders"):
        html = page.get(url).get_data(as_text=True)
        row = re.search(rf'data-ticket="{wo.ticket_no}".*?</(li|tr)>', html, re.S)
        assert row, url
        assert "prio-important" in row.group(0) and "prio-normal" not in row.group(0), url


def test_a_missed_appointment_is_flagged_until_the_technician_arrives(app, world, people, db):
    wo1 = world["wo1"]
    wo1.appointment_start = utcnow() - timedelta(hours=3)
    wo1.appointment_end = utcnow() - timedelta(hours=2)
    wo1.status = "scheduled"
    world["wo2"].appointment_start = next_wednesday(time(10))
    world["wo2"].appointment_end = next_wednesday(time(11))
    db.session.commit()
    page = office_page(app, people)
    board = page.get("/office/board").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*data-ticket="{wo1.ticket_no}"[^>]*>.*?</tr>', board, re.S).group(0)
    assert 'data-missed="1"' in row and "missed-appointment" in row
    other = re.search(rf'<tr[^>]*data-ticket="{world["wo2"].ticket_no}"[^>]*>', board).group(0)
    assert "data-missed" not in other  # its appointment is still to come

    now = utcnow()
    db.session.add(
        VisitEvent(
            work_order_id=wo1.id,
            kind="arrived",
            created_by_id=people["tech1"].id,
            device_at=now,
            corrected_at=now,
        )
    )
    db.session.commit()
    board = page.get("/office/board").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*data-ticket="{wo1.ticket_no}"[^>]*>', board).group(0)
    assert "data-missed" not in row


def test_a_job_in_another_city_than_the_technicians_area_warns(client_for, app, world, people, db):
    # A manager keeps the cities a technician covers on the staff page.
    page = PageClient(app)
    assert page.login(people["manager"].email, PASSWORD).status_code == 302
    url = f"/office/people/{people['tech1'].id}"
    saved = page.submit(url, f"{url}/badge", {"badge_no": "T-001", "service_area": "杭州 绍兴"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(people["tech1"]), people["tech1"].id).service_area == "杭州 绍兴"

    office = client_for("dispatcher")
    shanghai = new_order(world, people, db, customer=0)  # 上海市浦东新区…
    response = office.post(f"/api/office/work-orders/{shanghai.id}/assign", json={"technician_id": people["tech1"].id})
    assert response.status_code == 200, response.get_json()  # a warning, not a refusal
    warning = next(w for w in response.get_json()["warnings"] if w["code"] == "dispatch.other_area")
    assert "上海市" in warning["message"] and "杭州 绍兴" in warning["message"]

    db.session.expire_all()
    hangzhou = new_order(world, people, db, customer=1)
    hangzhou.service_address = "浙江省杭州市西湖区文三路 90 号"  # this order's own address counts
    db.session.commit()
    response = office.post(f"/api/office/work-orders/{hangzhou.id}/assign", json={"technician_id": people["tech1"].id})
    assert response.status_code == 200 and "dispatch.other_area" not in codes(response)


def test_the_board_and_day_view_show_the_city(app, world, people, db):
    wo = new_order(world, people, db, customer=1, technician="tech2", start=next_wednesday(time(10)))
    page = office_page(app, people)
    board = page.get("/office/board").get_data(as_text=True)
    row = re.search(rf'data-ticket="{wo.ticket_no}".*?</tr>', board, re.S).group(0)
    assert '<td class="city">北京市</td>' in row
    day = page.get(f"/office/dispatch?date={next_wednesday(time(10)).date().isoformat()}").get_data(as_text=True)
    assert '<strong class="city">北京市</strong>' in day
