"""The escalation queue: a field escalation pushed by a phone becomes one case in the office,
with severity, owner, due time and a decision (issue #14; seeds 003 §三(七)2, 002 step 1)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from server.domain import escalations as rules
from server.domain.work_calendar import SEED_HOURS, WorkCalendar
from server.models import Escalation, utcnow
from server.services import escalations, sla_settings

from .helpers import PageClient

PASSWORD = "correct horse battery"
CST = timezone(timedelta(hours=8))


def signed_in(app, people, who="dispatcher") -> PageClient:
    page = PageClient(app)
    assert page.login(people[who].email, PASSWORD).status_code == 302
    return page


def push_event(client, wo_id, kind, note=None, data=None, device_id=None, seq=1, event_id=None):
    """One visit event pushed as the PWA's outbox sends it; returns (response, body sent)."""
    body = {
        "device_id": device_id or str(uuid.uuid4()),
        "device_time": datetime.now(CST).isoformat(),
        "mutations": [
            {
                "seq": seq,
                "id": str(uuid.uuid4()),
                "entity": "visit_event",
                "entity_id": event_id or str(uuid.uuid4()),
                "op": "create",
                "fields": {"work_order_id": wo_id, "kind": kind, "note": note, **({"data": data} if data else {})},
                "base_version": None,
                "at": datetime.now(CST).isoformat(),
            }
        ],
    }
    response = client.post("/api/sync/push", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["status"] in ("applied", "duplicate"), response.get_json()
    return response, body


def cases(db) -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Escalation).order_by(Escalation.created_at)))


def test_a_pushed_fee_dispute_opens_one_case_with_severity_and_due_time(client_for, world, db):
    tech = client_for("tech1")
    _, body = push_event(tech, world["wo1"].id, "escalated", note="客户坚持要求减免 180.00 元")
    (case,) = cases(db)
    assert case.kind == "fee_dispute"
    assert case.work_order_id == world["wo1"].id
    assert case.source_event_id == body["mutations"][0]["entity_id"]
    assert case.technician_note == "客户坚持要求减免 180.00 元"
    assert case.status == "open" and case.owner_id is None
    # A VIP's normal order counts as important [000 §四(一)1]; a fee dispute is at least important.
    assert case.severity == "important"
    # Important: 4 working hours (seed 002 step 1), from when the case reached the office.
    assert case.due_at == sla_settings.work_calendar().add_working(case.created_at, timedelta(hours=4))

    again = tech.post("/api/sync/push", json=body).get_json()  # the phone never heard the answer
    assert again["results"][0]["status"] == "duplicate"
    assert len(cases(db)) == 1


def test_only_reports_to_the_company_open_cases(client_for, world, db):
    tech = client_for("tech2")
    device = str(uuid.uuid4())
    push_event(tech, world["wo2"].id, "arrived", data={"late": False}, device_id=device, seq=1)
    push_event(tech, world["wo2"].id, "fee_refused", data={"total": "130.00"}, device_id=device, seq=2)
    assert cases(db) == []  # explained and maybe consented later: the escalation is the case
    push_event(tech, world["wo2"].id, "new_problem_reported", note="水管老化漏水", device_id=device, seq=3)
    (case,) = cases(db)
    assert (case.kind, case.severity) == ("new_problem", "normal")
    assert case.due_at == sla_settings.work_calendar().add_working(case.created_at, timedelta(hours=24))


def test_the_phone_sends_its_reason_as_note_and_the_office_reads_it(client_for, app, people, world, db):
    tech = client_for("tech1")
    push_event(
        tech, world["wo1"].id, "reassignment_requested", note="车辆故障,无法按时到达", data={"customer_consent": False}
    )
    (case,) = cases(db)
    assert case.kind == "reassign_request"
    assert case.technician_note == "车辆故障,无法按时到达"
    assert rules.reported_text(None, {"reason": "客户改时间"}) == "客户改时间"  # the office's events
    page = signed_in(app, people)
    html = page.get(f"/office/escalations/{case.id}").get_data(as_text=True)
    assert "车辆故障,无法按时到达" in html
    assert "改派申请" in html
    assert "客户已同意" in html and "否" in html  # the event's data in words


