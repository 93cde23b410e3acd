"""Searches take % and _ literally (issue #12, finding 3)."""

from __future__ import annotations

from server.models import Customer, Part


def test_percent_and_underscore_do_not_list_everything(client_for, world, db):
    db.session.add_all(
        [
            Customer(name="100%_纯棉", phone="13800000003", address="上海"),
            Part(part_number="FAN_01", name="风扇 50% off", price="10.00"),
        ]
    )
    db.session.commit()
    office = client_for("dispatcher")
    everyone = office.get("/api/customers").get_json()
    assert len(everyone) == 3
    assert office.get("/api/customers?q=%25").get_json() == [c for c in everyone if c["name"] == "100%_纯棉"]
    assert [c["name"] for c in office.get("/api/customers?q=_").get_json()] == ["100%_纯棉"]
    assert office.get("/api/customers?q=%25%25").get_json() == []
    assert [c["name"] for c in office.get("/api/customers?q=张").get_json()] == ["张伟"]  # plain text still matches
    assert [p["part_number"] for p in office.get("/api/parts?q=%25").get_json()] == ["FAN_01"]
    assert [p["part_number"] for p in office.get("/api/parts?q=_").get_json()] == ["FAN_01"]
    assert [p["part_number"] for p in office.get("/api/parts?q=pcb").get_json()] == ["PCB-220"]
    assert office.get("/api/parts?q=%5C").get_json() == []  # a backslash is literal too
