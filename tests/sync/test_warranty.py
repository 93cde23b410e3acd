"""Warranty rules (issue #13; seed 000 §二(一)1, 003 §三(五)2): human damage needs a photo, a
consumable does not; the office decides over the rule with a reason and a phone cannot;
fitted parts carry their own warranty; any serial can be looked up.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from server.domain.service_day import today
from server.domain.warranty import add_months
from server.models import VisitEvent, WorkOrder
from server.services import job_facts
from server.services.coverage import coverage_of
from server.sync import event_data

from .device import SimDevice
from .test_sign_off_and_blobs import PNG
from .test_work_order_rules import on_site, one, signed_visit, version


def photo(phone: SimDevice, wo_id: str, caption="外壳摔裂") -> dict:
    return phone.mutation("photo", {"work_order_id": wo_id, "blob_sha256": phone.upload(PNG), "caption": caption})


def void(phone: SimDevice, wo_id: str, reason: str, photo_id: str | None = None) -> dict:
    return phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "warranty_void", "data": {"reason": reason, "photo_id": photo_id}},
    )


def fit(phone: SimDevice, wo_id: str, serial_fitted: str, serial_removed: str | None = None, **kw) -> dict:
    return phone.mutation(
        "part_fitted",
        {
            "work_order_id": wo_id,
            "part_number": "PCB-220",
            "serial_fitted": serial_fitted,
            "serial_removed": serial_removed,
            "unit_price": "0.00",
            "under_warranty": True,
        },
        **kw,
    )


def coverage(db, wo_id: str, now: datetime | None = None):
    db.session.expire_all()
    return coverage_of(db.session, db.session.get(WorkOrder, wo_id), now)


# ---------------------------------------------------------------- human damage / consumable


def test_human_damage_needs_a_photo_of_this_order(client_for, world, db):
    wo_id = world["wo1"].id  # the product is in warranty
    assert coverage(db, wo_id).covered
    phone = SimDevice(client_for("tech1"))

    bare = one(phone, void(phone, wo_id, "human_damage"))
    assert bare["status"] == "rejected" and bare["error"]["code"] == "sync.photo_required", bare
    made_up = one(phone, void(phone, wo_id, "human_damage", "8a1f5d7e-0000-4000-8000-000000000001"))
    assert made_up["error"]["code"] == "sync.photo_required"
    # another technician's photo on another order is no evidence for this one
    other = SimDevice(client_for("tech2"))
    theirs = photo(other, world["wo2"].id)
    assert one(other, theirs)["status"] == "applied"
    assert one(phone, void(phone, wo_id, "human_damage", theirs["entity_id"]))["error"]["code"] == (
        "sync.photo_required"
    )
    # a voided photo is no evidence either
    gone = photo(phone, wo_id)
    assert one(phone, gone)["status"] == "applied"
    assert one(phone, phone.mutation("photo", op="delete", entity_id=gone["entity_id"]))["status"] == "applied"
    assert one(phone, void(phone, wo_id, "human_damage", gone["entity_id"]))["error"]["code"] == "sync.photo_required"
    assert coverage(db, wo_id).covered

    # the photo taken first, in the same push, as the phone does
    shot = photo(phone, wo_id)
    results = phone.push([shot, void(phone, wo_id, "human_damage", shot["entity_id"])]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    c = coverage(db, wo_id)
    assert not c.covered and c.void_reason == "human_damage" and c.product_in_warranty


def test_a_consumable_needs_no_photo_and_voiding_it_restores_the_warranty(client_for, world, db):
    wo_id = world["wo1"].id
    phone = SimDevice(client_for("tech1"))
    bad = one(phone, void(phone, wo_id, "worn_out"))
    assert bad["status"] == "rejected" and bad["error"]["code"] == "sync.invalid_fields"
    bare = one(phone, phone.mutation("visit_event", {"work_order_id": wo_id, "kind": "warranty_void"}))
    assert bare["error"]["code"] == "sync.invalid_fields"
    event = void(phone, wo_id, "consumable")
    assert one(phone, event)["status"] == "applied"
    c = coverage(db, wo_id)
    assert not c.covered and c.void_reason == "consumable"
    # recorded by mistake: voided, the visit is covered again
    assert one(phone, phone.mutation("visit_event", op="delete", entity_id=event["entity_id"]))["status"] == "applied"
    assert coverage(db, wo_id).covered


def test_out_of_warranty_stays_chargeable(client_for, world, db):
    assert not coverage(db, world["wo2"].id).covered


# ---------------------------------------------------------------- the office decides


def test_only_the_office_decides_and_always_with_a_reason(client_for, world, db):
    wo_id = world["wo1"].id
    tech = client_for("tech1")
    phone = SimDevice(tech)
    assert one(phone, void(phone, wo_id, "consumable"))["status"] == "applied"

    # the phone may not record the decision nor change the field
    forged = phone.mutation(
        "visit_event",
        {"work_order_id": wo_id, "kind": "warranty_overridden", "data": {"decision": "covered", "reason": "x"}},
    )
    result = one(phone, forged)
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.office_only"
    change = phone.mutation(
        "work_order", {"warranty_decision": "covered"}, op="update", entity_id=wo_id, base_version=version(db, wo_id)
    )
    assert one(phone, change)["status"] == "rejected"
    assert tech.patch(f"/api/work-orders/{wo_id}", json={"warranty_decision": "covered"}).status_code == 422
    url = f"/api/office/work-orders/{wo_id}/warranty"
    assert tech.post(url, json={"decision": "covered", "reason": "客户坚持"}).status_code == 403
    assert not coverage(db, wo_id).covered

    office = client_for("dispatcher")
    blank = office.post(url, json={"decision": "covered", "reason": " "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    assert office.post(url, json={"decision": "maybe", "reason": "x"}).status_code == 422
    ok = office.post(url, json={"decision": "covered", "reason": "滤芯属正常损耗范围外，公司同意免费"})
    assert ok.status_code == 200 and ok.get_json()["warranty_decision"] == "covered"
    c = coverage(db, wo_id)
    assert c.covered and c.decision == "covered"
    event = db.session.scalar(sa.select(VisitEvent).where(VisitEvent.kind == "warranty_overridden"))
    assert event.data == {"decision": "covered", "previous": None, "reason": "滤芯属正常损耗范围外，公司同意免费"}
    event_data.check(event.kind, event.data)  # what the office writes fits its kind
    # the office's decision is not the technician's record (the 4-hour record rule, seed 000 §三(三)1)
    assert job_facts.load([wo_id])[0].last_record_at < event.corrected_at

    # the phone gets the decision in its pull, and the office's event
    pulled = {(c["entity"], c["id"]): c for c in phone.pull_all()}
    assert pulled[("work_order", wo_id)]["fields"]["warranty_decision"] == "covered"
    assert ("visit_event", event.id) in pulled

    # chargeable even in warranty; null hands it back to the rule (the consumable: chargeable)
    assert office.post(url, json={"decision": "chargeable", "reason": "人为进水"}).get_json()["warranty_decision"] == (
        "chargeable"
    )
    assert not coverage(db, wo_id).covered
    back = office.post(url, json={"decision": None, "reason": "交回规则"})
    assert back.status_code == 200 and back.get_json()["warranty_decision"] is None
    assert coverage(db, wo_id).decision is None


def test_the_decision_is_sealed_by_the_sign_off(client_for, world, db):
    wo_id = world["wo1"].id
    on_site(db, wo_id, "fixed")
    phone = SimDevice(client_for("tech1"))
    signed_visit(db, phone, wo_id)
    office = client_for("manager")
    response = office.post(f"/api/office/work-orders/{wo_id}/warranty", json={"decision": "covered", "reason": "x"})
    assert response.status_code == 409 and response.get_json()["reason"] == "work_order.warranty_sealed"
    # and who pays cannot be changed from the phone either once signed
    assert one(phone, void(phone, wo_id, "consumable"))["error"]["code"] == "sync.sealed"


# ---------------------------------------------------------------- fitted parts' own warranty


def test_a_fitted_part_carries_its_own_warranty(client_for, world, db):
    wo1 = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    assert one(phone, fit(phone, wo1.id, "PCB-A1", "PCB-FACTORY"))["status"] == "applied"
    end = add_months(today(), 3)  # the catalogue's warranty_months (default 3), from the fit day

    product = next(c for c in phone.pull_all() if c["entity"] == "product" and c["id"] == world["products"][0].id)
    parts = [p for r in product["fields"]["repair_history"] for p in r["parts"]]
    assert parts == [
        {
            "part_number": "PCB-220",
            "serial_fitted": "PCB-A1",
            "serial_removed": "PCB-FACTORY",
            "warranty_end": end.isoformat(),
        }
    ]
    rest = client_for("tech1").get(f"/api/products/{world['products'][0].id}").get_json()
    assert rest["repair_history"][0]["parts"][0]["warranty_end"] == end.isoformat()

    # a later visit replacing that part again: free while its own warranty lasts, to the day
    c = coverage(db, world["wo2"].id)
    assert c.part_covered("PCB-A1") and not c.part_covered("PCB-FACTORY") and not c.part_covered(None)
    last_day = datetime.combine(end, datetime.min.time(), UTC) + timedelta(hours=12)
    assert coverage(db, world["wo2"].id, last_day).part_covered("PCB-A1")
    assert not coverage(db, world["wo2"].id, last_day + timedelta(days=1)).part_covered("PCB-A1")
    # ... but not its own visit (a part cannot warrant the one it replaced on the same order),
    # nor a visit on a day before the fitting
    assert not coverage(db, wo1.id).part_covered("PCB-A1")
    assert not coverage(db, world["wo2"].id, datetime.now(UTC) - timedelta(days=2)).part_covered("PCB-A1")


def test_a_voided_fitting_gives_no_warranty(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    fitted = fit(phone, world["wo1"].id, "PCB-B2")
    assert one(phone, fitted)["status"] == "applied"
    assert one(phone, phone.mutation("part_fitted", op="delete", entity_id=fitted["entity_id"]))["status"] == "applied"
    assert not coverage(db, world["wo2"].id).part_covered("PCB-B2")


# ---------------------------------------------------------------- look-up by any serial


def test_look_up_by_any_serial(client_for, world, db):
    wo1 = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    assert one(phone, fit(phone, wo1.id, "PCB-A1", "PCB-FACTORY"))["status"] == "applied"
    office = client_for("dispatcher")

    by_product = office.get("/api/serials/AC3K-0001").get_json()
    assert by_product["product"]["serial_no"] == "AC3K-0001" and by_product["product"]["in_warranty"]
    assert by_product["part"] is None
    assert [h["ticket_no"] for h in by_product["history"]] == [wo1.ticket_no]
    assert by_product["history"][0]["parts"][0]["warranty_end"] == add_months(today(), 3).isoformat()

    fitted = office.get("/api/serials/PCB-A1").get_json()
    assert fitted["product"] is None
    assert fitted["part"]["part_number"] == "PCB-220" and fitted["part"]["in_warranty"]
    assert fitted["part"]["warranty_end"] == add_months(today(), 3).isoformat()
    assert fitted["part"]["product_id"] == world["products"][0].id and not fitted["part"]["removed"]
    assert [h["ticket_no"] for h in fitted["history"]] == [wo1.ticket_no]

    removed = office.get("/api/serials/PCB-FACTORY").get_json()
    assert removed["part"]["removed"] and removed["part"]["warranty_end"] is None
    assert [h["ticket_no"] for h in removed["history"]] == [wo1.ticket_no]

    missing = office.get("/api/serials/NOPE-1")
    assert missing.status_code == 404 and missing.get_json()["reason"] == "serial.unknown"


def test_a_technician_looks_up_only_what_they_may_see(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    assert one(phone, fit(phone, world["wo1"].id, "PCB-A1"))["status"] == "applied"
    tech1, tech2 = client_for("tech1"), client_for("tech2")
    assert tech1.get("/api/serials/AC3K-0001").status_code == 200
    assert tech1.get("/api/serials/PCB-A1").status_code == 200
    # tech2 holds no job for that customer: the same answer as an unknown serial
    assert tech2.get("/api/serials/AC3K-0001").status_code == 404
    assert tech2.get("/api/serials/PCB-A1").status_code == 404
    assert tech2.get("/api/serials/WM8-0002").status_code == 200
    # once the job is closed, tech1 no longer sees it either
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.status = "cancelled"
    db.session.commit()
    assert tech1.get("/api/serials/AC3K-0001").status_code == 404


def test_part_warranty_end_is_the_fit_day_plus_the_catalogue_months():
    assert add_months(date(2026, 1, 31), 3) == date(2026, 4, 30)


def test_a_consumable_void_earlier_in_the_same_push_makes_the_quote_chargeable(client_for, world, db):
    """The push's fast path keeps rows unwritten until needed: coverage must see this push's void."""
    from tests.quotes import fee_quote_fields

    wo_id = world["wo1"].id  # in warranty by date
    phone = SimDevice(client_for("tech1"))
    free = fee_quote_fields(wo_id, [("PCB-220", 1)])  # priced while covered
    assert free["total"] == "0.00"
    chargeable = {
        **free,
        "lines": [
            {**line, "amount": amount} for line, amount in zip(free["lines"], ("50.00", "0.00", "180.00"), strict=True)
        ],
        "total": "230.00",
    }
    results = phone.push(
        [void(phone, wo_id, "consumable"), phone.mutation("fee_quote", free), phone.mutation("fee_quote", chargeable)]
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert results[1]["error"]["code"] == "sync.quote_mismatch"