def test_severity_follows_the_order_and_the_kind():
    assert rules.severity("new_problem", "normal", "normal") == "normal"
    assert rules.severity("new_problem", "normal", "vip") == "important"  # VIP raised one level
    assert rules.severity("new_problem", "urgent", "normal") == "urgent"
    assert rules.severity("fee_dispute", "normal", "normal") == "important"
    assert rules.severity("sign_off_declined", "urgent", "normal") == "urgent"
    assert rules.DEFAULT_HOURS == {"urgent": 2, "important": 4, "normal": 24}  # seed 002 step 1
    calendar = WorkCalendar.from_hours(SEED_HOURS)
    friday_5pm = datetime(2026, 11, 27, 17, 0, tzinfo=CST)
    # Urgent at 17:00 on a Friday: one hour that day, one from Monday's opening (8:30).
    assert rules.due_at(friday_5pm, "urgent", rules.DEFAULT_HOURS, calendar) == datetime(
        2026, 11, 30, 9, 30, tzinfo=CST
    )


def test_the_due_hours_are_configurable(app, client_for, world, db):
    app.config["ESCALATION_HOURS"] = {"urgent": 1, "important": 1, "normal": 8}
    push_event(client_for("tech1"), world["wo1"].id, "escalated", note="减免")
    (case,) = cases(db)
    assert case.due_at == sla_settings.work_calendar().add_working(case.created_at, timedelta(hours=1))


def test_queue_puts_open_cases_first_by_due_time_flags_overdue_and_counts_them(app, client_for, people, world, db):
    tech1, tech2 = client_for("tech1"), client_for("tech2")
    push_event(tech2, world["wo2"].id, "new_problem_reported", note="另一台也坏了")
    phone1 = str(uuid.uuid4())
    push_event(tech1, world["wo1"].id, "escalated", note="要求免上门费", device_id=phone1)
    push_event(
        tech1, world["wo1"].id, "sign_off_declined", note="不满意", data={"reason": "不满意"}, device_id=phone1, seq=2
    )
    new_problem, fee, declined = cases(db)
    new_problem.due_at = utcnow() - timedelta(minutes=30)  # overdue
    escalations.decide(declined, "other", "主管已致电客户道歉", people["manager"])
    db.session.commit()

    page = signed_in(app, people)
    html = page.get("/office/escalations").get_data(as_text=True)
    order = [html.index(f'data-case="{c.id}"') for c in (new_problem, fee)]
    assert order == sorted(order)  # soonest due first
    assert f'data-case="{declined.id}"' not in html  # decided: not in the open queue
    row = html[html.index(f'data-case="{new_problem.id}"') :]
    assert "overdue" in html[html.rindex("<tr", 0, html.index(f'data-case="{new_problem.id}"')) :][:200]
    assert "已逾期" in row[:600]
    assert "-0h 30m" in row[:600]  # how far past its due time
    # The badge on every page counts the open cases.
    board = page.get("/office/board").get_data(as_text=True)
    assert 'id="escalation-badge"' in board and ">2</span>" in board
    # Filters: kind, severity, owner; decided ones on request.
    only_fees = page.get("/office/escalations?kind=fee_dispute").get_data(as_text=True)
    assert f'data-case="{fee.id}"' in only_fees and f'data-case="{new_problem.id}"' not in only_fees
    urgent = page.get("/office/escalations?severity=urgent").get_data(as_text=True)
    assert "data-case=" not in urgent
    unowned = page.get("/office/escalations?owner=none").get_data(as_text=True)
    assert f'data-case="{fee.id}"' in unowned
    done = page.get("/office/escalations?status=decided").get_data(as_text=True)
    assert f'data-case="{declined.id}"' in done


