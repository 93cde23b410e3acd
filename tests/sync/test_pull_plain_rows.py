"""A pull reads customers, work orders and products as plain rows and opens their encrypted columns
itself (issue #17: the pull's cost per change): what a phone receives must be what the shared
representations say, with the personal data in clear, and a value that does not decrypt must
read as unreadable, never as ciphertext and never as a 500."""

from __future__ import annotations

import sqlalchemy as sa

from server.crypto import UNREADABLE
from server.models import Customer, WorkOrder
from server.wire.records import CustomerOut, WorkOrderOut


def _pulled(client, entity: str) -> dict[str, dict]:
    """id -> fields of every `entity` put the client pulls from scratch."""
    out, cursor = {}, None
    while True:
        page = client.get("/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else "")).get_json()
        out.update({c["id"]: c["fields"] for c in page["changes"] if c["entity"] == entity and c["op"] == "put"})
        cursor = page["cursor"]
        if not page["has_more"]:
            return out


def _without_envelope(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("id", "version")}


def test_pulled_customers_and_work_orders_read_as_their_shared_representation(client_for, world, people, db):
    # One order goes to an address of its own (issue #14); the other goes to its customer's.
    world["wo2"].service_address = "杭州市西湖区文三路 90 号"
    db.session.commit()
    office, tech = client_for("dispatcher"), client_for("tech1")

    customers = _pulled(office, "customer")
    for customer in world["customers"]:
        expected = _without_envelope(CustomerOut().dump(db.session.get(Customer, customer.id)))
        assert customers[customer.id] == expected
    assert customers[world["customers"][0].id]["phone"] == "13800000001"
    assert customers[world["customers"][0].id]["address"] == "上海市浦东新区世纪大道 100 号"

    for who, client in (("dispatcher", office), ("tech1", tech)):
        orders = _pulled(client, "work_order")
        for wo_id, fields in orders.items():
            expected = _without_envelope(WorkOrderOut(viewer=people[who]).dump(db.session.get(WorkOrder, wo_id)))
            assert fields == expected
    orders = _pulled(office, "work_order")
    assert orders[world["wo1"].id]["service_address"] == "上海市浦东新区世纪大道 100 号"
    assert orders[world["wo2"].id]["service_address"] == "杭州市西湖区文三路 90 号"


def test_a_pulled_value_that_does_not_decrypt_reads_as_unreadable(client_for, world, db, caplog):
    first, second = world["customers"]
    phone_ct = db.session.execute(sa.text("SELECT phone FROM customers WHERE id = :id"), {"id": first.id}).scalar()
    # A ciphertext copied to another row (tampering, a bad restore) does not decrypt there.
    db.session.execute(sa.text("UPDATE customers SET phone = :ct WHERE id = :id"), {"ct": phone_ct, "id": second.id})
    db.session.commit()
    db.session.expire_all()
    with caplog.at_level("ERROR", logger="server.sync.serialize"):
        customers = _pulled(client_for("dispatcher"), "customer")
    assert customers[second.id]["phone"] == UNREADABLE
    assert customers[second.id]["address"] == "北京市朝阳区建国路 8 号"  # its other values still read
    assert customers[first.id]["phone"] == "13800000001"
    assert f"customers.phone of row {second.id} does not decrypt" in caplog.text


def test_pulled_visit_records_and_products_read_as_their_schemas_dump_them(client_for, world, people, db):
    from datetime import UTC, datetime
    from decimal import Decimal

    from server.models import FeeQuote, PartFitted, Product, VisitEvent
    from server.sync.serialize import SCHEMAS

    wo, tech = world["wo1"], people["tech1"]
    at = datetime(2026, 11, 30, 6, 30, 0, 120000, tzinfo=UTC)
    common = {"work_order_id": wo.id, "created_by_id": tech.id, "device_at": at}
    records = [
        VisitEvent(kind="arrived", note="东门", data={"lat": 31.2, "tags": ["a", "b"]}, **common),
        VisitEvent(kind="departed", **common),
        PartFitted(part_number="PCB-220", serial_fitted="SN-1", quantity=1, unit_price=Decimal("180.5"), **common),
        FeeQuote(
            lines=[{"kind": "part", "ref": "PCB-220", "quantity": 1, "amount": "180.50"}],
            parts=[{"part_number": "PCB-220", "quantity": 1}],
            total=Decimal("180.50"),
            consented=True,
            consented_at=at,
            **common,
        ),
    ]
    db.session.add_all(records)
    db.session.commit()
    office = client_for("dispatcher")
    for entity, model in (("visit_event", VisitEvent), ("part_fitted", PartFitted), ("fee_quote", FeeQuote)):
        pulled = _pulled(office, entity)
        for rid in (r.id for r in records if isinstance(r, model)):
            assert pulled[rid] == SCHEMAS[entity].dump(db.session.get(model, rid))
    assert pulled[records[3].id]["total"] == "180.50"
    products = _pulled(office, "product")
    assert set(products) == {p.id for p in world["products"]}
    assert products[world["products"][0].id]["serial_no"] == db.session.get(Product, world["products"][0].id).serial_no
    # Read together on PostgreSQL (one query for all visit tables), each table keeps its access
    # condition: tech1 holds the job and gets every record, tech2 none of them.
    kinds = ("visit_event", "part_fitted", "fee_quote")
    mine = {rid for entity in kinds for rid in _pulled(client_for("tech1"), entity)}
    assert mine == {r.id for r in records}
    theirs = [_pulled(client_for("tech2"), entity) for entity in kinds]
    assert theirs == [{}, {}, {}]
