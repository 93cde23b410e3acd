"""The schedule board's endpoints (issue #16): the grid's data, a move through the dispatch service
(reason and consent as the forms ask), warnings before and after, the change cursor, and the
technician's pull carrying the change."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from server.auth.session import issue_token
from server.models import VisitEvent, WorkOrder
from server.services.work_orders import create_work_order

CST = timezone(timedelta(hours=8))


def next_wednesday(at: time) -> datetime:
    """A working day (seed 000 §二(一)2: Mon-Fri 8:30-18:00) in the future, at a local time."""
    day = date.today() + timedelta(days=1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime.combine(day, at, CST)


def unassigned(world, people, db, customer=1) -> WorkOrder:
    wo = create_work_order(
        {
            "customer_id": world["customers"][customer].id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "洗衣机不排水",
        },
        people["dispatcher"],
    )
    db.session.commit()
    return wo


def move(client, wo, tech_id, start, **extra):
    body = {"technician_id": tech_id, "appointment_start": start.isoformat(), **extra}
    return client.post(f"/office/schedule/work-orders/{wo.id}/move", json=body)


def test_the_grid_lists_booked_jobs_per_day_and_the_waiting_requests(client_for, world, people, db):
    wo = unassigned(world, people, db)
    office = client_for("dispatcher")
    day = world["wo1"].appointment_start.astimezone(CST).date()
    body = office.get(f"/office/schedule/data?date={day.isoformat()}").get_json()
    assert [d["date"] for d in body["days"]] == [day.isoformat()]
    assert {t["name"] for t in body["technicians"]} >= {"王师傅", "李师傅"}
    booked = {j["ticket_no"]: j for j in body["jobs"]}
    assert booked[world["wo1"].ticket_no]["technician_id"] == people["tech1"].id
    assert booked[world["wo1"].ticket_no]["time"] == "14:00"
    assert wo.ticket_no in {j["ticket_no"] for j in body["waiting"]}
    assert wo.ticket_no not in booked
    week = office.get(f"/office/schedule/data?date={day.isoformat()}&span=week").get_json()
    assert len(week["days"]) == 7
    # working hours from the calendar [seed 000 §二(一)2]: a Wednesday opens 08:30, a Sunday is closed
    wed = next_wednesday(time(8, 30)).date()
    days = {d["date"]: d for d in office.get(f"/office/schedule/data?date={wed}&span=week").get_json()["days"]}
    assert datetime.fromisoformat(days[wed.isoformat()]["opens"]) == next_wednesday(time(8, 30))
    assert days[(wed + timedelta(days=4)).isoformat()]["opens"] is None
    assert office.get("/office/schedule/data?span=month").status_code == 422


def test_a_move_assigns_and_books_through_dispatch_and_the_technicians_pull_has_it(client_for, world, people, db, app):
    wo = unassigned(world, people, db)
    office = client_for("dispatcher")
    since = office.get("/office/schedule/changes?since=").get_json()["cursor"]
    at10 = next_wednesday(time(10))
    r = move(office, wo, people["tech1"].id, at10, reason="客户约周三上午", customer_consent=True)
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo.id)
    assert wo.technician_id == people["tech1"].id and wo.status == "scheduled"
    assert wo.appointment_start == at10 and wo.appointment_end == at10 + timedelta(hours=1)
    event = db.session.query(VisitEvent).filter_by(work_order_id=wo.id, kind="rescheduled").one()
    assert event.data["customer_consent"] is True and event.data["reason"] == "客户约周三上午"
    # the board's other tabs learn of it from the cursor
    polled = office.get(f"/office/schedule/changes?since={since}").get_json()
    assert polled["changed"] is True and polled["cursor"] != since
    assert office.get(f"/office/schedule/changes?since={polled['cursor']}").get_json()["changed"] is False
    # the technician's phone gets it on its next pull (sync API, bearer token)
    phone = app.test_client()
    phone.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(people['tech1'], 'phone')}"
    page = phone.get("/api/sync/pull?limit=500").get_json()
    pulled = {c["id"]: c for c in page["changes"] if c["entity"] == "work_order" and c["op"] == "put"}
    assert wo.id in pulled
    assert datetime.fromisoformat(pulled[wo.id]["fields"]["appointment_start"]) == at10


def test_a_move_without_reason_or_consent_is_refused_and_changes_nothing(client_for, world, people, db):
    wo = unassigned(world, people, db)
    office = client_for("dispatcher")
    r = move(office, wo, people["tech1"].id, next_wednesday(time(10)))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert errors["reason"] and errors["customer_consent"]
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id is None  # the assign rolled back with it


def test_reassigning_by_drag_needs_the_reason_and_records_it(client_for, world, people, db):
    wo1 = world["wo1"]
    office = client_for("dispatcher")
    same_time = wo1.appointment_start
    r = move(office, wo1, people["tech2"].id, same_time)
    assert r.status_code == 422 and r.get_json()["errors"]["reason"]
    r = move(office, wo1, people["tech2"].id, same_time, reason="王师傅请假")
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo1.id).technician_id == people["tech2"].id
    assert db.session.query(VisitEvent).filter_by(work_order_id=wo1.id, kind="reassigned").one().note == "王师傅请假"


def test_warnings_before_and_after_an_overlapping_or_late_drop(client_for, world, people, db):
    booked = create_work_order(
        {
            "customer_id": world["customers"][0].id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "不制冷",
            "technician_id": people["tech1"].id,
            "appointment_start": next_wednesday(time(10)),
            "appointment_end": next_wednesday(time(11)),
        },
        people["dispatcher"],
    )
    db.session.commit()
    wo = unassigned(world, people, db)
    office = client_for("dispatcher")
    start = next_wednesday(time(10, 30)).isoformat()
    url = f"/office/schedule/work-orders/{wo.id}/warnings"
    found = office.get(url, query_string={"technician_id": people["tech1"].id, "appointment_start": start}).get_json()
    codes = [w["code"] for w in found["warnings"]]
    assert codes == ["dispatch.overlap"] and booked.ticket_no in found["warnings"][0]["message"]
    free = office.get(url, query_string={"technician_id": people["tech2"].id, "appointment_start": start}).get_json()
    assert free["warnings"] == []
    late = next_wednesday(time(20)).isoformat()
    found = office.get(url, query_string={"technician_id": people["tech2"].id, "appointment_start": late}).get_json()
    assert [w["code"] for w in found["warnings"]] == ["dispatch.outside_working_hours"]
    # the move goes ahead and answers with the same warning
    r = move(office, wo, people["tech1"].id, next_wednesday(time(10, 30)), reason="客户只有上午", customer_consent=True)
    assert r.status_code == 200 and [w["code"] for w in r.get_json()["warnings"]] == ["dispatch.overlap"]


def test_moves_need_the_csrf_token_and_an_office_role(client_for, world, people, db, app):
    wo = unassigned(world, people, db)
    office = client_for("dispatcher")
    url = f"/office/schedule/work-orders/{wo.id}/move"
    body = {
        "technician_id": people["tech1"].id,
        "appointment_start": next_wednesday(time(10)).isoformat(),
        "reason": "x",
        "customer_consent": True,
    }
    assert office.client.post(url, json=body).status_code == 400  # cookie session, no X-CSRFToken
    assert client_for("tech1").post(url, json=body).status_code == 403
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id is None


def test_the_page_is_in_both_languages(client_for):
    office = client_for("dispatcher")
    html = office.get("/office/schedule").get_data(as_text=True)
    assert "schedule.js" in html and "王师傅" in html
    office.get("/office/lang/zh-CN?next=/office/schedule")
    zh = office.get("/office/schedule").get_data(as_text=True)
    office.get("/office/lang/en?next=/office/schedule")
    en = office.get("/office/schedule").get_data(as_text=True)
    assert "Schedule board" in en and "Customer agreed" in en
    assert "排班看板" in zh and "Schedule board" not in zh


def test_a_drop_on_a_technician_of_another_city_warns(client_for, world, people, db):
    people["tech2"].service_area = "上海市"
    db.session.commit()
    wo = unassigned(world, people, db, customer=1)  # Anna Li, 北京市朝阳区
    office = client_for("dispatcher")
    found = office.get(
        f"/office/schedule/work-orders/{wo.id}/warnings",
        query_string={"technician_id": people["tech2"].id, "appointment_start": next_wednesday(time(10)).isoformat()},
    ).get_json()["warnings"]
    assert [w["code"] for w in found] == ["dispatch.other_area"]
    assert "北京市" in found[0]["message"] and "上海市" in found[0]["message"]
    unknown = office.get(
        f"/office/schedule/work-orders/{wo.id}/warnings", query_string={"technician_id": people["dispatcher"].id}
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"]["technician_id"]