def test_take_then_decide_and_the_decision_needs_text(app, client_for, people, world, db):
    push_event(client_for("tech1"), world["wo1"].id, "escalated", note="要求免上门费")
    (case,) = cases(db)
    page = signed_in(app, people)
    url = f"/office/escalations/{case.id}"

    taken = page.submit(url, f"{url}/take", {})
    assert taken.status_code == 302
    assert cases(db)[0].owner_id == people["dispatcher"].id
    tech_owner = page.submit(url, f"{url}/take", {"owner_id": people["tech1"].id})
    assert tech_owner.status_code == 422
    assert "请选择客服或主管" in tech_owner.get_data(as_text=True)

    blank = page.submit(url, f"{url}/decide", {"decision": "approved", "text": "  "})
    assert blank.status_code == 422
    assert "请写明给技术员的批示" in blank.get_data(as_text=True)
    assert cases(db)[0].status == "open"

    decided = page.submit(url, f"{url}/decide", {"decision": "approved", "text": "同意免上门费,按 130.00 元收取"})
    assert decided.status_code == 302
    (case,) = cases(db)
    assert (case.status, case.decision, case.decided_by_id) == ("decided", "approved", people["dispatcher"].id)
    assert case.decision_text == "同意免上门费,按 130.00 元收取"
    html = page.get(url).get_data(as_text=True)
    assert "同意免上门费,按 130.00 元收取" in html and "decide-form" not in html

    manager = signed_in(app, people, "manager")
    # A second decision from a page opened before the first: refused, saying who decided and when.
    again = manager.submit("/office/escalations", f"{url}/decide", {"decision": "declined", "text": "按标准收费"})
    assert again.status_code == 409
    assert "客服小张 已于" in again.get_data(as_text=True)


def test_technicians_get_403_on_the_office_pages(client_for, world, db):
    tech = client_for("tech1")
    push_event(tech, world["wo1"].id, "escalated", note="减免")
    (case,) = cases(db)
    assert tech.get("/office/escalations").status_code == 403
    assert tech.get(f"/office/escalations/{case.id}").status_code == 403
    assert tech.post(f"/office/escalations/{case.id}/decide", data={"decision": "approved"}).status_code == 403
    assert cases(db)[0].status == "open"


def test_a_dispatcher_takes_a_case_from_the_queue(app, client_for, people, world, db):
    push_event(client_for("tech1"), world["wo1"].id, "new_problem_reported", note="遥控器失灵")
    page = signed_in(app, people)
    queue = page.get("/office/escalations").get_data(as_text=True)
    assert "认领" in queue
    (case,) = cases(db)
    taken = page.submit("/office/escalations", f"/office/escalations/{case.id}/take", {"back": "queue"})
    assert taken.status_code == 302 and taken.headers["Location"].endswith("/office/escalations")
    assert cases(db)[0].owner_id == people["dispatcher"].id
    mine = page.get(f"/office/escalations?owner={people['dispatcher'].id}").get_data(as_text=True)
    assert f'data-case="{case.id}"' in mine and "客服小张" in mine


def test_the_api_lists_takes_and_decides_through_the_same_service(client_for, people, world, db):
    push_event(client_for("tech1"), world["wo1"].id, "escalated", note="要求减免")
    office = client_for("manager")
    listed = office.get("/api/office/escalations").get_json()
    assert [(c["kind"], c["severity"], c["ticket_no"]) for c in listed] == [
        ("fee_dispute", "important", world["wo1"].ticket_no)
    ]
    case_id = listed[0]["id"]
    taken = office.post(f"/api/office/escalations/{case_id}/take", json={"owner_id": people["manager"].id})
    assert taken.status_code == 200 and taken.get_json()["owner_id"] == people["manager"].id
    blank = office.post(f"/api/office/escalations/{case_id}/decide", json={"decision": "declined"})
    assert blank.status_code == 422 and "text" in blank.get_json()["errors"]
    decided = office.post(
        f"/api/office/escalations/{case_id}/decide", json={"decision": "declined", "text": "按收费标准收取"}
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "decided"
    again = office.post(f"/api/office/escalations/{case_id}/decide", json={"decision": "approved", "text": "免"})
    assert again.status_code == 409 and again.get_json()["reason"] == "escalation.already_decided"
    assert office.get("/api/office/escalations").get_json() == []
    assert client_for("tech1").get("/api/office/escalations").status_code == 403
