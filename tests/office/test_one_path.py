"""One use case, one path: assigning and settling answer the same whichever edge is used.

`POST /api/work-orders/<id>/assign`, `POST /api/office/work-orders/<id>/assign` and the
office's work-order page call services/dispatch.assign; the sync review endpoints, the
office's settle endpoint and the conflicts page call services/review with one input and
one output schema (wire/review.py) and one order.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.models import Conflict, MutationRecord, VisitEvent, WorkOrder

from .helpers import Phone
from .test_pages import signed_in

REST = "/api/work-orders/{id}/assign"
OFFICE_API = "/api/office/work-orders/{id}/assign"
PATHS = [REST, OFFICE_API, "page"]


def _assign(app, people, client_for, path, wo_id, form):
    if path == "page":
        page = signed_in(app, people)
        url = f"/office/work-orders/{wo_id}"
        data = {k: ("1" if v is True else v) for k, v in form.items() if v is not False}
        return page.submit(url, f"{url}/assign", data)
    return client_for("dispatcher").post(path.format(id=wo_id), json=form)


def _events(db, wo_id):
    return db.session.scalars(
        sa.select(VisitEvent).where(VisitEvent.work_order_id == wo_id, VisitEvent.kind == "reassigned")
    ).all()


@pytest.mark.parametrize("path", PATHS)
def test_every_path_refuses_to_reassign_a_job_that_is_on_site(app, db, client_for, people, world, path):
    wo = world["wo1"]
    for status in ("en_route", "on_site"):
        assert client_for("tech1").patch(f"/api/work-orders/{wo.id}", json={"status": status}).status_code == 200
    response = _assign(
        app,
        people,
        client_for,
        path,
        wo.id,
        {"technician_id": people["tech2"].id, "reason": "王师傅另有急单", "customer_consent": True},
    )
    assert response.status_code == 409
    if path != "page":
        assert response.get_json()["reason"] == "assign.not_now"
        assert response.get_json()["params"] == {"status": "on_site"}
    else:
        # the page's language, from the msgid, with the glossary's word for the status
        assert "服务单状态为“在现场”时不可以。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id == people["tech1"].id
    assert _events(db, wo.id) == []


@pytest.mark.parametrize("path", PATHS)
def test_every_path_needs_a_reason_to_reassign(app, db, client_for, people, world, path):
    wo = world["wo1"]
    response = _assign(app, people, client_for, path, wo.id, {"technician_id": people["tech2"].id})
    assert response.status_code == 422
    if path != "page":
        body = response.get_json()
        assert body["reason"] == "assign.reason_required" and "reason" in body["errors"]
    else:
        assert "改派须填写原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id == people["tech1"].id


@pytest.mark.parametrize("path", PATHS)
def test_every_path_records_the_reassignment(app, db, client_for, people, world, path):
    wo = world["wo1"]
    response = _assign(
        app,
        people,
        client_for,
        path,
        wo.id,
        {"technician_id": people["tech2"].id, "reason": "王师傅车辆故障", "customer_consent": True},
    )
    assert response.status_code == (302 if path == "page" else 200)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).technician_id == people["tech2"].id
    [event] = _events(db, wo.id)
    assert event.data == {
        "reason": "王师傅车辆故障",
        "customer_consent": True,
        "from_technician_id": people["tech1"].id,
        "to_technician_id": people["tech2"].id,
    }
    assert event.created_by_id == people["dispatcher"].id


def test_both_assign_endpoints_document_the_same_input(client_for):
    spec = client_for("dispatcher").get("/api/openapi.json").get_json()

    def fields(path):
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        name = body["$ref"].rsplit("/", 1)[1]
        return spec["components"]["schemas"][name]["properties"].keys()

    rest = fields("/api/work-orders/{wo_id}/assign")
    assert set(rest) == {"technician_id", "reason", "customer_consent"}
    assert set(rest) == set(fields("/api/office/work-orders/{wo_id}/assign"))


# --- settling conflicts and rejected entries ---------------------------------------------


def _conflict(db, wo, people, created_at, kept="带电容", other="带梯子"):
    conflict = Conflict(
        id=str(uuid.uuid4()),
        entity="work_order",
        entity_id=wo.id,
        field="technician_notes",
        rule="last_arrival_wins",
        losing_value={"value": other},
        winning_value={"value": kept},
        user_id=people["tech1"].id,
        device_id=str(uuid.uuid4()),
        base_version=1,
        server_version=3,
        created_at=created_at,
    )
    db.session.add(conflict)
    db.session.commit()
    return conflict


def _same(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("id", "resolved_at", "created_at", "device_id")}


def test_both_settle_endpoints_take_the_same_input_and_give_the_same_answer(db, client_for, people, world):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.technician_notes = "带电容"
    db.session.commit()
    now = datetime.now(UTC)
    office = client_for("dispatcher")
    answers = {}
    for name, url in (("sync", "/api/sync/conflicts/{}/settle"), ("office", "/api/office/conflicts/{}/settle")):
        conflict = _conflict(db, wo, people, now)
        empty = office.post(url.format(conflict.id), json={})
        assert empty.status_code == 422 and empty.get_json()["reason"] == "conflict.decision_required"
        settled = office.post(url.format(conflict.id), json={"action": "keep", "note": "已核对"})
        assert settled.status_code == 200, settled.get_json()
        again = office.post(url.format(conflict.id), json={"note": "再次"})
        missing = office.post(url.format(str(uuid.uuid4())), json={"action": "keep"})
        answers[name] = (
            _same(settled.get_json()),
            again.status_code,
            again.get_json()["reason"],
            missing.status_code,
            missing.get_json()["reason"],
        )
    assert answers["sync"] == answers["office"]
    body, again_status, again_reason, missing_status, missing_reason = answers["sync"]
    assert (
        body["losing_value"] == "带梯子" and body["winning_value"] == "带电容" and body["resolution"] == "keep: 已核对"
    )
    assert body["ticket_no"] == wo.ticket_no and "kept_value" not in body and "other_value" not in body
    assert (again_status, again_reason) == (409, "conflict.already_settled")
    assert (missing_status, missing_reason) == (404, "conflict.not_found")


def test_apply_other_works_the_same_on_both_endpoints(db, client_for, people, world):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    office = client_for("dispatcher")
    for url in ("/api/sync/conflicts/{}/settle", "/api/office/conflicts/{}/settle"):
        wo.technician_notes = "带电容"
        db.session.commit()
        conflict = _conflict(db, wo, people, datetime.now(UTC))
        response = office.post(url.format(conflict.id), json={"action": "apply_other"})
        assert response.status_code == 200 and response.get_json()["resolution"] == "apply_other"
        db.session.expire_all()
        wo = db.session.get(WorkOrder, wo.id)
        assert wo.technician_notes == "带梯子"


def test_the_sync_list_and_the_conflicts_page_show_conflicts_in_the_same_order(app, db, client_for, people, world):
    wo = world["wo1"]
    now = datetime.now(UTC)
    made = [_conflict(db, wo, people, now - timedelta(minutes=m), kept=f"值{m}") for m in (30, 10, 20)]
    office = client_for("dispatcher")
    office.post(f"/api/office/conflicts/{made[1].id}/settle", json={"action": "keep"})
    listed = [c["id"] for c in office.get("/api/sync/conflicts?open=false").get_json()]
    assert listed == [made[2].id, made[0].id, made[1].id]  # unsettled first, newest first
    html = signed_in(app, people).get("/office/conflicts?settled=1").get_data(as_text=True)
    on_page = [i for i in re.findall(r"/office/conflicts/([0-9a-f-]{36})/settle", html)]
    assert [i for i in dict.fromkeys(on_page)] == [made[2].id, made[0].id]  # settled ones have no form
    assert html.index(made[2].id) < html.index(made[0].id)


def test_rejected_entries_settle_alike_from_the_sync_api_and_the_page(app, db, client_for, people, world):
    phone = Phone(client_for("tech1"))
    body = {
        "device_id": phone.id,
        "device_time": datetime.now(UTC).isoformat(),
        "mutations": [
            phone.mutation("diagnosis", {"work_order_id": world["wo2"].id, "fault_cause": "不是我的单"}),
            phone.mutation("diagnosis", {"work_order_id": world["wo2"].id, "fault_cause": "也不是"}),
        ],
    }
    first, second = (r["id"] for r in phone.client.post("/api/sync/push", json=body).get_json()["results"])
    office = client_for("dispatcher")
    listed = [r["id"] for r in office.get("/api/sync/rejected").get_json()]
    assert listed[:2] == [second, first] or listed[:2] == [first, second]
    no_note = office.post(f"/api/sync/rejected/{first}/settle", json={})
    assert no_note.status_code == 422 and no_note.get_json()["reason"] == "rejected.note_required"
    assert office.post(f"/api/sync/rejected/{first}/settle", json={"note": "已告知技术员"}).status_code == 200
    page = signed_in(app, people)
    empty = page.submit("/office/conflicts", f"/office/rejected/{second}/settle", {"note": ""})
    assert empty.status_code == 422
    assert page.submit("/office/conflicts", f"/office/rejected/{second}/settle", {"note": "已告知"}).status_code == 302
    again = page.submit("/office/conflicts", f"/office/rejected/{first}/settle", {"note": "再次"})
    assert again.status_code == 409
    db.session.expire_all()
    assert db.session.query(MutationRecord).filter_by(id=first).one().settlement == "已告知技术员"
    assert db.session.query(MutationRecord).filter_by(id=second).one().settlement == "已告知"
