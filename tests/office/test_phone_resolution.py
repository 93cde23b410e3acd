"""Phone resolution [seed 003 §三(一)3]: guided by phone, no visit, a check-back within 2 hours.

The office ends the request (on its page or at intake) with what was advised; the outcome is
the office's alone; the technician's phone drops the job; the check-back is in the follow-up
queue and "not solved" sends the request back for a visit; the KPIs count it apart from visits.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from server import i18n as languages
from server.models import FollowUp, VisitEvent, WorkOrder, utcnow
from server.reports.kpis import CheckBack, kpi_row
from server.services import followup_queue, phone_resolution

from .helpers import PageClient, Phone, recent_range
from .test_intake import request_body

PASSWORD = "correct horse battery"
ADVICE = "指导客户清洗滤网并重新设定温度，已恢复制冷"


def signed_in(app, people, who="dispatcher") -> PageClient:
    page = PageClient(app)
    assert page.login(people[who].email, PASSWORD).status_code == 302
    return page


def resolve_on_page(page: PageClient, wo_id: str, advice: str = ADVICE):
    url = f"/office/work-orders/{wo_id}"
    return page.submit(url, f"{url}/resolve-by-phone", {"advice": advice})


def check_back_of(db, wo_id: str) -> FollowUp:
    db.session.expire_all()
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.work_order_id == wo_id, FollowUp.kind == "check_back"))


# ---------------------------------------------------------------- the office action


def test_the_office_resolves_an_assigned_order_by_phone_and_the_phone_drops_it(app, db, people, world, client_for):
    wo_id = world["wo1"].id  # scheduled with tech1
    phone = Phone(client_for("tech1"))
    changes, cursor = phone.pull()
    assert any(c["entity"] == "work_order" and c["id"] == wo_id and c["op"] == "put" for c in changes)

    before = utcnow()
    response = resolve_on_page(signed_in(app, people), wo_id)
    assert response.status_code == 302, response.get_data(as_text=True)

    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.status, wo.outcome, wo.technician_id) == ("completed", "resolved_remotely", None)
    assert before <= wo.completed_at <= utcnow()  # stamped by the server
    assert wo.first_response_at is not None  # the guidance call is a contact with the customer
    event = db.session.scalar(sa.select(VisitEvent).where(VisitEvent.work_order_id == wo_id))
    assert event.kind == "resolved_remotely" and event.note == ADVICE
    assert event.data["from_technician_id"] == people["tech1"].id

    changes, _ = phone.pull(cursor)
    assert {"entity": "work_order", "id": wo_id, "op": "delete"}.items() <= next(
        c for c in changes if c["entity"] == "work_order" and c["id"] == wo_id
    ).items()
    changes, _ = phone.pull()  # pulled afresh, the job is not among the phone's
    assert not any(c["entity"] == "work_order" and c["id"] == wo_id and c["op"] == "put" for c in changes)


def test_the_work_order_page_shows_the_advice_the_outcome_and_the_check_back_in_both_languages(app, db, people, world):
    page = signed_in(app, people)
    wo_id = world["wo2"].id
    assert "resolve-by-phone" in page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True)
    resolve_on_page(page, wo_id)
    html = page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True)
    assert ADVICE in html and 'id="phone-resolution"' in html
    assert "电话指导解决" in html and "电话回访" in html  # outcome and check-back, in Chinese
    assert 'id="wo-flags"' not in html  # nothing to sign without a visit: not an unsigned completion
    assert 'action="/office/work-orders/' + wo_id + '/resolve-by-phone"' not in html  # done: no action any more
    page.get("/office/lang/en")
    english = page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True)
    assert "Resolved by phone" in english and "Check-back call" in english


def test_the_advice_is_required(app, db, people, world):
    response = resolve_on_page(signed_in(app, people), world["wo1"].id, advice="  ")
    assert response.status_code == 422
    assert "必填" in response.get_data(as_text=True) or "客户" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkOrder, world["wo1"].id).status == "scheduled"
    assert check_back_of(db, world["wo1"].id) is None


def test_an_order_already_on_site_cannot_be_resolved_by_phone(app, db, people, world):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    for status in ("en_route", "on_site"):
        wo.status = status
        db.session.commit()
        response = resolve_on_page(signed_in(app, people), wo.id)
        assert response.status_code == 409, status
        with app.app_context():
            worded = languages.label("status", status, "zh-CN")
        assert f"服务单状态为 {worded}：只有在上门服务开始之前" in response.get_data(as_text=True)
        db.session.expire_all()
        wo = db.session.get(WorkOrder, world["wo1"].id)
        assert (wo.status, wo.outcome, wo.technician_id) == (status, None, people["tech1"].id)


def test_a_technician_may_not_set_the_outcome_by_rest_or_by_sync(db, people, world, client_for):
    tech = client_for("tech1")
    wo_id = world["wo1"].id
    response = tech.patch(f"/api/work-orders/{wo_id}", json={"outcome": "resolved_remotely"})
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["reason"] == "work_order.remote_office_only"

    phone = Phone(tech)
    db.session.expire_all()
    version = db.session.get(WorkOrder, wo_id).version
    mutation = phone.mutation(
        "work_order", {"outcome": "resolved_remotely"}, op="update", entity_id=wo_id, base_version=version
    )
    response = tech.post(
        "/api/sync/push", json={"device_id": phone.id, "device_time": mutation["at"], "mutations": [mutation]}
    )
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "sync.remote_office_only"  # worded on the phone (reason.<code>)
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.status, wo.outcome) == ("scheduled", None)


def test_the_office_api_resolves_by_phone_and_refuses_a_technician(db, world, client_for):
    url = f"/api/office/work-orders/{world['wo2'].id}/resolve-by-phone"
    assert client_for("tech2").post(url, json={"advice": ADVICE}).status_code == 403
    missing = client_for("dispatcher").post(url, json={})
    assert missing.status_code == 422 and "advice" in missing.get_json()["errors"]
    done = client_for("dispatcher").post(url, json={"advice": ADVICE})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["outcome"], body["technician_id"]) == ("completed", "resolved_remotely", None)
    again = client_for("dispatcher").post(url, json={"advice": ADVICE})
    assert again.status_code == 409  # already ended


def test_the_office_sets_it_only_with_the_action_not_by_a_plain_change(db, world, client_for):
    response = client_for("dispatcher").patch(
        f"/api/work-orders/{world['wo1'].id}", json={"outcome": "resolved_remotely"}
    )
    assert response.status_code == 409
    assert response.get_json()["reason"] == "work_order.remote_use_action"


def test_completion_from_before_a_visit_still_needs_the_phone_resolution(db, world, client_for):
    # the completion-by-rule exception is for resolved_remotely only: a plain "completed" stays refused
    response = client_for("dispatcher").patch(f"/api/work-orders/{world['wo1'].id}", json={"status": "completed"})
    assert response.status_code == 409


# ---------------------------------------------------------------- intake


def test_intake_can_resolve_by_phone_at_once(app, db, people):
    page = signed_in(app, people)
    body = request_body(type="consultation", resolved_by_phone="1", advice=ADVICE)
    body.pop("purchase_date")
    response = page.submit("/office/intake", "/office/intake", body)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    wo = db.session.scalar(sa.select(WorkOrder))
    assert (wo.status, wo.outcome, wo.technician_id) == ("completed", "resolved_remotely", None)
    call = check_back_of(db, wo.id)
    assert call.latest_at == wo.completed_at + timedelta(hours=2)


def test_intake_by_phone_needs_the_advice_and_creates_nothing_without_it(app, db, people):
    page = signed_in(app, people)
    response = page.submit("/office/intake", "/office/intake", request_body(resolved_by_phone="1"))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 0


def test_intake_by_phone_through_the_api(db, client_for):
    response = client_for("dispatcher").post(
        "/api/office/intake", json=request_body(resolved_by_phone=True, advice=ADVICE)
    )
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    wo = db.session.scalar(sa.select(WorkOrder))
    assert wo.outcome == "resolved_remotely"


# ---------------------------------------------------------------- the check-back


def test_the_check_back_is_due_two_hours_after_by_the_wall_clock(db, people, world):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    resolved_at = utcnow().replace(hour=21, minute=30)  # after working hours: still 2 wall-clock hours
    phone_resolution.resolve(wo, ADVICE, people["dispatcher"], now=resolved_at)
    db.session.commit()
    call = check_back_of(db, wo.id)
    assert (call.kind, call.reason) == ("check_back", "resolved_remotely")
    assert call.due_at == call.latest_at == resolved_at + timedelta(hours=2)
    assert followup_queue.call_state(call, resolved_at + timedelta(hours=1)) == "upcoming"
    assert followup_queue.call_state(call, resolved_at + timedelta(hours=2, minutes=1)) == "overdue"
    followup_queue.plan(now=resolved_at + timedelta(hours=3))  # no satisfaction call besides
    db.session.commit()
    kinds = db.session.scalars(sa.select(FollowUp.kind).where(FollowUp.work_order_id == wo.id)).all()
    assert kinds == ["check_back"]


def test_the_follow_up_queue_lists_the_check_back_and_records_solved(app, db, people, world):
    page = signed_in(app, people)
    resolve_on_page(page, world["wo1"].id)
    html = page.get("/office/follow-ups").get_data(as_text=True)
    assert 'data-kind="check_back"' in html and "电话回访" in html
    call = check_back_of(db, world["wo1"].id)
    response = page.submit("/office/follow-ups", f"/office/follow-ups/{call.id}/outcome", {"outcome": "solved"})
    assert response.status_code == 302
    call = check_back_of(db, world["wo1"].id)
    assert (call.status, call.outcome) == ("done", "solved")
    wo = db.session.get(WorkOrder, world["wo1"].id)
    assert (wo.status, wo.outcome) == ("completed", "resolved_remotely")


def test_not_solved_reopens_the_order_for_a_visit_keeping_the_history(app, db, people, world):
    page = signed_in(app, people)
    wo_id = world["wo1"].id
    resolve_on_page(page, wo_id)
    call = check_back_of(db, wo_id)
    missing = page.submit("/office/follow-ups", f"/office/follow-ups/{call.id}/outcome", {"outcome": "not_solved"})
    assert missing.status_code == 422  # say what is still wrong
    response = page.submit(
        "/office/follow-ups", f"/office/follow-ups/{call.id}/outcome", {"outcome": "not_solved", "note": "仍不制冷"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.status, wo.outcome, wo.completed_at, wo.technician_id) == ("new", None, None, None)
    kinds = db.session.scalars(
        sa.select(VisitEvent.kind).where(VisitEvent.work_order_id == wo_id).order_by(VisitEvent.created_at)
    ).all()
    assert kinds == ["resolved_remotely", "reopened"]
    html = page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True)
    assert ADVICE in html and "仍不制冷" in html and 'id="assign"' in html  # history kept, ready for dispatch


def test_not_solved_after_the_office_closed_the_request_says_so_and_changes_nothing(app, db, people, world):
    page = signed_in(app, people)
    wo_id = world["wo1"].id
    resolve_on_page(page, wo_id)
    wo = db.session.get(WorkOrder, wo_id)
    wo.status = "closed"
    db.session.commit()
    call = check_back_of(db, wo_id)
    response = page.submit(
        "/office/follow-ups", f"/office/follow-ups/{call.id}/outcome", {"outcome": "not_solved", "note": "仍不制冷"}
    )
    assert response.status_code == 409
    assert "只有按电话指导解决且尚未关闭的报修才能重新派单上门" in response.get_data(as_text=True)
    assert check_back_of(db, wo_id).status == "open"
    assert db.session.get(WorkOrder, wo_id).status == "closed"


def test_a_satisfaction_outcome_does_not_fit_a_check_back(app, db, people, world):
    page = signed_in(app, people)
    resolve_on_page(page, world["wo1"].id)
    call = check_back_of(db, world["wo1"].id)
    response = page.submit("/office/follow-ups", f"/office/follow-ups/{call.id}/outcome", {"outcome": "satisfied"})
    assert response.status_code == 422
    assert check_back_of(db, world["wo1"].id).status == "open"


# ---------------------------------------------------------------- KPIs


def test_kpis_count_remote_resolutions_apart_from_visits(app, db, people, world, client_for):
    wo1 = db.session.get(WorkOrder, world["wo1"].id)
    resolved_at = utcnow() - timedelta(hours=5)
    phone_resolution.resolve(wo1, ADVICE, people["dispatcher"], now=resolved_at)
    db.session.commit()
    call = check_back_of(db, wo1.id)
    followup_queue.record(call, "solved", None, people["dispatcher"], now=resolved_at + timedelta(minutes=90))
    db.session.commit()

    figures = client_for("manager").get("/api/office/kpis", query_string=recent_range()).get_json()
    overall = figures["overall"]
    assert overall["jobs"] == 2
    assert overall["resolved_remotely"] == 1 and overall["resolved_remotely_share"] == 0.5
    assert overall["check_back_on_time_rate"] == 1.0 and overall["check_back_judged"] == 1
    assert overall["first_time_fix_rate"] is None  # no visit: not a first-time fix, nor a miss
    assert overall["on_time_judged"] == 0
    assert all(row["technician_id"] != people["tech1"].id for row in figures["technicians"])

    csv = client_for("manager").get("/api/office/kpis.csv", query_string=recent_range()).get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert "resolved_remotely_share" in header and "check_back_on_time_rate" in header
    html = signed_in(app, people, "manager").get("/office/kpis", query_string=recent_range()).get_data(as_text=True)
    assert 'id="kpi-remote"' in html and "50.0%" in html


def test_check_back_on_time_rule():
    now = utcnow()
    due = now - timedelta(hours=1)
    calls = [
        CheckBack("a", due, due - timedelta(minutes=1)),  # on time
        CheckBack("b", due, due + timedelta(minutes=1)),  # late
        CheckBack("c", due, None),  # overdue, not made: late
        CheckBack("d", now + timedelta(hours=1), None),  # still inside its 2 hours: not judged
    ]
    row = kpi_row([], now, check_backs=calls)
    assert row.check_back_judged == 0  # only the group's own jobs count
    from server.reports.facts import JobFacts

    jobs = [
        JobFacts(
            work_order_id=i,
            ticket_no=i,
            status="completed",
            priority="normal",
            channel="phone",
            type="consultation",
            technician_id=None,
            technician_name=None,
            customer_name="x",
            created_at=now - timedelta(hours=4),
            response_due=now,
            resolution_due=now,
            first_response_at=now - timedelta(hours=4),
            completed_at=now - timedelta(hours=3),
            appointment_start=None,
            appointment_end=None,
            outcome="resolved_remotely",
        )
        for i in "abcd"
    ]
    row = kpi_row(jobs, now, check_backs=calls)
    assert (row.check_back_judged, row.check_back_on_time_rate) == (3, round(1 / 3, 4))
    assert (row.resolved_remotely, row.resolved_remotely_share, row.first_time_fix_rate) == (4, 1.0, None)
