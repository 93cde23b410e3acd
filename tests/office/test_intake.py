"""Intake: any channel, one ticket format, required fields, warranty, duplicate warning."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.models import Customer, Product, WorkOrder

from .helpers import seed_deadlines

TICKET = re.compile(r"^SR-\d{8}-\d{4}$")


def request_body(**overrides) -> dict:
    body = {
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "customer_name": "陈静",
        "phone": "139-1234-5678",
        "address": "杭州市西湖区文三路 90 号",
        "model": "RF-560",
        "serial_no": "RF560-7788",
        "purchase_date": (date.today() - timedelta(days=200)).isoformat(),
        "warranty_months": 12,
        "fault_description": "冰箱不制冷，压缩机不启动",
    }
    body.update(overrides)
    return body


def test_a_phone_request_creates_customer_product_and_numbered_order_with_warranty(client_for, db):
    office = client_for("dispatcher")
    response = office.post("/api/office/intake", json=request_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    wo = body["work_order"]
    assert TICKET.match(wo["ticket_no"])
    assert wo["status"] == "new" and wo["channel"] == "phone"
    assert body["customer_created"] and body["product_created"]
    assert body["in_warranty"] is True
    customer = db.session.scalar(sa.select(Customer).where(Customer.name == "陈静"))
    assert customer.phone == "13912345678"  # normalised, so the next call finds them
    created = datetime.fromisoformat(wo["created_at"])
    response_due, resolution_due = seed_deadlines(created, "normal")  # 30 min, 24 h of working time
    assert datetime.fromisoformat(wo["response_due"]) == response_due
    assert datetime.fromisoformat(wo["resolution_due"]) == resolution_due


def test_every_channel_gets_the_same_ticket_format_in_sequence(client_for):
    office = client_for("dispatcher")
    tickets = []
    for i, channel in enumerate(["phone", "chat", "wechat", "website", "walk_in"]):
        body = request_body(channel=channel, serial_no=f"RF560-{i}", phone=f"1390000000{i}")
        response = office.post("/api/office/intake", json=body)
        assert response.status_code == 201, response.get_json()
        tickets.append(response.get_json()["work_order"]["ticket_no"])
    assert all(TICKET.match(t) for t in tickets)
    numbers = [int(t.rsplit("-", 1)[1]) for t in tickets]
    assert numbers == list(range(numbers[0], numbers[0] + 5))


@pytest.mark.parametrize(
    "missing", ["customer_name", "phone", "address", "model", "fault_description", "channel", "priority"]
)
def test_each_required_field_is_named_when_missing(client_for, db, missing):
    office = client_for("dispatcher")
    body = request_body()
    del body[missing]
    response = office.post("/api/office/intake", json=body)
    assert response.status_code == 422
    assert missing in response.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "call me"),
        ("channel", "fax"),
        ("fault_description", "   "),
        ("purchase_date", "yesterday"),
        ("appointment_start", "2026-11-23T10:00:00"),
    ],
)
def test_bad_values_are_named(client_for, field, value):
    response = client_for("dispatcher").post("/api/office/intake", json=request_body(**{field: value}))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_an_open_order_on_the_same_product_is_a_warning_to_confirm(client_for, world, db):
    office = client_for("dispatcher")
    p1, c1 = world["products"][0], world["customers"][0]
    body = request_body(
        customer_name=c1.name, phone=c1.phone, address=c1.address, model=p1.model, serial_no=p1.serial_no
    )
    first = office.post("/api/office/intake", json=body)
    assert first.status_code == 409
    error = first.get_json()
    assert world["wo1"].ticket_no in error["message"]
    assert [o["ticket_no"] for o in error["open_work_orders"]] == [world["wo1"].ticket_no]
    assert "confirm_duplicate" in error["errors"]

    confirmed = office.post("/api/office/intake", json={**body, "confirm_duplicate": True})
    assert confirmed.status_code == 201
    result = confirmed.get_json()
    assert not result["customer_created"] and not result["product_created"]
    assert result["warnings"] == [f"duplicate:{world['wo1'].ticket_no}"]
    assert result["work_order"]["product_id"] == p1.id


def test_a_serial_of_another_customer_is_refused(client_for, world):
    p2 = world["products"][1]
    response = client_for("dispatcher").post(
        "/api/office/intake", json=request_body(serial_no=p2.serial_no, model=p2.model)
    )
    assert response.status_code == 422
    assert "serial_no" in response.get_json()["errors"]


def test_vip_customers_are_raised_one_level(client_for, world):
    c1, p1 = world["customers"][0], world["products"][0]  # c1 is VIP
    office = client_for("dispatcher")
    body = request_body(
        customer_name=c1.name,
        phone=c1.phone,
        address=c1.address,
        model=p1.model,
        serial_no=p1.serial_no,
        confirm_duplicate=True,
        priority="normal",
    )
    wo = office.post("/api/office/intake", json=body).get_json()["work_order"]
    dues = lambda w: (datetime.fromisoformat(w["response_due"]), datetime.fromisoformat(w["resolution_due"]))
    assert dues(wo) == seed_deadlines(datetime.fromisoformat(wo["created_at"]), "important")  # normal -> important
    urgent = office.post("/api/office/intake", json={**body, "priority": "urgent"}).get_json()["work_order"]
    assert dues(urgent) == seed_deadlines(datetime.fromisoformat(urgent["created_at"]), "urgent")


def test_out_of_warranty_and_unknown_purchase_date(client_for):
    office = client_for("dispatcher")
    old = office.post("/api/office/intake", json=request_body(purchase_date="2020-01-01")).get_json()
    assert old["in_warranty"] is False and old["warranty_end"] == "2021-01-01"
    unknown = office.post(
        "/api/office/intake", json=request_body(serial_no="X-1", phone="13700000000", purchase_date=None)
    ).get_json()
    assert unknown["in_warranty"] is False and unknown["warranty_end"] is None


def test_assigning_at_intake_schedules_but_is_no_response(client_for, people):
    office = client_for("dispatcher")
    start = datetime.now().astimezone() + timedelta(hours=3)
    wo = office.post(
        "/api/office/intake",
        json=request_body(
            technician_id=people["tech1"].id,
            appointment_start=start.isoformat(),
            appointment_end=(start + timedelta(hours=1)).isoformat(),
        ),
    ).get_json()["work_order"]
    assert wo["status"] == "scheduled" and wo["technician_id"] == people["tech1"].id
    assert wo["first_response_at"] is None  # assigning is not a response [seed 000 §二(二)1]


def test_check_shows_warranty_and_open_orders_before_submitting(client_for, world):
    p1 = world["products"][0]
    body = client_for("dispatcher").get(f"/api/office/intake/check?serial_no={p1.serial_no.lower()}").get_json()
    assert body["product"]["id"] == p1.id
    assert body["in_warranty"] is True
    assert [o["ticket_no"] for o in body["open_work_orders"]] == [world["wo1"].ticket_no]


def test_technicians_and_strangers_cannot_take_in(app, client_for, db):
    assert client_for("tech1").post("/api/office/intake", json=request_body()).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/api/office/board").status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0
