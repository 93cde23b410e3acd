"""Bad input to the sync API: a clear 4xx or a per-mutation rejection, and nothing else changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.models import ChangeLogEntry, ChecklistAnswer, Device, MutationRecord

from .device import SimDevice


def counts(db) -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ChecklistAnswer, MutationRecord, ChangeLogEntry)
    )


def test_malformed_json_is_400_and_changes_nothing(client_for, world, db):
    before = counts(db)
    response = client_for("tech1").post(
        "/api/sync/push", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["message"]
    assert counts(db) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"device_time": "2026-11-23T09:30:00+08:00", "mutations": []}, "device_id"),
        ({"device_id": "not-a-uuid", "device_time": "2026-11-23T09:30:00+08:00", "mutations": []}, "device_id"),
        (
            {"device_id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b11", "device_time": "yesterday", "mutations": []},
            "device_time",
        ),
        (
            {
                "device_id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b11",
                "device_time": "2026-11-23T09:30:00+08:00",
                "mutations": "x",
            },
            "mutations",
        ),
        (
            {
                "device_id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b11",
                "device_time": "2026-11-23T09:30:00+08:00",
                "mutations": [{"seq": "one", "id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b12"}],
            },
            "mutations",
        ),
    ],
)
def test_bad_envelope_is_422_naming_the_field(client_for, world, db, body, field):
    before = counts(db)
    response = client_for("tech1").post("/api/sync/push", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert counts(db) == before


def test_another_users_device_is_403(client_for, world, db):
    tech1, tech2 = SimDevice(client_for("tech1")), None
    tech1.push(
        [tech1.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"})]
    )
    before = counts(db)
    tech2 = SimDevice(client_for("tech2"), device_id=tech1.id)
    response = tech2.push(
        [tech2.mutation("checklist_answer", {"work_order_id": world["wo2"].id, "step": "kit_tools", "value": "yes"})]
    )
    assert response.status_code == 403
    assert counts(db) == before


@pytest.mark.parametrize(
    "entity, op, fields, where",
    [
        ("gizmo", "create", {}, "entity"),
        ("checklist_answer", "create", {"work_order_id": "WO", "step": "kit_tools"}, "fields"),
        ("checklist_answer", "create", {"work_order_id": "WO", "step": "kit_tools", "value": 5}, "fields"),
        ("checklist_answer", "create", {"work_order_id": "WO", "step": "kit_tools", "value": "x" * 201}, "fields"),
        (
            "checklist_answer",
            "create",
            {"work_order_id": "WO", "step": "kit_tools", "value": "y", "colour": "red"},
            "fields",
        ),
        ("checklist_answer", "update", {"work_order_id": "WO", "step": "kit_tools", "value": "y"}, "op"),
        ("checklist_answer", "upsert", {"work_order_id": "WO", "step": "kit_tools", "value": "y"}, "op"),
        ("visit_event", "create", {"work_order_id": "WO", "kind": "teleported"}, "fields"),
        (
            "sign_off",
            "create",
            {
                "work_order_id": "WO",
                "signer_name": "A",
                "rating_quality": 6,
                "rating_attitude": 1,
                "signature_sha256": "0" * 64,
                "summary_sha256": "0" * 64,
            },
            "fields",
        ),
        (
            "fee_quote",
            "create",
            {
                "work_order_id": "WO",
                "lines": [{"kind": "labour", "description": "x", "amount": "50.00"}],
                "total": "60.00",
                "consented": False,
            },
            "fields",
        ),
        ("customer", "create", {"name": "x"}, "entity"),
        ("work_order", "update", {"priority": "urgent"}, "fields"),
        ("work_order", "update", {"status": "closed"}, "fields"),
        ("work_order", "update", {"status": "on_site"}, "status"),
        ("checklist_answer", "create", {"work_order_id": "WO2", "step": "kit_tools", "value": "y"}, "work_order_id"),
    ],
)
def test_a_bad_mutation_is_rejected_with_its_reason_and_the_good_one_applies(
    client_for, world, db, entity, op, fields, where
):
    ids = {"WO": world["wo1"].id, "WO2": world["wo2"].id}
    fields = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    phone = SimDevice(client_for("tech1"))
    bad = phone.mutation(
        entity, fields, op=op, entity_id=world["wo1"].id if entity == "work_order" else None, base_version=1
    )
    good = phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_gloves", "value": "yes"})
    body = phone.push([bad, good]).get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"], body
    error = body["results"][0]["error"]
    assert where in error["errors"] or where in error["errors"].get("fields", {}), error
    assert error["message"]
    assert body["last_seq"] == 2
    assert db.session.query(MutationRecord).filter_by(id=bad["id"]).one().status == "rejected"


@pytest.mark.parametrize(
    "change, where",
    [
        ({"entity_id": "not-a-uuid"}, "entity_id"),
        ({"at": "yesterday"}, "at"),
        ({"at": None}, "at"),
        ({"base_version": "1"}, "base_version"),
        ({"fields": ["work_order_id"]}, "fields"),
        ({"entity": None}, "entity"),
    ],
)
def test_a_mutation_with_a_bad_envelope_is_rejected_alone_and_kept_as_sent(client_for, world, db, change, where):
    phone = SimDevice(client_for("tech1"))
    fields = {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"}
    bad = {**phone.mutation("checklist_answer", fields), **change}
    good = phone.mutation("checklist_answer", {**fields, "step": "kit_gloves"})
    body = phone.push([bad, good]).get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"], body
    assert where in body["results"][0]["error"]["errors"], body
    assert body["last_seq"] == 2
    kept = db.session.query(MutationRecord).filter_by(id=bad["id"]).one()
    assert kept.status == "rejected"
    assert kept.payload[where] == bad[where]  # what the device sent, for the office to review


def test_a_replayed_seq_with_a_different_id_is_not_applied(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    first = phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"})
    phone.push([first])
    impostor = {**first, "id": "6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b99", "fields": {**first["fields"], "value": "no"}}
    result = phone.push([impostor]).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistAnswer)) == 1


def test_pull_with_a_forged_cursor_is_400_and_an_old_one_resets(client_for, world, db):
    client = client_for("tech1")
    assert client.get("/api/sync/pull?cursor=garbage!").status_code == 400
    assert client.get("/api/sync/pull?limit=0").status_code == 422
    from server.models import SyncState
    from server.sync.pull import encode_cursor

    state = db.session.get(SyncState, 1)
    state.oldest_seq = state.last_seq  # as if history were pruned
    db.session.commit()
    page = client.get(f"/api/sync/pull?cursor={encode_cursor(1)}").get_json()
    assert page["reset"] is True and page["changes"] == []


def test_clock_offset_is_measured_from_device_time(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    from .device import now_iso

    phone.push([], device_time=now_iso(offset_s=-3600))
    offset = db.session.get(Device, phone.id).clock_offset_ms
    assert -3_700_000 < offset < -3_500_000


def test_pages_of_changes_have_more_until_the_end(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    phone.push(
        [
            phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": f"kit_{i}x", "value": "y"})
            for i in range(7)
        ]
    )
    client = phone.client
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/api/sync/pull?limit=3" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += page["changes"]
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    assert pages >= 3
    assert len([c for c in seen if c["entity"] == "checklist_answer"]) == 7
    assert client.get(f"/api/sync/pull?cursor={cursor}").get_json()["changes"] == []


def test_a_record_id_already_taken_is_rejected_and_the_rest_of_the_batch_applies(client_for, world, db):
    """The fast path does not look ids up first: the clash breaks its insert and the batch is redone entry by entry."""
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"].id
    first = phone.mutation("checklist_answer", {"work_order_id": wo, "step": "kit_tools", "value": "yes"})
    assert phone.push([first]).get_json()["results"][0]["status"] == "applied"
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry))
    good = phone.mutation("checklist_answer", {"work_order_id": wo, "step": "kit_gloves", "value": "yes"})
    clash = phone.mutation(
        "checklist_answer", {"work_order_id": wo, "step": "kit_forms", "value": "no"}, entity_id=first["entity_id"]
    )
    twin = phone.mutation("visit_event", {"work_order_id": wo, "kind": "departed"})
    same_in_batch = phone.mutation("visit_event", {"work_order_id": wo, "kind": "arrived"}, entity_id=twin["entity_id"])
    body = phone.push([good, clash, twin, same_in_batch]).get_json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied", "rejected"], body
    assert body["results"][1]["error"]["errors"] == {"entity_id": ["Already exists."]}
    assert body["last_seq"] == 5
    values = dict(db.session.execute(sa.select(ChecklistAnswer.step, ChecklistAnswer.value)).all())
    assert values == {"kit_tools": "yes", "kit_gloves": "yes"}  # the clash changed nothing
    assert (
        db.session.query(MutationRecord).filter_by(id=clash["id"]).one().payload["fields"]["value"] == "no"
    )  # but is kept
    # The two new records, each once in the staff log and once in tech1's.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry)) == before + 4


def test_a_mutation_id_seen_before_under_a_new_seq_is_answered_as_a_duplicate(client_for, world, db):
    """A reinstalled app renumbering its outbox: the entry already applied is not applied twice."""
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"].id
    first = phone.mutation("checklist_answer", {"work_order_id": wo, "step": "kit_tools", "value": "yes"})
    phone.push([first])
    renumbered = {**first, "seq": 2}
    new = phone.mutation("checklist_answer", {"work_order_id": wo, "step": "kit_gloves", "value": "yes"})
    new["seq"] = 3
    body = phone.push([renumbered, new]).get_json()
    assert [(r["status"], r.get("original_status")) for r in body["results"]] == [
        ("duplicate", "applied"),
        ("applied", None),
    ], body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistAnswer)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MutationRecord)) == 2
