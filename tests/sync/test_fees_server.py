"""Money from the server (issue #13): the server prices every quote, and chargeable work waits for consent.

wo2's product is out of warranty (bought 800 days ago, 24 months): its visit is chargeable.
wo1's product is in warranty: its parts are free and need no consent.
"""

from __future__ import annotations

import pytest
from quotes import fee_quote_fields, fitted_fields

from server.extensions import db as _db
from server.models import FeeQuote, Part, PartFitted, Payment
from server.services import fee_schedule

from .device import SimDevice


@pytest.fixture
def board(world):
    """The issue's ¥280.00 main board, with a ¥30.00 trade-in credit for the old one."""
    part = Part(part_number="AC-PCB-35", name="空调室内机主控板", price="280.00", trade_in_credit="30.00")
    _db.session.add(part)
    _db.session.commit()
    return part


def results(phone, *mutations) -> list[dict]:
    body = phone.push(list(mutations)).get_json()
    return body["results"]


def error(result: dict) -> tuple[str, dict]:
    assert result["status"] == "rejected", result
    return result["error"]["code"], result["error"]["params"]


def test_a_part_pushed_below_its_catalogue_price_is_refused(client_for, world, board, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = fee_quote_fields(wo, [("AC-PCB-35", 1)], work_minutes=30)
    assert quote["total"] == "370.00"  # call-out 50 + labour 2 quarter hours at 80/h (40) + 280
    cheap = {**fitted_fields(wo, "AC-PCB-35"), "unit_price": "1.00"}
    first, second = results(phone, phone.mutation("fee_quote", quote), phone.mutation("part_fitted", cheap))
    assert first["status"] == "applied"
    assert error(second) == ("sync.price_mismatch", {"part_number": "AC-PCB-35", "price": "280.00"})
    # Claiming warranty on a chargeable visit is the same refusal.
    free = {**fitted_fields(wo, "AC-PCB-35"), "unit_price": "0.00", "under_warranty": True}
    assert error(results(phone, phone.mutation("part_fitted", free))[0])[0] == "sync.price_mismatch"
    assert db.session.query(PartFitted).count() == 0


def test_a_quote_from_an_older_schedule_is_stale_and_names_the_current_revision(client_for, world, people, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = fee_quote_fields(wo, [("PCB-220", 1)])
    fee_schedule.change(people["manager"], call_out="60.00")
    db.session.commit()
    assert error(results(phone, phone.mutation("fee_quote", quote))[0]) == ("sync.fee_schedule_stale", {"revision": 2})
    repriced = fee_quote_fields(wo, [("PCB-220", 1)])
    assert repriced["total"] == "240.00"
    assert results(phone, phone.mutation("fee_quote", repriced))[0]["status"] == "applied"


def test_a_quote_that_differs_from_the_servers_is_refused_with_the_servers_total(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = fee_quote_fields(wo, [("PCB-220", 1)], work_minutes=20)
    assert quote["total"] == "270.00"  # 20 min is two started quarter hours: 40.00
    cheaper = {
        **quote,
        "lines": [{**line, "amount": "0.00"} if line["kind"] == "labour" else line for line in quote["lines"]],
    }
    cheaper["total"] = "230.00"
    assert error(results(phone, phone.mutation("fee_quote", cheaper))[0]) == (
        "sync.quote_mismatch",
        {"total": "270.00"},
    )
    # A covered visit priced as chargeable is a mismatch too.
    covered = fee_quote_fields(world["wo1"].id, [("PCB-220", 1)])
    charged = {**covered, "lines": quote["lines"], "total": quote["total"], "work_minutes": 20}
    tech1 = SimDevice(client_for("tech1"))
    assert error(results(tech1, tech1.mutation("fee_quote", charged))[0]) == ("sync.quote_mismatch", {"total": "0.00"})
    assert db.session.query(FeeQuote).count() == 0


def test_a_discount_beyond_what_is_left_is_invalid_and_a_reasoned_one_is_kept(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    good = fee_quote_fields(
        wo,
        [("PCB-220", 1)],
        adjustments=[
            {"kind": "waiver", "line": "call_out", "reason": "老客户回访"},
            {"kind": "discount", "amount": "30.00", "reason": "等待时间过长"},
        ],
    )
    assert good["total"] == "150.00"
    bad = {**good, "adjustments": [{"kind": "discount", "line": None, "amount": "999.00", "reason": "随便"}]}
    no_reason = {**good, "adjustments": [{"kind": "waiver", "line": "labour", "amount": None, "reason": " "}]}
    first, second, third = results(
        phone,
        phone.mutation("fee_quote", bad),
        phone.mutation("fee_quote", no_reason),
        phone.mutation("fee_quote", good),
    )
    assert error(first) == ("sync.quote_invalid", {"reason": "fees.bad_discount"})
    assert error(second)[0] == "sync.invalid_fields"  # a blank reason fails the schema first
    assert third["status"] == "applied"
    stored = db.session.query(FeeQuote).one()
    assert [(line["kind"], line["amount"], line.get("reason")) for line in stored.lines][-2:] == [
        ("waiver", "-50.00", "老客户回访"),
        ("discount", "-30.00", "等待时间过长"),
    ]
    assert stored.adjustments[1] == {"kind": "discount", "line": None, "amount": "30.00", "reason": "等待时间过长"}
    assert str(stored.total) == "150.00" and stored.schedule_revision == 1


def test_a_trade_in_credit_comes_off_the_bill(client_for, world, board):
    phone = SimDevice(client_for("tech2"))
    quote = fee_quote_fields(
        world["wo2"].id, [{"part_number": "AC-PCB-35", "quantity": 1, "trade_in": True, "serial_removed": "OLD-1"}]
    )
    assert [line["kind"] for line in quote["lines"]] == ["call_out", "labour", "part", "trade_in"]
    assert quote["total"] == "300.00"  # 50 + 280 - 30
    assert results(phone, phone.mutation("fee_quote", quote))[0]["status"] == "applied"


def test_a_chargeable_part_needs_a_consented_quote_before_it(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    part = phone.mutation("part_fitted", fitted_fields(wo, "PCB-220"))
    refused_quote = phone.mutation("fee_quote", fee_quote_fields(wo, [("PCB-220", 1)], consented=False))
    consented = phone.mutation("fee_quote", fee_quote_fields(wo, [("PCB-220", 1)]))
    after = phone.mutation("part_fitted", fitted_fields(wo, "PCB-220", serial_fitted="SN-1"))
    second = phone.mutation("part_fitted", fitted_fields(wo, "PCB-220", serial_fitted="SN-2"))
    # Before the consent (earlier seq), after a refused quote, then after the consent in the same
    # batch: the fast path counts the quote kept earlier in the batch; a second one goes beyond it.
    out = results(phone, part, refused_quote, consented, after, second)
    assert error(out[0]) == (
        "sync.consent_required",
        {"what": "PCB-220 ×1", "part_number": "PCB-220", "quantity": 1},
    )
    assert [r["status"] for r in out[1:4]] == ["applied", "applied", "applied"]
    assert error(out[4])[1]["quantity"] == 2
    # A new quote for two, consented, lets the second one in (a later push reads it back).
    assert results(phone, phone.mutation("fee_quote", fee_quote_fields(wo, [("PCB-220", 2)])))[0]["status"] == "applied"
    assert (
        results(phone, phone.mutation("part_fitted", fitted_fields(wo, "PCB-220", serial_fitted="SN-2")))[0]["status"]
        == "applied"
    )
    assert db.session.query(PartFitted).count() == 2


def test_a_part_fitted_in_one_push_counts_against_the_quote_in_the_next(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = phone.mutation("fee_quote", fee_quote_fields(wo, [("PCB-220", 2)]))
    one = phone.mutation("part_fitted", fitted_fields(wo, "PCB-220", quantity=2))
    assert [r["status"] for r in results(phone, quote, one)] == ["applied", "applied"]
    three = results(phone, phone.mutation("part_fitted", fitted_fields(wo, "PCB-220")))[0]
    assert error(three)[1]["quantity"] == 3
    # Voiding one fitted pair gives the quantity back.
    void = phone.mutation("part_fitted", op="delete", entity_id=one["entity_id"])
    again = phone.mutation("part_fitted", fitted_fields(wo, "PCB-220"))
    assert [r["status"] for r in results(phone, void, again)] == ["applied", "applied"]


def test_a_covered_part_needs_no_consent(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"].id
    free = fitted_fields(wo, "PCB-220")
    assert free["unit_price"] == "0.00" and free["under_warranty"] is True
    assert results(phone, phone.mutation("part_fitted", free))[0]["status"] == "applied"


def payment(wo: str, amount: str, method: str = "wechat", receipt: str = "receipt", **more) -> dict:
    return {"work_order_id": wo, "method": method, "amount": amount, "receipt": receipt, **more}


def test_a_payment_settles_the_consented_quote_once_and_gets_a_receipt_number(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"]
    too_early = phone.mutation("payment", payment(wo.id, "230.00"))
    quote = phone.mutation("fee_quote", fee_quote_fields(wo.id, [("PCB-220", 1)]))
    wrong = phone.mutation("payment", payment(wo.id, "200.00"))
    paid = phone.mutation("payment", payment(wo.id, "230.00", receipt="invoice", invoice_title="上海某某有限公司"))
    twice = phone.mutation("payment", payment(wo.id, "230.00", method="cash"))
    out = results(phone, too_early, quote, wrong, paid, twice)
    assert error(out[0])[0] == "sync.consent_required"
    assert out[1]["status"] == "applied"
    assert error(out[2]) == ("sync.payment_mismatch", {"total": "230.00"})
    assert out[3]["status"] == "applied"
    assert error(out[4]) == ("sync.already_paid", {})
    stored = db.session.query(Payment).one()
    assert stored.receipt_no == f"R-{wo.ticket_no}" and stored.invoice_title == "上海某某有限公司"
    pulled = [c for c in phone.pull_all() if c["entity"] == "payment"]
    assert [(c["fields"]["receipt_no"], c["fields"]["amount"], c["fields"]["method"]) for c in pulled] == [
        (f"R-{wo.ticket_no}", "230.00", "wechat")
    ]


def test_nothing_collected_needs_a_note_and_has_no_receipt_number(client_for, world, db):
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = phone.mutation("fee_quote", fee_quote_fields(wo, [("PCB-220", 1)]))
    silent = phone.mutation("payment", payment(wo, "0.00", method="not_collected", receipt="none"))
    noted = phone.mutation(
        "payment", payment(wo, "0.00", method="not_collected", receipt="none", note="客户说月底转账")
    )
    out = results(phone, quote, silent, noted)
    assert error(out[1])[0] == "sync.invalid_fields"
    assert out[2]["status"] == "applied"
    assert db.session.query(Payment).one().receipt_no is None


def test_the_pull_carries_the_fee_schedule_and_trade_in_credits(client_for, world, board, people, db):
    fee_schedule.ensure()
    db.session.commit()
    phone = SimDevice(client_for("tech1"))
    changes = phone.pull_all()
    (schedule,) = [c for c in changes if c["entity"] == "fee_schedule"]
    assert schedule["fields"] == {"revision": 1, "call_out": "50.00", "labour_per_hour": "80.00"}
    parts = {c["fields"]["part_number"]: c["fields"] for c in changes if c["entity"] == "part"}
    assert parts["AC-PCB-35"]["trade_in_credit"] == "30.00" and parts["PCB-220"]["trade_in_credit"] == "0.00"

    fee_schedule.change(people["manager"], parts={"AC-PCB-35": ("260.00", None)})
    db.session.commit()
    changes = phone.pull_all()
    assert {(c["entity"], c["fields"].get("revision"), c["fields"].get("price")) for c in changes} == {
        ("fee_schedule", 2, None),
        ("part", None, "260.00"),
    }
    # A device cannot change it.
    push = phone.mutation("fee_schedule", {"call_out": "0.00"}, op="update", entity_id=schedule["id"], base_version=1)
    assert results(phone, push)[0]["error"]["code"] == "sync.read_only"


def test_only_a_manager_changes_the_schedule_and_no_change_keeps_the_revision(world, people, db):
    from server.domain.errors import Forbidden, Invalid

    with pytest.raises(Forbidden):
        fee_schedule.change(people["dispatcher"], call_out="1.00")
    fee_schedule.change(people["manager"], call_out="50.00", labour_per_hour="80.00")
    assert fee_schedule.header()[0] == 1
    with pytest.raises(Invalid):
        fee_schedule.change(people["manager"], parts={"PCB-220": ("180.00", "200.00")})  # credit above the price
    db.session.rollback()
    fee_schedule.change(people["manager"], labour_per_hour="90.00")
    assert fee_schedule.header()[0] == 2


def test_a_part_added_through_the_api_raises_the_revision_so_offline_quotes_are_stale(client_for, world, db):
    """A new catalogue part changes prices: the phone's copy is stale until it pulls again."""
    phone = SimDevice(client_for("tech2"))
    wo = world["wo2"].id
    quote = fee_quote_fields(wo, [("PCB-220", 1)])
    before = fee_schedule.header()[0]
    office = client_for("dispatcher")
    answer = office.post("/api/parts", json={"part_number": "NEW-1", "name": "新配件", "price": "12.00"})
    assert answer.status_code == 201, answer.get_json()
    assert fee_schedule.header()[0] == before + 1
    code, params = error(results(phone, phone.mutation("fee_quote", quote))[0])
    assert (code, params) == ("sync.fee_schedule_stale", {"revision": before + 1})
    # The same part number again is refused and changes nothing.
    again = office.post("/api/parts", json={"part_number": "NEW-1", "name": "x", "price": "1.00"})
    assert again.status_code == 409
    assert fee_schedule.header()[0] == before + 1
