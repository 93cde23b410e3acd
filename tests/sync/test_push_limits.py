"""Request limits in a push: a bad entry is rejected on its own, the rest apply (issue #12, finding 2)."""

from __future__ import annotations

import json

import pytest

from server.models import ChecklistAnswer, MutationRecord

from .device import SimDevice


def answer(phone, world, step: str, **extra) -> dict:
    return phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": step, "value": "yes", **extra})


@pytest.mark.parametrize(
    "change, where",
    [
        ({"entity": "checklist_answer\x00"}, "entity"),
        ({"base_version": 2**63}, "base_version"),
        ({"base_version": 2**64}, "base_version"),
        ({"fields": {"note": "a\x00b"}}, "fields.note"),
        ({"fields": {"note": "n" * 70_000}}, "fields.note"),
        ({"fields": {"data": json.loads("[" * 40 + "]" * 40)}}, "fields.data" + "[0]" * 28),
        ({"op": {"a\x00": 1}}, "op.'a\\x00'"),
    ],
)
def test_an_entry_over_a_limit_is_rejected_alone_and_the_queue_moves_on(client_for, world, db, change, where):
    phone = SimDevice(client_for("tech1"))
    good1, bad, good2 = (
        answer(phone, world, "kit_tools"),
        answer(phone, world, "kit_gloves"),
        answer(phone, world, "kit_mat"),
    )
    for key, value in change.items():
        bad[key] = {**bad[key], **value} if key == "fields" else value
    response = phone.client.post(
        "/api/sync/push", data=json.dumps(phone.body([good1, bad, good2])), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"], body
    error = body["results"][1]["error"]
    assert where in error["errors"], error
    assert f"mutations[1].{where}" in error["errors"][where][0]
    assert body["last_seq"] == 3
    kept = db.session.query(MutationRecord).filter_by(id=bad["id"]).one()
    assert (
        kept.status == "rejected" and kept.payload["entity_id"] == bad["entity_id"]
    )  # kept (made storable) for review
    # The outbox is not blocked: the next push goes through.
    after = phone.push([answer(phone, world, "kit_shoes")]).get_json()
    assert after["results"][0]["status"] == "applied" and after["last_seq"] == 4
    assert db.session.query(ChecklistAnswer).count() == 3


def test_the_office_can_read_a_refused_entry(client_for, world):
    phone = SimDevice(client_for("tech1"))
    bad = {**answer(phone, world, "kit_tools"), "entity": "check\x00list"}
    assert phone.push([bad]).status_code == 200
    rows = client_for("dispatcher").get("/api/sync/rejected").get_json()
    assert [r["id"] for r in rows] == [bad["id"]]
    assert rows[0]["payload"]["entity"] == "check\ufffdlist"


@pytest.mark.parametrize(
    "change, where",
    [
        ({"seq": 2**63}, "mutations[0].seq"),
        ({"id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b1\x00"}, "mutations[0].id"),
    ],
)
def test_an_entry_that_cannot_be_named_fails_the_push_whole(client_for, world, db, change, where):
    phone = SimDevice(client_for("tech1"))
    response = phone.push([{**answer(phone, world, "kit_tools"), **change}])
    assert response.status_code == 422
    assert where in response.get_json()["errors"]
    assert db.session.query(MutationRecord).count() == 0


def test_an_envelope_over_a_limit_fails_the_push_whole(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    response = phone.client.post(
        "/api/sync/push", json={**phone.body([answer(phone, world, "kit_tools")]), "device_id": "6f1c5c1e-\x00"}
    )
    assert response.status_code == 422 and "device_id" in response.get_json()["errors"]
    response = phone.push([answer(phone, world, "kit_tools") for _ in range(1001)])
    assert response.status_code == 422 and "mutations" in response.get_json()["errors"]
    assert db.session.query(MutationRecord).count() == 0
