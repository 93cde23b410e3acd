"""`flask seed-demo`: a demo database someone can sign in to and work with straight away."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from conftest import ApiClient

from server.domain.lifecycle import Status
from server.domain.warranty import in_warranty
from server.extensions import db
from server.models import (
    ChangeLogEntry,
    Channel,
    Customer,
    Part,
    PartFitted,
    Priority,
    Product,
    SyncState,
    User,
    VanStock,
    WorkOrder,
    WorkOrderType,
)
from server.seed.demo import ean_check_digit

DEMO_LOGINS = {
    "dispatcher@demo.onsite": "dispatcher",
    "manager@demo.onsite": "manager",
    "tech1@demo.onsite": "technician",
    "tech2@demo.onsite": "technician",
    "tech3@demo.onsite": "technician",
}
CST = timezone(timedelta(hours=8))
COUNTED = (User, Customer, Product, Part, VanStock, WorkOrder, PartFitted)


def seed(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in COUNTED}


def test_seed_prints_the_five_demo_logins(app):
    output = seed(app)
    assert "Demo data loaded." in output
    assert "onsite-demo" in output
    for email, role in DEMO_LOGINS.items():
        assert re.search(rf"{re.escape(email)}\s+{role}\b", output), output
    names = {u.email: u.name for u in db.session.scalars(sa.select(User))}
    assert names["tech1@demo.onsite"] == "王建国"
    assert names["dispatcher@demo.onsite"] == "张丽"


def test_seed_loads_a_realistic_amount_of_everything(app):
    seed(app)
    assert count(Customer) >= 30
    assert count(Product) >= 30
    assert count(WorkOrder) >= 40
    technicians = db.session.scalars(sa.select(User).where(User.role == "technician")).all()
    assert len(technicians) >= 3
    for tech in technicians:  # every technician has a stocked van
        stocked = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(VanStock)
            .where(VanStock.technician_id == tech.id, VanStock.quantity > 0)
        )
        assert stocked >= 5, tech.email

    customers = db.session.scalars(sa.select(Customer)).all()
    assert {c.tier for c in customers} == {"vip", "key", "normal"}
    assert any(c.locale == "en" for c in customers)
    assert any("上海市" in c.address for c in customers) and any("北京市" in c.address for c in customers)
    assert any("杭州市" in c.address for c in customers)
    assert all(re.fullmatch(r"138\d{8}", c.phone) for c in customers)
    assert len({c.phone for c in customers}) == len(customers)

    products = db.session.scalars(sa.select(Product)).all()
    today = datetime.now(CST).date()
    covered = [in_warranty(p.purchase_date, p.warranty_months, today) for p in products]
    assert any(covered) and not all(covered)
    assert any(p.model.startswith("KFR-35GW") for p in products)


def test_seed_parts_carry_scannable_barcodes(app):
    seed(app)
    parts = db.session.scalars(sa.select(Part)).all()
    assert len(parts) >= 20
    assert all(p.barcode and p.barcode_formats for p in parts)
    assert len({p.barcode for p in parts}) == len(parts)
    formats = {f for p in parts for f in p.barcode_formats}
    assert {"ean_13", "code_128", "qr_code", "data_matrix"} <= formats
    for part in parts:
        if "ean_13" in part.barcode_formats:
            assert re.fullmatch(r"\d{13}", part.barcode)
            assert part.barcode[-1] == ean_check_digit(part.barcode[:-1]), part.part_number
    assert any(p.serialised for p in parts) and not all(p.serialised for p in parts)
    assert all(p.name_en and p.price > 0 for p in parts)


def test_ean_check_digit_matches_known_codes():
    assert ean_check_digit("400638133393") == "1"  # EAN-13 4006381333931
    assert ean_check_digit("690123456789") == "2"  # EAN-13 6901234567892
    assert ean_check_digit("9638507") == "4"  # EAN-8 96385074


def test_seed_work_orders_cover_the_lifecycle(app):
    seed(app)
    orders = db.session.scalars(sa.select(WorkOrder)).all()
    assert {o.status for o in orders} == {s.value for s in Status}
    assert {o.priority for o in orders} == {p.value for p in Priority}
    assert {o.channel for o in orders} == {c.value for c in Channel}
    assert {o.type for o in orders} == {t.value for t in WorkOrderType}
    tickets = [o.ticket_no for o in orders]
    assert len(set(tickets)) == len(tickets)
    assert all(re.fullmatch(r"SR-\d{8}-\d{4}", t) for t in tickets)

    now = datetime.now(UTC)
    days = {o.appointment_start.astimezone(CST).date() for o in orders if o.appointment_start}
    today = now.astimezone(CST).date()
    assert {today + timedelta(days=d) for d in range(6)} <= days
    for o in orders:
        assert o.created_at <= now
        assert (o.first_response_at is None) == (o.status == "new"), o.ticket_no
        assert (o.completed_at is not None) == (o.status in ("completed", "closed")), o.ticket_no
        if o.status in ("assigned", "scheduled", "en_route", "on_site", "awaiting_parts"):
            assert o.technician_id is not None, o.ticket_no
    # Finished repairs record the part fitted, linked to the order.
    assert count(PartFitted) >= 3


def test_tech1_signs_in_with_the_demo_password_and_sees_todays_jobs(app):
    seed(app)
    client = ApiClient(app)
    response = client.login("tech1@demo.onsite", "onsite-demo")
    assert response.status_code == 200, response.get_json()
    jobs = client.get("/api/work-orders/mine").get_json()
    waiting = [j for j in jobs if j["status"] in ("assigned", "scheduled")]
    assert len(waiting) >= 4
    today = datetime.now(CST).date()
    for job in jobs:
        start = datetime.fromisoformat(job["appointment_start"])
        assert start.astimezone(CST).date() == today
    # Each job opens, with its customer (the technician may see them while holding the job).
    job = client.get(f"/api/work-orders/{waiting[0]['id']}")
    assert job.status_code == 200
    assert client.get(f"/api/customers/{job.get_json()['customer_id']}").status_code == 200


def test_every_demo_account_signs_in_and_a_wrong_password_does_not(app):
    seed(app)
    for email in DEMO_LOGINS:
        assert ApiClient(app).login(email, "onsite-demo").status_code == 200, email
    assert ApiClient(app).login("tech2@demo.onsite", "onsite-dem0").status_code == 401


def test_second_seed_creates_nothing(app):
    seed(app)
    before = counts()
    tickets = set(db.session.scalars(sa.select(WorkOrder.ticket_no)))
    output = seed(app)
    assert "already present" in output
    assert "tech1@demo.onsite" in output
    db.session.expire_all()
    assert counts() == before
    assert set(db.session.scalars(sa.select(WorkOrder.ticket_no))) == tickets


def test_reset_replaces_the_data_with_a_fresh_copy(app):
    seed(app)
    before = counts()
    old_ids = set(db.session.scalars(sa.select(WorkOrder.id)))
    last_seq = db.session.get(SyncState, 1).last_seq
    output = seed(app, "--reset")
    assert "Demo data loaded." in output
    db.session.expire_all()
    assert counts() == before
    # The change sequence carries on past the reset, and cursors from before it are too old.
    state = db.session.get(SyncState, 1)
    assert state.oldest_seq == last_seq + 1 and state.last_seq > last_seq
    assert db.session.scalar(sa.select(sa.func.min(ChangeLogEntry.seq))) > last_seq
    assert not old_ids & set(db.session.scalars(sa.select(WorkOrder.id)))
    assert ApiClient(app).login("tech1@demo.onsite", "onsite-demo").status_code == 200


def test_seeded_quotes_parts_and_payments_pass_the_servers_money_rules(app):
    """Every seeded quote is what the server would compute; chargeable parts follow a consented
    quote listing them, at catalogue price; payments equal the quote (issue #13)."""
    from server.domain import fees
    from server.models import FeeQuote, FeeSchedule, Payment
    from server.services import fee_schedule
    from server.services.coverage import coverage_of

    seed(app)
    assert count(FeeSchedule) == 1 and fee_schedule.header()[0] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Part).where(Part.trade_in_credit > 0)) >= 3
    quotes = db.session.scalars(sa.select(FeeQuote)).all()
    assert quotes and any(q.adjustments for q in quotes) and any(float(q.total) > 0 for q in quotes)
    for q in quotes:
        wo = db.session.get(WorkOrder, q.work_order_id)
        cov = coverage_of(db.session, wo, q.device_at)
        schedule = fee_schedule.schedule(db.session, [p["part_number"] for p in q.parts])
        expected = fees.compute_quote(
            schedule,
            fees.QuoteIn(
                cov.covered,
                q.work_minutes,
                tuple(fees.PartIn(p["part_number"], p["quantity"], p["trade_in"]) for p in q.parts),
                tuple(fees.Adjustment(a["kind"], a["reason"], a["line"]) for a in q.adjustments),
            ),
        )
        sent = fees.Quote([{k: v for k, v in line.items() if k != "description"} for line in q.lines], f"{q.total:.2f}")
        assert fees.canonical_quote(sent) == fees.canonical_quote(expected)
        for f in db.session.scalars(sa.select(PartFitted).where(PartFitted.work_order_id == wo.id)):
            price = db.session.scalar(sa.select(Part.price).where(Part.part_number == f.part_number))
            assert f.under_warranty == cov.covered and f.unit_price == (0 if cov.covered else price)
            assert q.consented and q.device_at < f.device_at
        paid = db.session.scalar(sa.select(Payment).where(Payment.work_order_id == wo.id))
        assert paid.amount == q.total and (paid.receipt_no is None) == (paid.receipt == "none")
