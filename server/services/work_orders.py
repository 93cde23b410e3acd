"""Work-order use cases shared by the API, the CLI and the seed: intake, assign, change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import lifecycle, sla, tickets, upkeep
from ..domain.errors import M_, Conflict, Forbidden, Invalid
from ..domain.lifecycle import RESOLVED_REMOTELY, Status
from ..domain.service_day import service_date
from ..domain.warranty import WARRANTY_DECISIONS
from ..extensions import db
from ..models import (
    Customer,
    CustomerSignOff,
    Priority,
    Product,
    ReconciliationReview,
    Role,
    TicketCounter,
    User,
    VisitEvent,
    WorkOrder,
    utcnow,
)
from . import job_facts, notifications, push, reconciliation
from .sla_settings import after_hours_response_hours, sla_hours, work_calendar


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
    if technician_id:
        push.job_assigned(db.session, wo, None, "created")  # a new job on the technician's phone (issue #16)
    return wo


def _deadlines(taken_in: datetime, priority: str, tier: str) -> tuple[datetime, datetime]:
    # The manager's stored SLA hours (over the config defaults) apply to every intake path.
    # Counted in the working-hours calendar the manager keeps (seed 000 §二(一)2, §二(二)1).
    hours = sla_hours()
    return sla.deadlines(
        taken_in,
        priority,
        tier,
        hours["response"],
        hours["resolution"],
        calendar=work_calendar(),
        after_hours_response_hours=after_hours_response_hours(),
    )


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
    previous = wo.technician_id
    wo.technician_id = technician_id
    if wo.status == Status.NEW.value:
        wo.status = Status.ASSIGNED.value
    push.job_assigned(db.session, wo, previous)  # the technician's phone hears of it (issue #16)
    # Assigning is not a response: first_response_at is the first contact with the customer
    # [seed 000 §二(二)1], set when a contact is recorded (server/domain/device_time.py CONTACT_EVENTS).
    return wo


# ---------------------------------------------------------------- one write path (issue #13)
#
# Every edge that changes a work order's fields (REST PATCH, the sync push, the office
# pages, the conflict review, the CLI and seed) goes through `update` or, on the sync
# push's batch path, the pure `check_change` with facts it has read itself.

# What a technician may change on their own job (the rest is the office's); the phone's
# 改约 also moves the appointment, recorded with its `rescheduled` event and the customer's
# consent (seed 003 §三(一)1, §三(四)), so the sync push allows those two as well.
TECHNICIAN_FIELDS = frozenset({"status", "technician_notes", "outcome"})
RESCHEDULE_FIELDS = frozenset({"appointment_start", "appointment_end"})
# Outcomes with which a visit ends `completed`; awaiting parts and return to factory have
# their own statuses (seed 003 §三(七)1: cannot fix on site, 返厂; wrong parts, come back).
COMPLETING_OUTCOMES = frozenset({"fixed", "refused", "not_fixed"})
# A returned product is completed by the office once exchanged or refunded (lifecycle).
_COMPLETES_RETURNED = frozenset({"return_to_factory"})
WARRANTY_OVERRIDDEN = "warranty_overridden"
# Visit events only the office writes (services/dispatch.py): a phone may ask for a
# reassignment (`reassignment_requested`), never record one. Its own 改约 (`rescheduled`,
# seed 003 §三(一)1 and (四): with the customer's consent) stays the technician's.
OFFICE_ONLY_EVENTS = frozenset({"reassigned", WARRANTY_OVERRIDDEN, "follow_up_booked"})  # booked: issue #15
SIGN_OFF_DECLINED = "sign_off_declined"
WARRANTY_VOID = "warranty_void"


def check_visit_event(kind: str, role: str) -> None:
    """Refuse a visit event only the office records (a reassignment) from a technician."""
    if role == Role.TECHNICIAN.value and kind in OFFICE_ONLY_EVENTS:
        raise Forbidden(
            "visit_event.office_only",
            M_("Only the office records a '%(kind)s' event; ask for it instead."),
            {"kind": kind},
            {"kind": [M_("Office only.")]},
        )


@dataclass(frozen=True)
class VisitFacts:
    """What the visit records say that the write rules need: signed off, refusal to sign recorded."""

    signed: bool = False
    declined: bool = False


def needs_facts(current: Mapping, changes: Mapping) -> bool:
    """True when `check_change` looks at the visit facts (an outcome change, or completing)."""
    return ("outcome" in changes and changes["outcome"] != current.get("outcome")) or (
        changes.get("status") == Status.COMPLETED.value and current.get("status") != Status.COMPLETED.value
    )


def visit_facts(session, work_order_id: str) -> VisitFacts:
    """Read the facts from the database (two indexed existence checks, in one query)."""
    signed = sa.exists().where(CustomerSignOff.work_order_id == work_order_id, CustomerSignOff.deleted.is_(False))
    declined = sa.exists().where(
        VisitEvent.work_order_id == work_order_id,
        VisitEvent.kind == SIGN_OFF_DECLINED,
        VisitEvent.deleted.is_(False),
    )
    row = session.execute(sa.select(signed, declined)).one()
    return VisitFacts(bool(row[0]), bool(row[1]))


def check_change(
    current: Mapping, changes: Mapping, role: str, facts: VisitFacts, *, rescheduling: bool = False
) -> None:
    """The rules of a work-order change, pure: role, seal, lifecycle, completion. Raises a domain error.

    `current` holds the order's values (at least `status` and `outcome`), `changes` the new
    values of the fields sent; `rescheduling` lets a technician move the appointment (the phone's 改约).
    """
    if role == Role.TECHNICIAN.value:
        forbidden = sorted(set(changes) - TECHNICIAN_FIELDS - (RESCHEDULE_FIELDS if rescheduling else set()))
        if forbidden:
            raise Forbidden(
                "work_order.office_fields",
                M_("Technicians may not change these fields."),
                {"fields": ", ".join(forbidden)},
                {f: [M_("Office only.")] for f in forbidden},
            )
    _check_remote_outcome(current, changes, role)
    status = current.get("status")
    outcome = changes.get("outcome", current.get("outcome"))
    if "outcome" in changes and changes["outcome"] != current.get("outcome") and facts.signed:
        # The outcome is part of what the customer signed (domain/signed_summary.py).
        raise Conflict(
            "work_order.outcome_sealed",
            M_("The customer has signed off this visit; its outcome can no longer change."),
            fields={"outcome": [M_("Sealed by the customer's signature.")]},
        )
    target = changes.get("status", status)
    if target != status:
        try:
            lifecycle.check_transition(status, target, role)
        except lifecycle.TransitionError as exc:
            raise Conflict(exc.code, exc.message, exc.params, {"status": [exc.message]}) from exc
        if target == Status.COMPLETED.value:
            _check_completion(status, outcome, facts)


def _check_completion(status: str, outcome: str | None, facts: VisitFacts) -> None:
    # Seed 003 §三(十一): the customer rates and signs the form at completion; a customer
    # who will not sign leaves a recorded refusal with its reason, reviewed by the office.
    if outcome == RESOLVED_REMOTELY and status in _REMOTE_FROM:
        # The one exception: solved by phone guidance, there was no visit and no form to sign
        # [seed 003 §三(一)3]; the advice recorded and the check-back call within 2 hours
        # stand in for the sign-off. Only resolve_by_phone completes with this outcome.
        return
    allowed = COMPLETING_OUTCOMES | (_COMPLETES_RETURNED if status == Status.RETURNED_TO_FACTORY.value else set())
    if outcome not in allowed:
        raise Conflict(
            "work_order.outcome_not_completing",
            M_("A visit with outcome '%(outcome)s' is not completed; use its own status."),
            {"outcome": outcome or "-"},
            {"outcome": [M_("Fixed, not fixed or refused by the customer completes a visit.")]},
        )
    if not (facts.signed or facts.declined):
        raise Conflict(
            "work_order.sign_off_required",
            M_("Completing needs the customer's sign-off, or their refusal to sign recorded with the reason."),
            fields={"status": [M_("No sign-off and no recorded refusal to sign.")]},
        )


def update(wo: WorkOrder, changes: dict, actor: User, expected_version: int | None = None) -> WorkOrder:
    """Change a work order's fields for `actor`: version, role, seal, lifecycle and completion checked here."""
    if expected_version is not None and expected_version != wo.version:
        raise Conflict(
            "work_order.stale_version",
            M_("Work order changed since version %(expected)s (now %(version)s); reload and retry."),
            {"expected": expected_version, "version": wo.version},
            {"version": [M_("Current version is %(version)s.")]},
        )
    changes = dict(changes)
    current = {"status": wo.status, "outcome": wo.outcome}
    facts = visit_facts(db.session, wo.id) if needs_facts(current, changes) else VisitFacts()
    check_change(current, changes, actor.role, facts)
    status = changes.pop("status", None)
    if status and status != wo.status:
        _set_status(wo, status)
    priority = changes.pop("priority", None)
    if priority and priority != wo.priority:
        reprioritise(wo, priority)
    for field, value in changes.items():
        setattr(wo, field, value)
    if wo.appointment_start and wo.appointment_end and wo.appointment_end <= wo.appointment_start:
        # The schema checks a window sent whole; this catches one end moved past the other.
        raise Invalid(
            "work_order.appointment_order",
            M_("Invalid input in: appointment_end"),
            fields={"appointment_end": [M_("Must be after appointment_start.")]},
        )
    notifications.work_order_changed(db.session, wo)  # appointment confirmed or moved, completed
    return wo


def note_contact(wo: WorkOrder, at: datetime) -> None:
    """A contact with the customer at `at` (trusted time): the first one is the first response."""
    if wo.first_response_at is None or at < wo.first_response_at:
        wo.first_response_at = at


def change_status(wo: WorkOrder, target: str, actor: User) -> None:
    """Move along the lifecycle, or raise Conflict saying which moves are allowed."""
    if target == wo.status:
        return
    current = {"status": wo.status, "outcome": wo.outcome}
    changes = {"status": target}
    facts = visit_facts(db.session, wo.id) if needs_facts(current, changes) else VisitFacts()
    check_change(current, changes, actor.role, facts)
    _set_status(wo, target)
    notifications.work_order_changed(db.session, wo)  # appointment confirmed, completed


def _set_status(wo: WorkOrder, target: str) -> None:
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


def decide_warranty(wo: WorkOrder, decision: str | None, reason: str, actor: User) -> VisitEvent:
    """The office decides who pays (`covered` | `chargeable`; None hands it back to the rule), with a reason.

    Seed 000 §二(一)1: human damage and consumables are not free in warranty, and the
    technician's call on site is reviewed by the office, which may decide either way
    (seed 003 §三(七)2: the company decides when the customer disputes a charge). The
    decision is recorded as an office-only `warranty_overridden` event (who, when, why),
    which a phone may not send; devices get the field in the pull and cannot change it.
    """
    if actor.role == Role.TECHNICIAN.value:
        raise Forbidden(
            "work_order.office_fields",
            M_("Technicians may not change these fields."),
            {"fields": "warranty_decision"},
            {"warranty_decision": [M_("Office only.")]},
        )
    if decision is not None and decision not in WARRANTY_DECISIONS:
        raise Invalid(
            "work_order.warranty_decision",
            M_("Unknown warranty decision."),
            fields={"decision": [M_("Covered, chargeable, or left to the warranty rule.")]},
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            "work_order.warranty_reason_required",
            M_("A warranty decision needs its reason."),
            fields={"reason": [M_("Required.")]},
        )
    if visit_facts(db.session, wo.id).signed:
        # Who pays is part of what the customer signed (the quote and the parts' prices).
        raise Conflict(
            "work_order.warranty_sealed",
            M_("The customer has signed off this visit; who pays can no longer change."),
            fields={"decision": [M_("Sealed by the customer's signature.")]},
        )
    previous = wo.warranty_decision
    wo.warranty_decision = decision
    now = utcnow()
    event = VisitEvent(
        work_order_id=wo.id,
        kind=WARRANTY_OVERRIDDEN,
        created_by_id=actor.id,
        device_at=now,
        corrected_at=now,
        data={"decision": decision, "previous": previous, "reason": reason},
    )
    db.session.add(event)
    return event


# ---------------------------------------------------------------- phone resolution [seed 003 §三(一)3]
#
# 客服电话指引: the office guides the customer by phone; solved, there is no visit, and the
# office checks back within 2 hours (services/phone_resolution.py plans that call). Ending
# the request and reopening it after a failed check-back are the two use cases here.

_REMOTE_FROM = frozenset(s.value for s in lifecycle.REMOTE_RESOLUTION_FROM)


def _check_remote_outcome(current: Mapping, changes: Mapping, role: str) -> None:
    """The phone-resolution outcome is never set by a plain change: only by resolve_by_phone."""
    if changes.get("outcome") != RESOLVED_REMOTELY or current.get("outcome") == RESOLVED_REMOTELY:
        return
    if role == Role.TECHNICIAN.value:
        raise Forbidden(
            "work_order.remote_office_only",
            M_("Only the office resolves a request by phone."),
            {},
            {"outcome": [M_("Office only.")]},
        )
    raise Conflict(
        "work_order.remote_use_action",
        M_("A request solved by phone is ended with 'Resolved by phone' on its page, with the advice given."),
        fields={"outcome": [M_("Use 'Resolved by phone'.")]},
    )


def _remote_refusal(exc: lifecycle.RemoteRefusal) -> Forbidden | Conflict:
    error = Forbidden if exc.code == "work_order.remote_office_only" else Conflict
    return error(exc.code, exc.message, exc.params, {"status": [exc.message]})


def resolve_by_phone(wo: WorkOrder, advice: str | None, actor: User, now: datetime | None = None) -> VisitEvent:
    """End a request solved by phone guidance, before any visit: what was advised is required.

    The order is completed with outcome `resolved_remotely` at the server's time; whoever held
    it loses it (their phone drops the job on its next pull, by the change log's revoke rows)
    and is named in the event. The guidance call is a contact with the customer [seed 000 §二(二)1].
    """
    now = now or utcnow()
    advice = (advice or "").strip()
    try:
        lifecycle.check_remote_resolution(wo.status, actor.role)
    except lifecycle.RemoteRefusal as exc:
        raise _remote_refusal(exc) from exc
    if not advice:
        raise Invalid(
            "work_order.remote_advice_required",
            M_("Record what the customer was advised."),
            fields={"advice": [M_("Required.")]},
        )
    _check_completion(wo.status, RESOLVED_REMOTELY, VisitFacts())
    previous = wo.technician_id
    wo.status, wo.outcome, wo.technician_id = Status.COMPLETED.value, RESOLVED_REMOTELY, None
    wo.completed_at = now
    note_contact(wo, now)
    event = VisitEvent(
        work_order_id=wo.id,
        kind=RESOLVED_REMOTELY,
        created_by_id=actor.id,
        device_at=now,
        corrected_at=now,
        note=advice,
        data={"from_technician_id": previous},
    )
    db.session.add(event)
    db.session.flush()
    return event


def reopen_for_dispatch(wo: WorkOrder, note: str | None, actor: User, now: datetime | None = None) -> VisitEvent:
    """The check-back found the problem not solved: back to `new` for a visit, the history kept."""
    now = now or utcnow()
    if actor.role not in lifecycle.OFFICE:
        raise Forbidden(
            "work_order.remote_office_only",
            M_("Only the office resolves a request by phone."),
            {},
        )
    if (wo.status, wo.outcome) != (Status.COMPLETED.value, RESOLVED_REMOTELY):
        raise Conflict(
            "work_order.remote_reopen_not_now",
            M_("Only a request resolved by phone and not yet closed goes back for a visit."),
            fields={"outcome": [M_("Only a request resolved by phone and not yet closed goes back for a visit.")]},
        )
    _, back_to = lifecycle.REMOTE_REOPEN
    wo.status, wo.outcome, wo.completed_at, wo.technician_id = back_to.value, None, None, None
    event = VisitEvent(
        work_order_id=wo.id,
        kind="reopened",
        created_by_id=actor.id,
        device_at=now,
        corrected_at=now,
        note=(note or "").strip() or None,
        data={"after": "check_back_not_solved"},
    )
    db.session.add(event)
    return event


# ---------------------------------------------------------------- office upkeep (issue #14: find and keep orders)
#
# Cancel (a duplicate, a withdrawn request), re-prioritise, edit and close: office decisions,
# each with its reason, each through `update` above, each kept as an audit entry (a visit event
# by the office user) shown on the order's page. Closing and cancelling end the technician's
# hold on the job: the change log revokes it, and its customer when no other job of theirs
# remains with that technician, from the phone on the next pull (seed 004: access ends when
# handling ends).


def _upkeep_reason(actor: User, reason: str | None) -> str:
    """Only the office keeps orders; every upkeep action says why."""
    if actor.role not in (Role.DISPATCHER.value, Role.MANAGER.value):
        raise Forbidden("work_order.upkeep_office_only", M_("Only dispatchers and managers may do this."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("work_order.reason_required", M_("Give the reason."), fields={"reason": [M_("Required.")]})
    if len(reason) > upkeep.REASON_MAX:
        raise Invalid(
            "work_order.reason_too_long",
            M_("The reason is too long."),
            {"max": upkeep.REASON_MAX},
            {"reason": [M_("At most %(max)s characters.")]},
        )
    return reason


def _audit(wo: WorkOrder, kind: str, actor: User, reason: str, data: dict) -> VisitEvent:
    now = utcnow()
    event = VisitEvent(
        work_order_id=wo.id,
        kind=kind,
        created_by_id=actor.id,
        device_at=now,
        corrected_at=now,
        note=reason,
        data=data,
    )
    db.session.add(event)
    return event


def _not_when(wo: WorkOrder, code: str, message: str) -> None:
    if not upkeep.may_change(wo.status):
        raise Conflict(code, message, {"status": wo.status})


def cancel_order(wo: WorkOrder, actor: User, reason: str | None, expected_version: int | None = None) -> VisitEvent:
    """Cancel a request (a duplicate, withdrawn by the customer): the job leaves the technician's phone."""
    reason = _upkeep_reason(actor, reason)
    if not lifecycle.can_transition(wo.status, Status.CANCELLED.value, actor.role):
        raise Conflict(
            "work_order.cancel_not_now",
            M_("A work order that is %(status)s cannot be cancelled."),
            {"status": wo.status},
        )
    before = wo.status
    update(wo, {"status": Status.CANCELLED.value}, actor, expected_version)
    return _audit(wo, upkeep.ORDER_CANCELLED, actor, reason, {"from_status": before})


def change_priority(
    wo: WorkOrder, priority: str | None, actor: User, reason: str | None, expected_version: int | None = None
) -> VisitEvent:
    """Re-prioritise with a reason; the SLA deadlines move with it (counted from intake)."""
    reason = _upkeep_reason(actor, reason)
    _not_when(wo, "work_order.priority_not_now", M_("A work order that is %(status)s keeps its priority."))
    if priority not in {p.value for p in Priority}:
        raise Invalid(
            "work_order.priority_unknown",
            M_("Choose a priority."),
            fields={"priority": [M_("Choose a priority.")]},
        )
    if priority == wo.priority:
        raise Conflict(
            "work_order.priority_unchanged",
            M_("The work order already has this priority."),
            fields={"priority": [M_("Already this priority.")]},
        )
    before = wo.priority
    update(wo, {"priority": priority}, actor, expected_version)
    return _audit(wo, upkeep.ORDER_REPRIORITISED, actor, reason, {"from_priority": before, "to_priority": priority})


def edit_order(
    wo: WorkOrder, values: Mapping, actor: User, reason: str | None, expected_version: int | None = None
) -> VisitEvent:
    """Correct the fault description or the customer's requirements, keeping what they said before."""
    reason = _upkeep_reason(actor, reason)
    _not_when(wo, "work_order.edit_not_now", M_("A work order that is %(status)s can no longer be edited."))
    changes, errors = {}, {}
    for name in upkeep.EDITABLE_FIELDS:
        if name not in values:
            continue
        value = (values[name] or "").strip() or None
        if name == "fault_description" and value is None:
            errors[name] = [M_("Required.")]
        elif value is not None and len(value) > upkeep.TEXT_MAX:
            errors[name] = [M_("At most %(max)s characters.")]
        elif value != getattr(wo, name):
            changes[name] = value
    if errors:
        raise Invalid("work_order.edit_invalid", M_("Check the fields marked."), {"max": upkeep.TEXT_MAX}, errors)
    if not changes:
        raise Invalid("work_order.edit_unchanged", M_("Nothing was changed."))
    before = {name: getattr(wo, name) for name in changes}
    update(wo, changes, actor, expected_version)
    return _audit(wo, upkeep.ORDER_EDITED, actor, reason, {"fields": sorted(changes), "before": before})


def close_order(wo: WorkOrder, actor: User, reason: str | None, expected_version: int | None = None) -> VisitEvent:
    """Close a completed order once every reconciliation flag of it was looked into (seed 000 §三(三))."""
    reason = _upkeep_reason(actor, reason)
    if not upkeep.may_close(wo.status):
        raise Conflict(
            "work_order.close_not_completed",
            M_("Only a completed work order can be closed; this one is %(status)s."),
            {"status": wo.status},
        )
    open_flags = unreviewed_flags(wo)
    if open_flags:
        raise Conflict(
            "work_order.close_unreconciled",
            M_("%(count)s reconciliation flag(s) of this work order are not yet reviewed; review them first."),
            {"count": len(open_flags)},
        )
    update(wo, {"status": Status.CLOSED.value}, actor, expected_version)
    return _audit(wo, upkeep.ORDER_CLOSED, actor, reason, {})


def unreviewed_flags(wo: WorkOrder) -> list[str]:
    """The reconciliation flags of this order nobody has marked as looked into yet."""
    flags = {flag.code for flag in reconciliation.flag_jobs(job_facts.load([wo.id]))}
    reviewed = set(
        db.session.scalars(sa.select(ReconciliationReview.flag).where(ReconciliationReview.work_order_id == wo.id))
    )
    return sorted(flags - reviewed)


def upkeep_log(wo: WorkOrder) -> list[VisitEvent]:
    """The order's upkeep audit entries, newest first."""
    return list(
        db.session.scalars(
            sa.select(VisitEvent)
            .where(VisitEvent.work_order_id == wo.id, VisitEvent.kind.in_(upkeep.UPKEEP_EVENTS))
            .order_by(VisitEvent.created_at.desc())
        )
    )
