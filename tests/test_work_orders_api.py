"""The office takes requests in and dispatches them; technicians see their day.

Plus the reference data the jobs hang on: customers, products (warranty and repair
history), the parts catalogue and van stock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.domain import tickets
from server.domain.service_day import SERVICE_TZ, today
from server.domain.warranty import add_months
from server.models import PartFitted, VanStock, WorkOrder
from tests.office.helpers import seed_deadlines


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def intake(world, **overrides) -> dict:
    """A complete phone request for the first (VIP) customer's air conditioner."""
    return {
        "customer_id": world["customers"][0].id,
        "product_id": world["products"][0].id,
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "fault_description": "空调不制冷，外机有异响",
        **overrides,
    }


def at(day: date, hour: int) -> str:
    """An appointment time on a service-area day, as the PWA sends it."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=SERVICE_TZ).isoformat()


# --- intake ----------------------------------------------------------------------------


def test_intake_numbers_the_ticket_and_starts_the_sla_clocks(client_for, world):
    response = client_for("dispatcher").post(
        "/api/work-orders/",
        json=intake(world, customer_id=world["customers"][1].id, product_id=world["products"][1].id),
    )
    assert response.status_code == 201
    wo = response.get_json()
    assert tickets.PATTERN.match(wo["ticket_no"])
    assert wo["ticket_no"].startswith(f"SR-{today():%Y%m%d}-")
    assert wo["status"] == "new" and wo["technician_id"] is None
    created = parse(wo["created_at"])
    # Anna Li is a normal customer: normal priority, 30 min to respond, 24 h to resolve, in working time.
    response_due, resolution_due = seed_deadlines(created, "normal", "normal")
    assert parse(wo["response_due"]) == response_due and parse(wo["resolution_due"]) == resolution_due
    assert parse(wo["response_due"]) - created >= timedelta(minutes=30)
    assert parse(wo["resolution_due"]) - created >= timedelta(hours=24)
    assert wo["warnings"] == []


def test_vip_requests_are_handled_one_level_up(client_for, world):
    wo = client_for("dispatcher").post("/api/work-orders/", json=intake(world, priority="important")).get_json()
    assert wo["priority"] == "important"  # what was asked is kept ...
    created = parse(wo["created_at"])
    response_due, resolution_due = seed_deadlines(created, "urgent", "normal")  # ... handled as urgent
    assert parse(wo["response_due"]) == response_due and parse(wo["resolution_due"]) == resolution_due


def test_ticket_numbers_count_up_within_the_day(client_for, world):
    office = client_for("dispatcher")
    numbers = [office.post("/api/work-orders/", json=intake(world)).get_json()["ticket_no"] for _ in range(3)]
    counters = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert counters == [counters[0], counters[0] + 1, counters[0] + 2]
    # The world fixture already took two numbers today.
    assert counters[0] == 3


def test_every_channel_gets_the_same_ticket_format(client_for, world):
    office = client_for("manager")
    for channel in ("phone", "chat", "wechat", "website", "walk_in"):
        wo = office.post("/api/work-orders/", json=intake(world, channel=channel)).get_json()
        assert wo["channel"] == channel and tickets.PATTERN.match(wo["ticket_no"]), wo


def test_intake_with_a_technician_is_assigned_and_with_an_appointment_scheduled(client_for, people, world):
    office = client_for("dispatcher")
    tech = people["tech1"].id
    assigned = office.post("/api/work-orders/", json=intake(world, technician_id=tech)).get_json()
    assert assigned["status"] == "assigned" and assigned["technician_id"] == tech
    start = datetime.now(SERVICE_TZ).replace(microsecond=0) + timedelta(days=1)
    scheduled = office.post(
        "/api/work-orders/",
        json=intake(
            world,
            technician_id=tech,
            appointment_start=start.isoformat(),
            appointment_end=(start + timedelta(hours=2)).isoformat(),
        ),
    ).get_json()
    assert scheduled["status"] == "scheduled"
    assert parse(scheduled["appointment_start"]) == start


@pytest.mark.parametrize(
    "change, field",
    [
        ({"customer_id": "00000000-0000-4000-8000-000000000000"}, "customer_id"),
        ({"product_id": "00000000-0000-4000-8000-000000000000"}, "product_id"),
        ({"technician_id": "00000000-0000-4000-8000-000000000000"}, "technician_id"),
    ],
)
def test_intake_refuses_ids_that_name_nothing(client_for, world, change, field):
    response = client_for("dispatcher").post("/api/work-orders/", json=intake(world, **change))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_intake_refuses_another_customers_product_and_a_non_technician(client_for, people, world):
    office = client_for("dispatcher")
    other_product = office.post("/api/work-orders/", json=intake(world, product_id=world["products"][1].id))
    assert other_product.status_code == 422 and "product_id" in other_product.get_json()["errors"]
    not_a_tech = office.post("/api/work-orders/", json=intake(world, technician_id=people["manager"].id))
    assert not_a_tech.status_code == 422 and "technician_id" in not_a_tech.get_json()["errors"]


def test_appointment_must_end_after_it_starts(client_for, world):
    start = datetime(2026, 5, 1, 10, tzinfo=SERVICE_TZ)
    response = client_for("dispatcher").post(
        "/api/work-orders/",
        json=intake(world, appointment_start=start.isoformat(), appointment_end=start.isoformat()),
    )
    assert response.status_code == 422
    assert "appointment_end" in response.get_json()["errors"]


def test_moving_one_end_of_the_appointment_past_the_other_is_422(db, client_for, world):
    office, wo_id = client_for("dispatcher"), world["wo1"].id
    start = office.get(f"/api/work-orders/{wo_id}").get_json()["appointment_start"]
    response = office.patch(f"/api/work-orders/{wo_id}", json={"appointment_end": start})
    assert response.status_code == 422 and "appointment_end" in response.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).appointment_end > parse(start)


def test_technicians_cannot_take_requests_in(client_for, world):
    response = client_for("tech1").post("/api/work-orders/", json=intake(world))
    assert response.status_code == 403
    assert response.get_json()["message"]


# --- assign and reassign ---------------------------------------------------------------


def test_assigning_a_new_order_gives_it_to_the_technician(client_for, people, world):
    office = client_for("dispatcher")
    wo = office.post("/api/work-orders/", json=intake(world)).get_json()
    assert client_for("tech1").get(f"/api/work-orders/{wo['id']}").status_code == 404
    response = office.post(f"/api/work-orders/{wo['id']}/assign", json={"technician_id": people["tech1"].id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "assigned" and body["technician_id"] == people["tech1"].id
    assert body["first_response_at"] is None  # assigning is not a response [seed 000 §二(二)1]
    assert client_for("tech1").get(f"/api/work-orders/{wo['id']}").status_code == 200


def test_reassigning_moves_the_job_and_its_customer_to_the_new_technician(client_for, people, world):
    wo1, customer = world["wo1"], world["customers"][0]
    tech1, tech2 = client_for("tech1"), client_for("tech2")
    assert tech2.get(f"/api/customers/{customer.id}").status_code == 404
    response = client_for("dispatcher").post(
        f"/api/work-orders/{wo1.id}/assign", json={"technician_id": people["tech2"].id, "reason": "改派: 王师傅病假"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "scheduled"  # the appointment stands
    assert tech1.get(f"/api/work-orders/{wo1.id}").status_code == 404
    assert tech1.get(f"/api/customers/{customer.id}").status_code == 404
    assert tech2.get(f"/api/work-orders/{wo1.id}").status_code == 200
    assert tech2.get(f"/api/customers/{customer.id}").status_code == 200


def test_reassigning_while_on_the_way_sends_the_job_back_to_assigned(db, client_for, people, world):
    wo1 = world["wo1"]
    assert client_for("tech1").patch(f"/api/work-orders/{wo1.id}", json={"status": "en_route"}).status_code == 200
    response = client_for("dispatcher").post(
        f"/api/work-orders/{wo1.id}/assign", json={"technician_id": people["tech2"].id, "reason": "堵车"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "assigned"  # tech2 has not set out yet


def test_assign_refuses_non_technicians_and_finished_jobs(db, client_for, people, world):
    office = client_for("dispatcher")
    wo1 = world["wo1"]
    not_tech = office.post(
        f"/api/work-orders/{wo1.id}/assign", json={"technician_id": people["dispatcher"].id, "reason": "试"}
    )
    assert not_tech.status_code == 422 and "technician_id" in not_tech.get_json()["errors"]
    assert office.patch(f"/api/work-orders/{wo1.id}", json={"status": "cancelled"}).status_code == 200
    finished = office.post(
        f"/api/work-orders/{wo1.id}/assign", json={"technician_id": people["tech2"].id, "reason": "试"}
    )
    assert finished.status_code == 409
    assert "cancelled" in finished.get_json()["message"]


def test_technicians_cannot_assign(client_for, people, world):
    response = client_for("tech1").post(
        f"/api/work-orders/{world['wo1'].id}/assign", json={"technician_id": people["tech1"].id}
    )
    assert response.status_code == 403


# --- a technician's day ------------------------------------------------------------------


def test_my_jobs_lists_the_days_asked_for_in_appointment_order(client_for, people, world):
    office, tech1 = client_for("dispatcher"), client_for("tech1")
    day0 = today()
    later = {}
    for offset, hour in [(3, 9), (1, 16), (1, 8), (70, 9)]:
        day = day0 + timedelta(days=offset)
        wo = office.post(
            "/api/work-orders/",
            json=intake(
                world,
                technician_id=people["tech1"].id,
                appointment_start=at(day, hour),
                appointment_end=at(day, hour + 1),
            ),
        ).get_json()
        later[(offset, hour)] = wo["ticket_no"]
    # Another technician's job tomorrow must not show up.
    office.post(
        "/api/work-orders/",
        json=intake(world, technician_id=people["tech2"].id, appointment_start=at(day0 + timedelta(days=1), 10)),
    )

    default = tech1.get("/api/work-orders/mine").get_json()
    assert [j["ticket_no"] for j in default] == [world["wo1"].ticket_no]

    tomorrow = (day0 + timedelta(days=1)).isoformat()
    one_day = tech1.get(f"/api/work-orders/mine?from={tomorrow}").get_json()
    assert [j["ticket_no"] for j in one_day] == [later[(1, 8)], later[(1, 16)]]

    week = tech1.get(
        f"/api/work-orders/mine?from={day0.isoformat()}&to={(day0 + timedelta(days=6)).isoformat()}"
    ).get_json()
    assert [j["ticket_no"] for j in week] == [world["wo1"].ticket_no, later[(1, 8)], later[(1, 16)], later[(3, 9)]]


def test_my_jobs_orders_urgent_first_at_the_same_time(client_for, people, world):
    office = client_for("dispatcher")
    day = today() + timedelta(days=2)
    made = {}
    for priority in ("normal", "urgent", "important"):
        made[priority] = office.post(
            "/api/work-orders/",
            json=intake(world, priority=priority, technician_id=people["tech1"].id, appointment_start=at(day, 10)),
        ).get_json()["ticket_no"]
    jobs = client_for("tech1").get(f"/api/work-orders/mine?from={day.isoformat()}").get_json()
    assert [j["ticket_no"] for j in jobs] == [made["urgent"], made["important"], made["normal"]]


def test_my_jobs_leaves_out_closed_and_cancelled_jobs(client_for, world):
    office = client_for("dispatcher")
    office.patch(f"/api/work-orders/{world['wo1'].id}", json={"status": "cancelled"})
    assert client_for("tech1").get("/api/work-orders/mine").get_json() == []


def test_my_jobs_refuses_bad_ranges(client_for, world):
    tech1 = client_for("tech1")
    for query, field in [
        ("from=2026-05-10&to=2026-05-09", "to"),
        ("from=2026-01-01&to=2026-06-30", "to"),  # more than 62 days
        ("from=yesterday", "from"),
        ("from=2026-02-30", "from"),
    ]:
        response = tech1.get(f"/api/work-orders/mine?{query}")
        assert response.status_code == 422, query
        assert field in response.get_json()["errors"], query


def test_work_order_list_filters_by_status_priority_technician_and_days(client_for, people, world):
    office = client_for("dispatcher")
    urgent = office.post("/api/work-orders/", json=intake(world, priority="urgent")).get_json()
    assert [w["id"] for w in office.get("/api/work-orders/?status=new").get_json()] == [urgent["id"]]
    assert [w["id"] for w in office.get("/api/work-orders/?priority=urgent").get_json()] == [urgent["id"]]
    by_tech = office.get(f"/api/work-orders/?technician_id={people['tech2'].id}").get_json()
    assert [w["id"] for w in by_tech] == [world["wo2"].id]
    day = today().isoformat()
    on_day = office.get(f"/api/work-orders/?from={day}&to={day}").get_json()
    assert {w["id"] for w in on_day} == {world["wo1"].id, world["wo2"].id}
    only_to = office.get(f"/api/work-orders/?to={day}").get_json()
    assert {w["id"] for w in only_to} == {world["wo1"].id, world["wo2"].id}
    assert office.get(f"/api/work-orders/?from={(today() + timedelta(days=1)).isoformat()}").get_json() == []


def test_technician_list_shows_only_their_jobs_whatever_the_filter(client_for, people, world):
    tech1 = client_for("tech1")
    assert [w["id"] for w in tech1.get("/api/work-orders/").get_json()] == [world["wo1"].id]
    assert tech1.get(f"/api/work-orders/?technician_id={people['tech2'].id}").get_json() == []


# --- editing -------------------------------------------------------------------------------


def test_patch_with_a_stale_version_is_409_and_changes_nothing(db, client_for, world):
    office = client_for("dispatcher")
    wo_id = world["wo1"].id
    current = office.get(f"/api/work-orders/{wo_id}").get_json()
    first = office.patch(
        f"/api/work-orders/{wo_id}", json={"version": current["version"], "customer_requirements": "下午三点后"}
    )
    assert first.status_code == 200 and first.get_json()["version"] == current["version"] + 1
    stale = office.patch(
        f"/api/work-orders/{wo_id}", json={"version": current["version"], "customer_requirements": "上午"}
    )
    assert stale.status_code == 409
    body = stale.get_json()
    assert "version" in body["errors"] and body["reason"] == "work_order.stale_version"
    assert body["params"] == {"expected": current["version"], "version": current["version"] + 1}
    assert office.get(f"/api/work-orders/{wo_id}").get_json()["customer_requirements"] == "下午三点后"


def test_technician_may_write_notes_and_outcome_on_their_job(client_for, world):
    response = client_for("tech1").patch(
        f"/api/work-orders/{world['wo1'].id}", json={"technician_notes": "压缩机电容老化", "outcome": "fixed"}
    )
    assert response.status_code == 200
    assert response.get_json()["technician_notes"] == "压缩机电容老化"


@pytest.mark.parametrize(
    "change",
    [
        {"priority": "urgent"},
        {"type": "installation"},
        {"fault_description": "别的问题"},
        {"appointment_start": "2026-05-01T10:00:00+08:00"},
        {"technician_notes": "ok", "priority": "urgent"},
    ],
)
def test_technician_may_not_change_office_fields(db, client_for, world, change):
    wo_id = world["wo1"].id
    before = db.session.get(WorkOrder, wo_id).version
    response = client_for("tech1").patch(f"/api/work-orders/{wo_id}", json=change)
    assert response.status_code == 403
    office_fields = set(change) - {"technician_notes"}
    assert set(response.get_json()["errors"]) == office_fields
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).version == before


def test_raising_the_priority_moves_the_sla_deadlines(client_for, world):
    office = client_for("dispatcher")
    wo = office.post(
        "/api/work-orders/", json=intake(world, customer_id=world["customers"][1].id, product_id=None)
    ).get_json()
    raised = office.patch(f"/api/work-orders/{wo['id']}", json={"priority": "urgent"}).get_json()
    created = parse(raised["created_at"])
    response_due, resolution_due = seed_deadlines(created, "urgent", "normal")
    assert parse(raised["response_due"]) == response_due and parse(raised["resolution_due"]) == resolution_due


# --- customers, products, parts, van stock ---------------------------------------------------


def test_office_adds_finds_and_corrects_customers(client_for):
    office = client_for("dispatcher")
    created = office.post(
        "/api/customers",
        json={"name": "赵六", "phone": "+86 139-0000-0003", "address": "杭州市西湖区文三路 1 号", "tier": "key"},
    )
    assert created.status_code == 201
    customer = created.get_json()
    assert customer["tier"] == "key" and customer["locale"] == "zh-CN"
    for spelling in ("13900000003", "+86 139 0000 0003"):  # a whole number, however written
        found = office.get("/api/customers", query_string={"q": spelling}).get_json()
        assert [c["id"] for c in found] == [customer["id"]]
    # A correction sends only what changed; everything else (tier!) stays.
    fixed = office.patch(f"/api/customers/{customer['id']}", json={"address": "杭州市西湖区文三路 2 号"})
    assert fixed.status_code == 200
    assert fixed.get_json()["tier"] == "key" and fixed.get_json()["address"].endswith("2 号")
    assert fixed.get_json()["version"] == customer["version"] + 1


def test_technician_sees_only_the_customers_of_their_jobs(client_for, world):
    tech1 = client_for("tech1")
    assert [c["id"] for c in tech1.get("/api/customers").get_json()] == [world["customers"][0].id]
    assert [p["id"] for p in tech1.get("/api/products").get_json()] == [world["products"][0].id]


def test_product_detail_has_warranty_status_and_repair_history(db, client_for, people, world):
    wo1, p1 = world["wo1"], world["products"][0]
    db.session.add(
        PartFitted(
            work_order_id=wo1.id,
            part_number="PCB-220",
            serial_fitted="PCB-NEW-1",
            serial_removed="PCB-OLD-9",
            created_by_id=people["tech1"].id,
        )
    )
    db.session.commit()
    detail = client_for("tech1").get(f"/api/products/{p1.id}").get_json()
    assert detail["in_warranty"] is True
    assert detail["warranty_end"] == add_months(p1.purchase_date, 12).isoformat()
    assert [r["ticket_no"] for r in detail["repair_history"]] == [wo1.ticket_no]
    fitted = today()  # each fitted part carries its own warranty: the fit day + the catalogue's months (3)
    assert detail["repair_history"][0]["parts"] == [
        {
            "part_number": "PCB-220",
            "serial_fitted": "PCB-NEW-1",
            "serial_removed": "PCB-OLD-9",
            "fitted_on": fitted.isoformat(),
            "warranty_end": add_months(fitted, 3).isoformat(),
            "in_warranty": True,
        }
    ]
    old = client_for("dispatcher").get(f"/api/products/{world['products'][1].id}").get_json()
    assert old["in_warranty"] is False  # bought 800 days ago with 24 months


def test_repair_history_leaves_out_voided_parts(db, client_for, people, world):
    wo1 = world["wo1"]
    db.session.add(PartFitted(work_order_id=wo1.id, part_number="PCB-220", deleted=True))
    db.session.commit()
    detail = client_for("dispatcher").get(f"/api/products/{world['products'][0].id}").get_json()
    assert detail["repair_history"][0]["parts"] == []


def test_products_registered_with_unknown_purchase_date_are_out_of_warranty(client_for, world):
    office = client_for("dispatcher")
    body = {"customer_id": world["customers"][1].id, "model": "DW-60", "serial_no": "DW60-77"}
    created = office.post("/api/products", json=body)
    assert created.status_code == 201
    assert created.get_json()["in_warranty"] is False and created.get_json()["warranty_end"] is None
    again = office.post("/api/products", json=body)
    assert again.status_code == 409 and "serial_no" in again.get_json()["errors"]


def test_product_for_an_unknown_customer_is_422(client_for):
    response = client_for("dispatcher").post(
        "/api/products", json={"customer_id": "00000000-0000-4000-8000-000000000000", "model": "X", "serial_no": "X-1"}
    )
    assert response.status_code == 422 and "customer_id" in response.get_json()["errors"]


def test_parts_catalogue_search_and_duplicates(client_for, world):
    office, tech1 = client_for("manager"), client_for("tech1")
    made = office.post(
        "/api/parts",
        json={
            "part_number": "CAP-35",
            "name": "启动电容",
            "price": "25.50",
            "barcode": "6900000000351",
            "barcode_formats": ["ean_13"],
        },
    )
    assert made.status_code == 201
    assert made.get_json()["price"] == "25.50" and made.get_json()["abc_class"] == "C"
    assert office.post("/api/parts", json={"part_number": "CAP-35", "name": "x", "price": "1"}).status_code == 409
    assert [p["part_number"] for p in tech1.get("/api/parts?q=电容").get_json()] == ["CAP-35"]
    assert [p["part_number"] for p in tech1.get("/api/parts?barcode=6901234567892").get_json()] == ["PCB-220"]
    assert tech1.get(f"/api/parts/{world['part'].id}").get_json()["name_en"] == "Main board"


def test_van_stock_each_technician_sees_their_own_and_office_sets_it(db, client_for, people, world):
    tech1, tech2, office = client_for("tech1"), client_for("tech2"), client_for("dispatcher")
    mine = tech1.get("/api/van-stock").get_json()
    assert [(v["part_number"], v["quantity"]) for v in mine] == [("PCB-220", 3)]
    assert tech2.get("/api/van-stock").get_json() == []
    body = {"technician_id": people["tech2"].id, "part_id": world["part"].id, "quantity": 5, "safety_stock": 2}
    assert office.put("/api/van-stock", json=body).status_code == 200
    again = office.put("/api/van-stock", json={**body, "quantity": 4})
    assert again.status_code == 200 and again.get_json()["quantity"] == 4
    assert [(v["quantity"], v["safety_stock"]) for v in tech2.get("/api/van-stock").get_json()] == [(4, 2)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VanStock)) == 2
    by_tech = office.get(f"/api/van-stock?technician_id={people['tech1'].id}").get_json()
    assert [v["technician_id"] for v in by_tech] == [people["tech1"].id]


@pytest.mark.parametrize("field", ["technician_id", "part_id"])
def test_van_stock_refuses_unknown_people_and_parts(client_for, people, world, field):
    body = {"technician_id": people["tech1"].id, "part_id": world["part"].id, "quantity": 1}
    body[field] = people["dispatcher"].id  # a real id, but not a technician / not a part
    response = client_for("dispatcher").put("/api/van-stock", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]
