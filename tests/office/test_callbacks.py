"""The 3-hour call-back after a visit not fully fixed is the repairing technician's task
(seed 003 §三(九)1): planned once per visit, pulled to that technician's phone only, its
outcome recorded on the phone reaches the office queue; satisfaction calls carry a score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.models import FollowUp, WorkOrder

from .helpers import Phone, sync_completed_visit


@pytest.fixture
def visit(world, db, client_for):
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start, wo.appointment_end = now - timedelta(hours=6), now - timedelta(hours=5)
    wo.created_at = now - timedelta(hours=8)
    db.session.commit()
    return {"wo": wo, "phone": Phone(client_for("tech1")), "appointment": wo.appointment_start, "now": now}


def _not_fixed_visit(visit, flag=True):
    """A visit ending in 'awaiting parts' 4 hours ago, flagged for a call-back too."""
    ended = visit["now"] - timedelta(hours=4)
    phone, wo = visit["phone"], visit["wo"]
    sync_completed_visit(
        phone,
        wo.id,
        arrived=visit["appointment"],
        finished=ended,
        outcome="awaiting_parts",
        ratings=None,
        complete=False,
    )
    if flag:
        phone.event(wo.id, "follow_up_flagged", when=ended - timedelta(minutes=5))
    phone.event(wo.id, "awaiting_parts", when=ended)
    phone.update(wo.id, status="awaiting_parts", when=ended)
    return ended


def _calls(office, wo_id, done=False):
    url = "/api/office/follow-ups" + ("?include_done=true" if done else "")
    return [c for c in office.get(url).get_json() if c["work_order_id"] == wo_id]


def _call_backs(changes):
    return {c["id"]: c for c in changes if c["entity"] == "call_back"}


def test_flag_and_outcome_of_one_visit_plan_one_call_back(visit, client_for, db):
    ended = _not_fixed_visit(visit)
    office = client_for("dispatcher")
    calls = _calls(office, visit["wo"].id)
    assert [(c["kind"], c["on_phone_of"]) for c in calls] == [("not_fixed", "王师傅")]
    due = datetime.fromisoformat(calls[0]["due_at"])
    assert abs(due - (ended - timedelta(minutes=5) + timedelta(hours=3))) < timedelta(seconds=1)
    assert len(_calls(office, visit["wo"].id)) == 1  # the office's planning pass adds no twin
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1


def test_a_later_visit_not_fixed_owes_its_own_call_back(visit, client_for, db):
    _not_fixed_visit(visit, flag=False)
    (first,) = db.session.scalars(sa.select(FollowUp)).all()
    first.due_at = visit["now"] - timedelta(hours=1)  # the first call-back was due before the next visit
    db.session.commit()
    visit["phone"].event(visit["wo"].id, "not_fixed", when=visit["now"] - timedelta(minutes=10))
    assert len(db.session.scalars(sa.select(FollowUp)).all()) == 2


def test_the_call_back_is_pulled_to_the_repairing_technician_only(visit, client_for):
    _not_fixed_visit(visit)
    mine, _ = visit["phone"].pull()
    (change,) = _call_backs(mine).values()
    assert change["fields"]["work_order_id"] == visit["wo"].id
    assert change["fields"]["status"] == "open"
    other, _ = Phone(client_for("tech2")).pull()
    assert _call_backs(other) == {}


def test_the_office_own_calls_never_reach_a_phone(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(5, 5))
    office = client_for("dispatcher")
    assert [c["kind"] for c in _calls(office, visit["wo"].id)] == ["satisfaction"]
    changes, _ = visit["phone"].pull()
    assert _call_backs(changes) == {}


def test_the_outcome_recorded_on_the_phone_reaches_the_office(visit, client_for):
    _not_fixed_visit(visit)
    phone = visit["phone"]
    changes, cursor = phone.pull()
    (call_id,) = _call_backs(changes)
    made = visit["now"] - timedelta(minutes=30)  # recorded offline, pushed later
    phone.push(
        phone.mutation(
            "visit_event",
            {
                "work_order_id": visit["wo"].id,
                "kind": "call_back_done",
                "note": "配件周三到,客户同意等",
                "data": {"call_back_id": call_id, "outcome": "satisfied"},
            },
            when=made,
        )
    )
    office = client_for("dispatcher")
    (call,) = _calls(office, visit["wo"].id, done=True)
    assert call["status"] == "done" and call["outcome"] == "satisfied"
    assert "配件周三到,客户同意等" in call["note"] and "王师傅" in call["note"]
    assert abs(datetime.fromisoformat(call["done_at"]) - made) < timedelta(seconds=2)
    page = office.get("/office/follow-ups?done=1").get_data(as_text=True)
    assert "王师傅" in page and "配件周三到" in page
    again, _ = phone.pull(cursor)
    assert _call_backs(again)[call_id]["fields"]["status"] == "done"  # the phone sees it done


def test_a_dissatisfied_call_back_needs_the_reason_and_opens_a_case(visit, client_for, db):
    _not_fixed_visit(visit)
    phone = visit["phone"]
    (call_id,) = _call_backs(phone.pull()[0])
    entry = phone.mutation(
        "visit_event",
        {"work_order_id": visit["wo"].id, "kind": "call_back_done", "data": {"call_back_id": call_id}},
    )
    response = phone.client.post(
        "/api/sync/push", json={"device_id": phone.id, "device_time": entry["at"], "mutations": [entry]}
    )
    assert response.get_json()["results"][0]["status"] == "rejected"  # no outcome: refused
    phone.push(
        phone.mutation(
            "visit_event",
            {
                "work_order_id": visit["wo"].id,
                "kind": "call_back_done",
                "note": "等配件太久",
                "data": {"call_back_id": call_id, "outcome": "dissatisfied"},
            },
        )
    )
    db.session.expire_all()
    call = db.session.get(FollowUp, call_id)
    assert call.outcome == "dissatisfied" and call.status == "done"
    kinds = [c["kind"] for c in _calls(client_for("dispatcher"), visit["wo"].id)]
    assert kinds.count("recovery") == 2  # the after-sales department takes it over


def test_another_technician_cannot_record_the_call_back(visit, client_for, db, world):
    _not_fixed_visit(visit)
    (call_id,) = _call_backs(visit["phone"].pull()[0])
    # tech2 does not hold the job: the push of an event on it is refused outright
    other = Phone(client_for("tech2"))
    entry = other.mutation(
        "visit_event",
        {
            "work_order_id": visit["wo"].id,
            "kind": "call_back_done",
            "data": {"call_back_id": call_id, "outcome": "satisfied"},
        },
    )
    response = other.client.post(
        "/api/sync/push", json={"device_id": other.id, "device_time": entry["at"], "mutations": [entry]}
    )
    assert response.get_json()["results"][0]["status"] == "rejected"
    db.session.expire_all()
    assert db.session.get(FollowUp, call_id).status == "open"


def test_the_office_outcome_select_has_no_default(visit, client_for):
    _not_fixed_visit(visit)
    office = client_for("dispatcher")
    page = office.get("/office/follow-ups").get_data(as_text=True)
    assert '<select name="outcome" required' in page
    assert '<option value="">' in page
    assert "selected" not in page.split('<select name="outcome"')[1].split("</select>")[0]
    (call,) = _calls(office, visit["wo"].id)
    answer = office.post(f"/office/follow-ups/{call['id']}/outcome", data={"outcome": "", "note": ""})
    assert answer.status_code == 422
    assert _calls(office, visit["wo"].id)[0]["status"] == "open"  # nothing recorded


def test_a_satisfaction_call_stores_its_score_in_local_time(visit, client_for):
    sync_completed_visit(visit["phone"], visit["wo"].id, arrived=visit["appointment"], ratings=(5, 5))
    office = client_for("dispatcher")
    (call,) = _calls(office, visit["wo"].id)
    bad = office.post(f"/api/office/follow-ups/{call['id']}/outcome", json={"outcome": "satisfied", "score": 6})
    assert bad.status_code == 422
    done = office.post(
        f"/api/office/follow-ups/{call['id']}/outcome", json={"outcome": "satisfied", "score": 4, "note": "很满意"}
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["score"] == 4
    local = datetime.fromisoformat(body["done_at"]).astimezone(timedelta_tz(8)).strftime("%Y-%m-%d %H:%M")
    assert body["note"].startswith(local)  # stamped in service-area time, as the page shows it
    page = office.get("/office/follow-ups?done=1").get_data(as_text=True)
    assert "4/5" in page


def test_only_a_satisfaction_call_takes_a_score(visit, client_for):
    _not_fixed_visit(visit)
    office = client_for("dispatcher")
    (call,) = _calls(office, visit["wo"].id)
    answer = office.post(f"/api/office/follow-ups/{call['id']}/outcome", json={"outcome": "satisfied", "score": 5})
    assert answer.status_code == 422


def timedelta_tz(hours):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_flag_and_outcome_in_one_push_plan_one_call_back(visit, db):
    phone, wo = visit["phone"], visit["wo"]
    ended = visit["now"] - timedelta(hours=1)
    phone.push(
        phone.mutation("visit_event", {"work_order_id": wo.id, "kind": "follow_up_flagged"}, when=ended),
        phone.mutation("visit_event", {"work_order_id": wo.id, "kind": "not_fixed"}, when=ended),
    )
    db.session.expire_all()
    (call,) = db.session.scalars(sa.select(FollowUp)).all()
    assert call.technician_id is not None and call.status == "open"


def test_a_phone_outcome_after_the_office_recorded_it_changes_nothing(visit, client_for, db, people):
    _not_fixed_visit(visit)
    phone = visit["phone"]
    (call_id,) = _call_backs(phone.pull()[0])
    office = client_for("dispatcher")
    answer = office.post(
        f"/api/office/follow-ups/{call_id}/outcome", json={"outcome": "satisfied", "note": "客服已回访"}
    )
    assert answer.status_code == 200
    phone.push(  # made offline meanwhile: the event is kept, the office's outcome stands
        phone.mutation(
            "visit_event",
            {
                "work_order_id": visit["wo"].id,
                "kind": "call_back_done",
                "note": "客户不在",
                "data": {"call_back_id": call_id, "outcome": "unreachable"},
            },
        )
    )
    db.session.expire_all()
    call = db.session.get(FollowUp, call_id)
    assert (call.outcome, call.attempts, call.done_by_id) == ("satisfied", 1, people["dispatcher"].id)


def test_reassigning_the_job_takes_the_call_back_off_the_phone(visit, client_for, people):
    _not_fixed_visit(visit)
    phone = visit["phone"]
    changes, cursor = phone.pull()
    (call_id,) = _call_backs(changes)
    office = client_for("dispatcher")
    answer = office.post(
        f"/api/work-orders/{visit['wo'].id}/assign", json={"technician_id": people["tech2"].id, "reason": "改派"}
    )
    assert answer.status_code == 200, answer.get_json()
    gone, _ = phone.pull(cursor)
    assert _call_backs(gone)[call_id]["op"] == "delete"
    assert _call_backs(Phone(client_for("tech2")).pull()[0]) == {}  # not the new technician's call
