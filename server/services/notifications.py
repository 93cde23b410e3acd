"""The customer notification outbox: a message owed is queued in the transaction that causes it.

Seed 000 §三(一)1 (the ticket number is sent to the customer at once) and §二(二)2 (the
customer hears of progress by SMS at key points). Each write path calls one hook here
with the session it writes through, so a change that rolls back leaves no message and a
sender that is down loses none: rows wait in `notifications` until delivery
(server/services/delivery.py) sends them. Each row has an idempotency key over (work
order, template, trigger), so the same trigger never queues twice.

After the outermost commit, the new rows' ids go to the runner (server/services/notify_runner.py):
a thread in this process, an RQ job, or nobody (`flask notify deliver-due` sweeps).
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..dialect_sql import insert_ignore
from ..domain.errors import M_, Conflict, Forbidden, Invalid
from ..domain.lifecycle import OFFICE, Status
from ..domain.notify_messages import TEMPLATES, language_of, render
from ..domain.service_day import format_local
from ..models import Customer, FollowUp, Notification, ReportShare, User, WorkOrder, new_id, utcnow
from . import notify_runner

BATCHED = "onsite_notifications_batched"  # session.info: key -> row, while `batched` is open
# Travel time assumed for the ETA when the job has no appointment to arrive by.
DEFAULT_TRAVEL = timedelta(minutes=30)
REPORT_LINK_DAYS = 30  # like a report link the office sends (services/service_report.SHARE_DAYS)
# Statuses after which an appointment no longer concerns the customer.
_DONE = {Status.COMPLETED.value, Status.CLOSED.value, Status.CANCELLED.value}


def idempotency_key(work_order_id: str, template: str, trigger_id: str) -> str:
    return hashlib.sha256(f"{work_order_id}|{template}|{trigger_id}".encode()).hexdigest()


def route(customer: Customer) -> tuple[str, str | None]:
    """(channel, recipient): the first configured channel the customer has an address for."""
    channels = current_app.config["NOTIFY_CHANNELS"] or ["console"]
    for channel in channels:
        recipient = customer.email if channel == "email" else customer.phone
        if recipient:
            return channel, recipient
    return channels[0], None  # delivery marks it skipped: nowhere to send


def _window(wo: WorkOrder) -> str:
    if not wo.appointment_start:
        return ""
    text = format_local(wo.appointment_start)
    return f"{text}-{format_local(wo.appointment_end, '%H:%M')}" if wo.appointment_end else text


def _params(wo: WorkOrder, extra: dict) -> dict:
    config = current_app.config
    return {
        "ticket": wo.ticket_no,
        "name": wo.customer.name,
        "appointment": _window(wo),
        "technician": wo.technician.name if wo.technician else "",
        "track_url": f"{config['PUBLIC_URL']}/track/{wo.ticket_no}",
        "service_phone": config["SERVICE_PHONE"],
        **extra,
    }


def queue(
    session: Session, wo: WorkOrder, template: str, trigger_id: str, *, to: tuple[str, str] | None = None, **extra
) -> Notification | None:
    """Queue `template` for `wo`'s customer unless this trigger already did; the caller commits.

    Returns the new row; None when the trigger queued before, or inside `batched`, whose end
    inserts it. `to` = (channel, recipient) when the customer named where it goes (the report
    on the spot).
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    key = idempotency_key(wo.id, template, str(trigger_id))
    with_report = template in ("completed", "report")
    # Queued with the rest of a batch (`batched`), except those two: they record a report link first.
    batched = None if with_report else notify_runner.real_session(session).info.get(BATCHED)
    if batched is not None:
        if key in batched:
            return None
    elif session.scalar(sa.select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    customer = wo.customer
    channel, recipient = to or route(customer)
    params = _params(wo, extra)
    if with_report:
        params.setdefault("report_url", _report_link(session, wo, channel, recipient) or params["track_url"])
    lang = language_of(customer.locale)
    subject, body = render(template, lang, params)
    values = dict(
        work_order_id=wo.id,
        customer_id=customer.id,
        channel=channel,
        template=template,
        trigger_id=str(trigger_id)[:120],
        idempotency_key=key,
        language=lang,
        subject=subject[:200],
        body=body,
        params=params,
        recipient=recipient,
        status="pending",
        attempts=0,
    )
    if batched is not None:
        batched[key] = values  # inserted with the rest of the batch when it ends
        return None
    row = Notification(**values)
    if not _insert_once(session, row):
        return None
    notify_runner.note(session, notify_runner.NOTIFICATIONS, row.id)
    return row


def _insert_once(session: Session, row: Notification) -> bool:
    try:
        with session.begin_nested():  # a concurrent twin's unique key: keep theirs, not fail the change
            session.add(row)
    except IntegrityError:
        return False
    return True


@contextmanager
def batched(session: Session):
    """Queue the messages of a run of changes together (a push's fast path), on leaving the block.

    Each message costs a key look-up and a savepoint otherwise, four round trips; a batch
    inserts its new rows in one statement that skips a key some message already has (queued
    before, or by a concurrent twin meanwhile: theirs is kept, as `queue` keeps it). The same
    trigger twice in the batch queues once, as it would one after the other. On an exception
    nothing is queued: the caller's transaction rolls back.
    """
    real = notify_runner.real_session(session)
    real.info[BATCHED] = rows = {}
    try:
        yield
    finally:
        real.info.pop(BATCHED, None)
    if not rows:
        return
    now = utcnow()
    table = Notification.__table__
    # Parameters apart from the statement, so it compiles once; two rows a statement, as psycopg
    # parses a statement of over 50 parameters again each time (~1.3 ms for three rows).
    insert = insert_ignore(session, table).returning(table.c.id).execution_options(insertmanyvalues_page_size=2)
    for row_id in session.scalars(insert, [{"id": new_id(), "created_at": now, **v} for v in rows.values()]):
        notify_runner.note(session, notify_runner.NOTIFICATIONS, row_id)


def _report_link(session: Session, wo: WorkOrder, channel: str, recipient: str | None) -> str | None:
    """A link to the signed report, recorded like one the office sends (None: not signed)."""
    from . import service_report
    from .sign_off import sign_off_of

    if recipient is None or sign_off_of(session, wo.id) is None:
        return None
    share = ReportShare(
        work_order_id=wo.id,
        channel=channel,
        recipient=recipient,
        expires_at=utcnow() + timedelta(days=REPORT_LINK_DAYS),
    )
    session.add(share)
    session.flush()
    with _url_context():
        return service_report.share_url(share)


def _url_context():
    """url_for(_external) needs a request: the current one, else one at PUBLIC_URL (sync, CLI, worker)."""
    from contextlib import nullcontext

    from flask import has_request_context

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


# ---------------------------------------------------------------- hooks (one call from each write path)


def ticket_created(session: Session, wo: WorkOrder) -> None:
    """Intake: the ticket number goes to the customer at once (seed 000 §三(一)1)."""
    queue(session, wo, "ticket_created", wo.id)
    if wo.status == Status.SCHEDULED.value and wo.appointment_start:  # booked while the customer was on the line
        queue(session, wo, "appointment_confirmed", wo.appointment_start.isoformat())


def _changed(wo: WorkOrder, name: str) -> tuple[bool, object]:
    """(changed since the last flush, the value before) of one attribute."""
    history = sa.inspect(wo).attrs[name].history
    if not history.has_changes():
        return False, None
    return True, (history.deleted[0] if history.deleted else None)


def work_order_changed(session: Session, wo: WorkOrder, trigger_id: str | None = None) -> None:
    """After a work order's fields change (before the flush): appointment confirmed or moved, completed.

    Call before the change is flushed: the attribute history says what changed.
    """
    status_changed, old_status = _changed(wo, "status")
    start_changed, old_start = _changed(wo, "appointment_start")
    end_changed, _ = _changed(wo, "appointment_end")
    if status_changed and wo.status == Status.COMPLETED.value:
        queue(session, wo, "completed", "completed")
        return
    if wo.status in _DONE or not wo.appointment_start:
        return
    was = old_status if status_changed else wo.status
    moved = (start_changed and old_start is not None) or (end_changed and not start_changed)
    if moved and was not in (Status.NEW.value, Status.ASSIGNED.value):
        # The customer had a confirmed time: tell them the new one.
        queue(session, wo, "appointment_changed", trigger_id or f"{wo.version}:{wo.appointment_start.isoformat()}")
    elif wo.status == Status.SCHEDULED.value and (status_changed or start_changed):
        # Trigger: the time confirmed, so the phone's status change and its event send one message.
        queue(session, wo, "appointment_confirmed", wo.appointment_start.isoformat())


def visit_record(session: Session, wo: WorkOrder, entity: str, fields: dict, record_id: str, at: datetime) -> None:
    """A visit record from the phone (sync): its events may concern the customer."""
    if entity == "visit_event":
        visit_event(session, wo, fields["kind"], fields.get("data"), record_id, at)


def visit_event(session: Session, wo: WorkOrder, kind: str, data: dict | None, event_id: str, at: datetime) -> None:
    """A visit event from the phone: departed (on the way, with an ETA) or appointment confirmed."""
    if kind == "departed":
        eta = wo.appointment_start if wo.appointment_start and wo.appointment_start > at else at + DEFAULT_TRAVEL
        queue(session, wo, "on_the_way", event_id, eta=format_local(eta, "%H:%M"))
    elif kind == "appointment_confirmed":
        start = (data or {}).get("appointment_start") or wo.appointment_start
        if start is not None and wo.status not in _DONE:
            start = datetime.fromisoformat(start) if isinstance(start, str) else start
            queue(session, wo, "appointment_confirmed", start.isoformat())


def follow_up_planned(session: Session, call) -> None:
    """A follow-up call planned: tell the customer when to expect it (seed 000 §三(三))."""
    if not isinstance(call, FollowUp):
        return
    wo = session.get(WorkOrder, call.work_order_id)
    if wo is not None:
        queue(session, wo, "follow_up_scheduled", call.plan_key, call_at=format_local(call.due_at))


# ---------------------------------------------------------------- the report on the spot (issue #16)

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
REPORT_CHANNELS = ("sms", "email")


def send_report(session: Session, wo: WorkOrder, channel: str, recipient: str, actor: User) -> Notification | None:
    """The signed report to the address the customer gives at the sign-off (caller commits).

    Only the job's technician (or the office) may; only once the sign-off has reached the
    server (the link and the PDF are made from it). The same address twice queues once: a
    second tap never sends a second message. None: already queued for that address.
    """
    from .sign_off import sign_off_of

    if actor.role not in OFFICE and wo.technician_id != actor.id:
        raise Forbidden("report.send_not_yours", M_("Only the technician of this job or the office may do this."))
    recipient = (recipient or "").strip()
    if channel == "email":
        recipient = recipient.lower()
        valid = len(recipient) <= 254 and _EMAIL.match(recipient)
        message = M_("Enter an e-mail address like name@example.com.")
    else:
        recipient = re.sub(r"[ -]", "", recipient)
        valid = channel == "sms" and _PHONE.match(recipient)
        message = M_("Enter a mobile phone number.")
    if channel not in REPORT_CHANNELS or not valid:
        raise Invalid("report.recipient_invalid", message, fields={"recipient": [message]})
    sign_off = sign_off_of(session, wo.id)
    if sign_off is None:
        raise Conflict(
            "report.not_synced",
            M_("The customer's signature has not reached the office yet: send the report once the phone has synced."),
        )
    from ..domain.verification_code import short_code

    code = short_code(sign_off.summary_sha256)
    return queue(session, wo, "report", _report_trigger(channel, recipient), to=(channel, recipient), code=code)


def _report_trigger(channel: str, recipient: str) -> str:
    recipient = recipient.strip().lower() if channel == "email" else re.sub(r"[ -]", "", recipient.strip())
    return f"{channel}:{recipient}"


def report_sent_to(session: Session, wo: WorkOrder, channel: str, recipient: str) -> Notification | None:
    """The report message already queued for this address, if any."""
    key = idempotency_key(wo.id, "report", _report_trigger(channel, recipient))
    return session.scalar(sa.select(Notification).where(Notification.idempotency_key == key))


# ---------------------------------------------------------------- the customer's choices

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def set_preferences(customer: Customer, opt_out: bool, email: str | None, actor: User) -> Customer:
    """The office records the customer's wish to get no notifications, and their e-mail (caller commits)."""
    if actor.role not in OFFICE:
        raise Forbidden("customer.notify_office_only", M_("Only dispatchers and managers may do this."))
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        message = M_("Enter an e-mail address like name@example.com.")
        raise Invalid("customer.email_invalid", message, fields={"email": [message]})
    customer.notify_opt_out, customer.email = bool(opt_out), email
    return customer


def of_work_order(session: Session, work_order_id: str) -> list[Notification]:
    """The work order's notifications, oldest first (the office's work-order page)."""
    return list(
        session.scalars(
            sa.select(Notification).where(Notification.work_order_id == work_order_id).order_by(Notification.created_at)
        )
    )
