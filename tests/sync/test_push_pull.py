"""Push and pull through the API: a visit recorded offline reaches the server exactly once."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.service_day import today
from server.domain.warranty import add_months
from server.models import ChangeLogEntry, ChecklistAnswer, Conflict, MutationRecord, PartFitted, WorkOrder

from .device import SimDevice


def test_a_push_applies_each_mutation_and_a_replay_changes_nothing(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"]
    batch = [
        phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "kit_tools", "value": "yes"}),
        phone.mutation(
            "part_fitted",
            {
                "work_order_id": wo.id,
                "part_number": "PCB-220",
                "serial_fitted": "SN123",
                "serial_removed": "SN007",
                "quantity": 1,
                "unit_price": "0.00",
                "under_warranty": True,
            },
        ),
    ]
    first = phone.push(batch)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["last_seq"] == 2
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]

    again = phone.push(batch).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["version"] for r in again["results"]] == [r["version"] for r in body["results"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartFitted)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistAnswer)) == 1


def test_one_bad_entry_is_rejected_and_the_rest_apply(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"]
    batch = [
        phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "kit_tools", "value": "yes"}),
        phone.mutation(
            "part_fitted",
            {
                "work_order_id": wo.id,
                "part_number": "NOPE-1",
                "quantity": 1,
                "unit_price": "1.00",
                "under_warranty": False,
            },
        ),
        phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "kit_gloves", "value": "yes"}),
    ]
    body = phone.push(batch).get_json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert "part_number" in body["results"][1]["error"]["errors"]["fields"]
    assert body["last_seq"] == 3
    kept = db.session.query(MutationRecord).filter_by(id=batch[1]["id"]).one()
    assert kept.status == "rejected" and kept.payload["fields"]["part_number"] == "NOPE-1"


def test_a_seq_gap_is_refused_and_nothing_applies(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    phone.seq = 4
    m = phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"})
    response = phone.push([m])
    assert response.status_code == 409
    assert response.get_json()["expected_seq"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistAnswer)) == 0


def test_technician_pulls_own_jobs_only_and_gets_a_delete_when_reassigned(client_for, world, people):
    tech1 = SimDevice(client_for("tech1"))
    changes = tech1.pull_all()
    wo_ids = {c["id"] for c in changes if c["entity"] == "work_order"}
    assert wo_ids == {world["wo1"].id}
    customers = {c["id"] for c in changes if c["entity"] == "customer"}
    assert customers == {world["customers"][0].id}
    assert any(c["entity"] == "part" for c in changes)

    office = client_for("dispatcher")
    assert (
        office.post(
            f"/api/work-orders/{world['wo1'].id}/assign",
            json={"technician_id": people["tech2"].id, "reason": "王师傅请假"},
        ).status_code
        == 200
    )
    later = tech1.pull_all()
    deleted = {(c["entity"], c["id"]) for c in later if c["op"] == "delete"}
    assert ("work_order", world["wo1"].id) in deleted
    assert ("customer", world["customers"][0].id) in deleted

    tech2 = SimDevice(client_for("tech2"))
    got = {c["id"] for c in tech2.pull_all() if c["entity"] == "work_order" and c["op"] == "put"}
    assert got == {world["wo1"].id, world["wo2"].id}


def office_edits_notes_behind_the_phone(client_for, db, wo):
    """tech1's phone, the office, and the version the phone saw before the office edited the notes."""
    phone = SimDevice(client_for("tech1"))
    base = db.session.get(WorkOrder, wo.id).version
    office = client_for("dispatcher")
    assert office.patch(f"/api/work-orders/{wo.id}", json={"technician_notes": "客户要求下午到"}).status_code == 200
    return phone, office, base


def test_stale_status_write_merges_by_rule_and_logs_the_loser(client_for, world, db):
    wo = world["wo1"]
    phone, _, base = office_edits_notes_behind_the_phone(client_for, db, wo)
    batch = [
        phone.mutation(
            "work_order",
            {"status": "en_route", "technician_notes": "带上新主板"},
            op="update",
            entity_id=wo.id,
            base_version=base,
        ),
    ]
    result = phone.push(batch).get_json()["results"][0]
    assert result["status"] == "merged", result
    assert result["conflict"]["technician_notes"]["rule"] == "text_merged"
    db.session.expire_all()
    fresh = db.session.get(WorkOrder, wo.id)
    assert fresh.status == "en_route"
    assert "客户要求下午到" in fresh.technician_notes and "带上新主板" in fresh.technician_notes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 1


def test_compacting_the_change_log_keeps_every_record_reachable(app, client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"]
    for note in ("a", "b", "c"):
        base = db.session.get(WorkOrder, wo.id).version
        phone.push(
            [phone.mutation("work_order", {"technician_notes": note}, op="update", entity_id=wo.id, base_version=base)]
        )
        db.session.expire_all()
    before = {(c["entity"], c["id"]): c for c in SimDevice(client_for("tech1")).pull_all()}
    rows_before = db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry))
    result = app.test_cli_runner().invoke(args=["sync-compact"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry)) < rows_before
    after = {(c["entity"], c["id"]): c for c in SimDevice(client_for("tech1")).pull_all()}
    assert after == before
    assert after[("work_order", wo.id)]["fields"]["technician_notes"] == "c"


