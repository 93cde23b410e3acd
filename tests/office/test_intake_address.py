"""Intake never drops what was typed (issue #14): a known phone with a new address, name or tier is
a change to the customer or this order's service address, chosen explicitly; the technician's pull
carries where to go; a missing serial number is accepted and flagged to complete the record."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import PASSWORD

from server.models import Customer, WorkOrder

from .helpers import PageClient, Phone

NEW_ADDRESS = "杭州市滨江区江南大道 588 号"


def known_phone_body(world, **overrides) -> dict:
    """A request from the VIP customer 张伟 (phone on record), about a new product."""
    c1 = world["customers"][0]
    body = {
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "customer_name": c1.name,
        "phone": c1.phone,
        "address": c1.address,
        "model": "RF-560",
        "serial_no": "RF560-NEW-1",
        "fault_description": "冰箱不制冷",
    }
    body.update(overrides)
    return body


def pulled(client, entity: str, entity_id: str) -> dict:
    changes, _ = Phone(client).pull()
    found = [c for c in changes if c["entity"] == entity and c["id"] == entity_id]
    assert found, f"{entity} {entity_id} not pulled"
    return found[-1]["fields"]


def test_a_new_address_for_this_order_reaches_the_technicians_pull(client_for, world, people, db):
    office = client_for("dispatcher")
    c1 = world["customers"][0]
    body = known_phone_body(world, address=NEW_ADDRESS, customer_details="this_order")
    body["technician_id"] = people["tech1"].id
    response = office.post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    wo = response.get_json()["work_order"]
    assert wo["customer_id"] == c1.id and wo["service_address"] == NEW_ADDRESS

    # The technician is sent to the new address; the customer's record keeps the old one.
    fields = pulled(client_for("tech1"), "work_order", wo["id"])
    assert fields["service_address"] == NEW_ADDRESS
    db.session.expire_all()
    assert db.session.get(Customer, c1.id).address == "上海市浦东新区世纪大道 100 号"


def test_an_order_without_its_own_address_sends_the_customers(client_for, world, people):
    fields = pulled(client_for("tech1"), "work_order", world["wo1"].id)
    assert fields["service_address"] == world["customers"][0].address


def test_choosing_a_change_to_the_customer_updates_the_record(client_for, world, people, db):
    office = client_for("dispatcher")
    c1 = world["customers"][0]
    body = known_phone_body(
        world, customer_name="张伟伟", address=NEW_ADDRESS, tier="key", customer_details="update_customer"
    )
    body["technician_id"] = people["tech1"].id
    response = office.post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    wo = response.get_json()["work_order"]
    db.session.expire_all()
    customer = db.session.get(Customer, c1.id)
    assert (customer.name, customer.address, customer.tier) == ("张伟伟", NEW_ADDRESS, "key")
    assert db.session.get(WorkOrder, wo["id"]).service_address is None
    assert wo["service_address"] == NEW_ADDRESS
    # The phone hears of the customer's new address too.
    tech = client_for("tech1")
    assert pulled(tech, "customer", c1.id)["address"] == NEW_ADDRESS


def test_a_difference_without_a_choice_is_refused_with_a_clear_message(client_for, world, db):
    office = client_for("dispatcher")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder))
    response = office.post("/api/office/intake", json=known_phone_body(world, address=NEW_ADDRESS))
    assert response.status_code == 409
    error = response.get_json()
    assert error["reason"] == "intake.customer_differs"
    assert "上海市浦东新区世纪大道 100 号" in error["message"] and "张伟" in error["message"]
    assert "customer_details" in error["errors"]
    assert error["differs"] == ["address"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == before


def test_the_same_details_retyped_need_no_choice(client_for, world):
    c1 = world["customers"][0]
    body = known_phone_body(world, address="  " + c1.address.replace(" ", "  ") + " ")
    response = client_for("dispatcher").post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["work_order"]["service_address"] == c1.address


def test_a_bad_choice_is_named(client_for, world):
    response = client_for("dispatcher").post(
        "/api/office/intake", json=known_phone_body(world, address=NEW_ADDRESS, customer_details="maybe")
    )
    assert response.status_code == 422
    assert "customer_details" in response.get_json()["errors"]


def test_a_missing_serial_is_accepted_and_flagged_to_complete_the_record(client_for, world, app, people, db):
    body = known_phone_body(world, model="DW-90", product_name="洗碗机")
    del body["serial_no"]
    response = client_for("dispatcher").post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert result["work_order"]["product_id"] is None and "serial_missing" in result["warnings"]
    wo = db.session.get(WorkOrder, result["work_order"]["id"])
    assert wo.pending_product["model"] == "DW-90" and wo.pending_product["product_name"] == "洗碗机"

    page = PageClient(app)
    assert page.login(people["dispatcher"].email, PASSWORD).status_code == 302
    html = page.get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
    assert 'id="wo-record-incomplete"' in html and "DW-90" in html
    board = page.get("/office/board").get_data(as_text=True)
    assert f'data-ticket="{wo.ticket_no}"' in board and "record-incomplete" in board


def test_a_missing_serial_uses_the_customers_only_unit_of_that_model(client_for, world):
    body = known_phone_body(world, model="ac-3000", confirm_duplicate=True)
    del body["serial_no"]
    response = client_for("dispatcher").post("/api/office/intake", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["work_order"]["product_id"] == world["products"][0].id


def test_the_intake_page_asks_what_a_different_address_is(app, world, people, db):
    page = PageClient(app)
    assert page.login(people["dispatcher"].email, PASSWORD).status_code == 302
    form = {k: v for k, v in known_phone_body(world, address=NEW_ADDRESS).items()}
    asked = page.submit("/office/intake", "/office/intake", form)
    assert asked.status_code == 409
    html = asked.get_data(as_text=True)
    assert 'id="customer-differs"' in html and 'name="customer_details"' in html
    assert "上海市浦东新区世纪大道 100 号" in html and NEW_ADDRESS in html  # the record and what was typed

    done = page.submit("/office/intake", "/office/intake", {**form, "customer_details": "this_order"})
    assert done.status_code == 302
    wo = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.fault_description == "冰箱不制冷"))
    assert wo.service_address == NEW_ADDRESS
    html = page.get(done.headers["Location"]).get_data(as_text=True)
    assert NEW_ADDRESS in html and 'id="wo-service-address"' in html


def test_the_service_address_is_stored_encrypted_and_rotated_with_the_keys(client_for, world, app, db):
    from server.crypto import key_id_of, new_key_spec

    body = known_phone_body(world, address=NEW_ADDRESS, customer_details="this_order")
    wo_id = client_for("dispatcher").post("/api/office/intake", json=body).get_json()["work_order"]["id"]
    raw = sa.text("SELECT service_address FROM work_orders WHERE id = :id")
    stored = db.session.execute(raw, {"id": wo_id}).scalar()
    assert NEW_ADDRESS not in stored and key_id_of(stored)

    old_spec, new_spec = app.config["DATA_KEYS"], new_key_spec("t9")
    app.config["DATA_KEYS"] = f"{new_spec},{old_spec}"
    app.extensions.pop("onsite_keyring", None)
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 of 1 work-order service addresses" in result.output
    app.config["DATA_KEYS"] = new_spec  # the old key is gone
    app.extensions.pop("onsite_keyring", None)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).service_address == NEW_ADDRESS


def test_the_serial_given_later_completes_the_record(client_for, world, app, people, db):
    body = known_phone_body(world, model="DW-90", purchase_date="2026-01-15")
    del body["serial_no"]
    wo_id = client_for("dispatcher").post("/api/office/intake", json=body).get_json()["work_order"]["id"]
    page = PageClient(app)
    assert page.login(people["dispatcher"].email, PASSWORD).status_code == 302
    url = f"/office/work-orders/{wo_id}"

    empty = page.submit(url, f"{url}/complete-record", {"serial_no": " "})
    assert empty.status_code == 422 and 'id="err-serial_no"' in empty.get_data(as_text=True)
    theirs = page.submit(url, f"{url}/complete-record", {"serial_no": world["products"][1].serial_no})
    assert theirs.status_code == 422  # registered to another customer

    done = page.submit(url, f"{url}/complete-record", {"serial_no": "DW90-5566"})
    assert done.status_code == 302
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert wo.pending_product is None and wo.product.serial_no == "DW90-5566"
    assert (wo.product.model, wo.product.purchase_date.isoformat()) == ("DW-90", "2026-01-15")
    html = page.get(url).get_data(as_text=True)
    assert 'id="wo-record-incomplete"' not in html and "DW90-5566" in html
    again = page.submit(url, f"{url}/complete-record", {"serial_no": "DW90-5566"})
    assert again.status_code == 409
