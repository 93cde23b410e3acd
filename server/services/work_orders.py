"""Work-order use cases shared by the API, the CLI and the seed: intake, assign, change."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import lifecycle, sla, tickets
from ..domain.errors import M_, Conflict, Invalid
from ..domain.lifecycle import Status
from ..domain.service_day import service_date
from ..extensions import db
from ..models import Customer, Product, Role, TicketCounter, User, WorkOrder, utcnow
from .sla_settings import sla_hours


def next_ticket_no(day: date) -> str:
    """Take the next ticket number of `day` (row-locked so two intakes never share one)."""
    # The day's counter row is created with ON CONFLICT DO NOTHING: two first intakes of
    # a day would otherwise both insert it and one would fail on the primary key.
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}.get(dialect)
    if insert is not None:
        db.session.execute(insert(TicketCounter).values(day=day, last=0).on_conflict_do_nothing())
    counter = db.session.execute(
        sa.select(TicketCounter).where(TicketCounter.day == day).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = TicketCounter(day=day, last=0)
        db.session.add(counter)
        db.session.flush()
    counter.last += 1
    return tickets.format_ticket(day, counter.last)


def create_work_order(data: dict, created_by: User | None, now: datetime | None = None) -> WorkOrder:
    """Take in a request: number it, start its SLA clocks, assign it if a technician is given."""
    now = now or utcnow()
    customer = db.session.get(Customer, data["customer_id"])
    if customer is None:
        raise Invalid(
            "customer.unknown", M_("Unknown customer."), fields={"customer_id": [M_("No customer with this id.")]}
        )
    product_id = data.get("product_id")
    if product_id is not None:
        product = db.session.get(Product, product_id)
        if product is None or product.customer_id != customer.id:
            raise Invalid(
                "product.unknown",
                M_("Unknown product."),
                fields={"product_id": [M_("No product with this id for this customer.")]},
            )
    technician_id = data.get("technician_id")
    if technician_id is not None:
        _technician(technician_id)
    response_due, resolution_due = _deadlines(now, data["priority"], customer.tier)
    status = Status.ASSIGNED.value if technician_id else Status.NEW.value
    if technician_id and data.get("appointment_start"):
        status = Status.SCHEDULED.value
    wo = WorkOrder(
        ticket_no=next_ticket_no(service_date(now)),
        channel=data["channel"],
        type=data["type"],
        priority=data["priority"],
        status=status,
        customer_id=customer.id,
        product_id=product_id,
        technician_id=technician_id,
        appointment_start=data.get("appointment_start"),
        appointment_end=data.get("appointment_end"),
        fault_description=data["fault_description"],
        customer_requirements=data.get("customer_requirements"),
        response_due=response_due,
        resolution_due=resolution_due,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
    )
    db.session.add(wo)
    return wo


def _deadlines(taken_in: datetime, priority: str, tier: str) -> tuple[datetime, datetime]:
    # The manager's stored SLA hours (over the config defaults) apply to every intake path.
    hours = sla_hours()
    return sla.deadlines(taken_in, priority, tier, hours["response"], hours["resolution"])


def reprioritise(wo: WorkOrder, priority: str) -> None:
    """Change the priority and move the SLA deadlines with it (still counted from intake)."""
    wo.priority = priority
    wo.response_due, wo.resolution_due = _deadlines(wo.created_at, priority, wo.customer.tier)


def _technician(user_id: str) -> User:
    tech = db.session.get(User, user_id)
    if tech is None or tech.role != Role.TECHNICIAN.value or not tech.active:
        raise Invalid(
            "technician.unknown",
            M_("Unknown technician."),
            fields={"technician_id": [M_("No active technician with this id.")]},
        )
    return tech


def assign(wo: WorkOrder, technician_id: str, actor: User) -> WorkOrder:
    """Give the job to a technician (派单 or 改派); a NEW order becomes ASSIGNED."""
    if wo.status in {s.value for s in lifecycle.TERMINAL}:
        raise Conflict(
            "work_order.terminal", M_("Work order is %(status)s; it cannot be assigned."), {"status": wo.status}
        )
    _technician(technician_id)
    if wo.technician_id and technician_id != wo.technician_id and wo.status == Status.EN_ROUTE.value:
        # 改派 on the way: the new technician has not set out (the lifecycle's en_route -> assigned).
        wo.status = Status.ASSIGNED.value
    wo.technician_id = technician_id
    if wo.status == Status.NEW.value:
        wo.status = Status.ASSIGNED.value
    # Assigning is not a response: first_response_at is the first contact with the customer
    # [seed 000 §二(二)1], set when a contact is recorded (server/domain/device_time.py CONTACT_EVENTS).
    return wo


def note_contact(wo: WorkOrder, at: datetime) -> None:
    """A contact with the customer at `at` (trusted time): the first one is the first response."""
    if wo.first_response_at is None or at < wo.first_response_at:
        wo.first_response_at = at


def change_status(wo: WorkOrder, target: str, actor: User) -> None:
    """Move along the lifecycle, or raise Conflict saying which moves are allowed."""
    try:
        lifecycle.check_transition(wo.status, target, actor.role)
    except lifecycle.TransitionError as exc:
        raise Conflict(exc.code, exc.message, exc.params, {"status": [exc.message]}) from exc
    if target == Status.ASSIGNED.value and not wo.technician_id:
        raise Conflict(
            "assign.technician_required",
            M_("Assign a technician first."),
            fields={"technician_id": [M_("Required for 'assigned'.")]},
        )
    wo.status = target
    if target == Status.NEW.value:
        wo.technician_id = None  # back to the pool: "new" means nobody holds it
    if target == Status.COMPLETED.value and wo.completed_at is None:
        wo.completed_at = utcnow()