def test_a_fitted_part_leaves_the_van_and_a_voided_one_returns(client_for, world, db):
    from server.models import VanStock

    phone = SimDevice(client_for("tech1"))
    fitted = phone.mutation(
        "part_fitted",
        {
            "work_order_id": world["wo1"].id,
            "part_number": "PCB-220",
            "serial_fitted": "SN9",
            "quantity": 2,
            "unit_price": "0.00",
            "under_warranty": True,
        },
    )
    phone.push([fitted])
    van = lambda: db.session.scalar(
        sa.select(VanStock.quantity).where(VanStock.technician_id == world["wo1"].technician_id)
    )
    assert van() == 1
    changes = phone.pull_all()
    assert any(c["entity"] == "van_stock" and c["fields"]["quantity"] == 1 for c in changes)
    phone.push([phone.mutation("part_fitted", op="delete", entity_id=fitted["entity_id"])])
    db.session.expire_all()
    assert van() == 3


def test_a_rejection_after_good_entries_in_one_batch_keeps_their_changes_in_the_log(client_for, world, db):
    """A rejected work-order update must not drop the change-log notes of the entries before it."""
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    reader = SimDevice(client_for("tech1"))
    reader.pull_all()  # up to date before the batch
    good = phone.mutation("visit_event", {"work_order_id": wo.id, "kind": "arrived"})
    bad_move = phone.mutation(
        "work_order",
        {"status": "completed"},
        op="update",
        entity_id=wo.id,
        base_version=db.session.get(WorkOrder, wo.id).version,
    )
    results = phone.push([good, bad_move]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert ("visit_event", good["entity_id"]) in {(c["entity"], c["id"]) for c in reader.pull_all()}


def test_a_conflict_and_a_rejected_entry_are_settled_once(client_for, world, db):
    """The sync API's review endpoints settle through the same rules as the back office."""
    wo = world["wo1"]
    phone, office, base = office_edits_notes_behind_the_phone(client_for, db, wo)
    bad = phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "kit_tools", "value": 5})
    phone.push(
        [
            phone.mutation(
                "work_order", {"technician_notes": "带上新主板"}, op="update", entity_id=wo.id, base_version=base
            ),
            bad,
        ]
    )
    conflict = db.session.scalar(sa.select(Conflict))

    first = office.post(f"/api/sync/conflicts/{conflict.id}/settle", json={"note": "  两条都保留  "})
    assert first.status_code == 200 and first.get_json()["resolution"] == "两条都保留"
    again = office.post(f"/api/sync/conflicts/{conflict.id}/settle", json={"note": "改主意了"})
    assert again.status_code == 409 and again.get_json()["reason"] == "conflict.already_settled"
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).resolution == "两条都保留"

    assert office.post(f"/api/sync/rejected/{bad['id']}/settle", json={"resolution": "已告知技术员"}).status_code == 200
    assert office.post(f"/api/sync/rejected/{bad['id']}/settle", json={"resolution": "再次"}).status_code == 409
    db.session.expire_all()
    assert db.session.query(MutationRecord).filter_by(id=bad["id"]).one().settlement == "已告知技术员"


def test_a_pulled_product_carries_its_repair_history_with_the_parts_fitted(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    fields = {
        "work_order_id": world["wo1"].id,
        "part_number": "PCB-220",
        "quantity": 1,
        "unit_price": "0.00",
        "under_warranty": True,
    }
    first = phone.mutation("part_fitted", {**fields, "serial_fitted": "SN-A", "serial_removed": "SN-OLD"})
    second = phone.mutation("part_fitted", {**fields, "serial_fitted": "SN-B"})
    voided = phone.mutation("part_fitted", {**fields, "serial_fitted": "SN-VOID"})
    phone.push([first, second, voided])
    phone.push([phone.mutation("part_fitted", op="delete", entity_id=voided["entity_id"])])
    product = next(c for c in phone.pull_all() if c["entity"] == "product" and c["id"] == world["products"][0].id)
    [ticket] = product["fields"]["repair_history"]
    assert ticket["ticket_no"] == world["wo1"].ticket_no
    assert ticket["fault_description"] == "不制冷"
    end = add_months(today(), 3).isoformat()  # each part's own warranty: the fit day + the catalogue's months
    assert ticket["parts"] == [  # in the order fitted; the voided one is not history
        {"part_number": "PCB-220", "serial_fitted": "SN-A", "serial_removed": "SN-OLD", "warranty_end": end},
        {"part_number": "PCB-220", "serial_fitted": "SN-B", "serial_removed": None, "warranty_end": end},
    ]
