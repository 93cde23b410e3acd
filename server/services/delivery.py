"""Delivering the outbox: claim a row, send it on its channel, record the result.

- **Exactly one sender**: a row is claimed with a conditional UPDATE (pending and due, or a
  claim abandoned longer than NOTIFY_CLAIM_TIMEOUT_SECONDS) and the claim is committed
  before sending, so two workers never send the same row; a `sent` row is never sent again.
- **Retries**: a failure puts the row back to `pending` with `next_attempt_at` after
  NOTIFY_RETRY_SECONDS x 2^(attempts-1); after NOTIFY_MAX_ATTEMPTS it is `failed`.
- **Quiet hours** (NOTIFY_QUIET_HOURS, default 21:00-08:00 service-area time): a message due
  then waits until they end.
- **Opt-out**: a customer with `notify_opt_out` gets nothing: the row is `skipped`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from ..domain.service_day import SERVICE_TZ
from ..extensions import db
from ..models import Notification, WorkOrder, utcnow
from .notify_channels import Attachment, DeliveryError, Outgoing, channel

log = logging.getLogger(__name__)
# Why a row was skipped (the office words them: office/_notifications.html).
SKIP_OPTED_OUT, SKIP_NO_ADDRESS = "opted_out", "no_address"


@dataclass(frozen=True)
class Result:
    """What one delivery attempt came to; `retry_at` when the row should be tried again."""

    notification_id: str
    outcome: str  # sent | failed | retry | skipped | deferred | not_claimed
    retry_at: datetime | None = None


def _clock(spec: str) -> time:
    hours, _, minutes = spec.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(now: datetime, spec: str) -> datetime | None:
    """When the quiet hours containing `now` end (aware), or None outside them. '' = never quiet."""
    if not spec.strip():
        return None
    first, _, last = spec.partition("-")
    start, end = _clock(first), _clock(last)
    local = now.astimezone(SERVICE_TZ)
    at = local.time()
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return None
    day = local.date() if at < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, SERVICE_TZ)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=current_app.config["NOTIFY_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0))


def _sendable(table: sa.Table, now: datetime):
    """Rows a sender may take now: pending and due, or abandoned mid-send by a sender that died."""
    stale = now - timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
    c = table.c
    due = sa.and_(c.status == "pending", sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
    return sa.or_(due, sa.and_(c.status == "sending", c.claimed_at < stale))


def claim(table: sa.Table, row_id: str, now: datetime) -> bool:
    """Take an outbox row (customer notifications, technician pushes) for this worker: one
    conditional UPDATE, committed; False if it is not ours to send."""
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id, _sendable(table, now))
        .values(status="sending", claimed_at=now, attempts=table.c.attempts + 1)
    ).rowcount
    db.session.commit()
    return claimed == 1


def due_ids(table: sa.Table, now: datetime, limit: int = 100) -> list[str]:
    """Rows of an outbox waiting to be sent (or abandoned mid-send), oldest first; ends the read."""
    ids = list(
        db.session.scalars(sa.select(table.c.id).where(_sendable(table, now)).order_by(table.c.created_at).limit(limit))
    )
    db.session.commit()  # end the read before the claims
    return ids


def earliest_wait(table: sa.Table, now: datetime) -> datetime | None:
    """When an outbox's earliest waiting row falls due (for a runner's timer)."""
    c = table.c
    return db.session.scalar(
        sa.select(sa.func.min(c.next_attempt_at)).where(c.status == "pending", c.next_attempt_at > now)
    )


def _defer(notification_id: str, until: datetime) -> None:
    t = Notification.__table__
    db.session.execute(
        sa.update(t)
        .where(
            t.c.id == notification_id,
            t.c.status == "pending",
            sa.or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at < until),
        )
        .values(next_attempt_at=until)
    )
    db.session.commit()


def _attachments(row: Notification, wo: WorkOrder) -> list[Attachment]:
    """The signed service report for `completed` and `report` (none when the customer did not sign)."""
    if row.template not in ("completed", "report"):
        return []
    from . import service_report
    from .notifications import _url_context
    from .sign_off import sign_off_of

    if sign_off_of(db.session, wo.id) is None:
        return []
    with _url_context():
        pdf = service_report.pdf(wo, row.language)
    return [Attachment(service_report.filename(wo), pdf)]


def deliver(notification_id: str, now: datetime | None = None) -> Result:
    """Try to send one notification now; commits. Safe to call from any number of workers."""
    now = now or utcnow()
    config = current_app.config
    until = quiet_until(now, config["NOTIFY_QUIET_HOURS"])
    if until is not None:
        _defer(notification_id, until)
        return Result(notification_id, "deferred", until)
    if not claim(Notification.__table__, notification_id, now):
        return Result(notification_id, "not_claimed")
    row = db.session.get(Notification, notification_id, populate_existing=True)
    if row.customer.notify_opt_out or not row.recipient:
        row.status, row.claimed_at = "skipped", None
        row.last_error = SKIP_OPTED_OUT if row.customer.notify_opt_out else SKIP_NO_ADDRESS
        db.session.commit()
        return Result(notification_id, "skipped")
    try:
        sender = channel(row.channel, config)
        attachments = _attachments(row, row.work_order) if sender.wants_attachments else []
        sender.send(
            Outgoing(
                id=row.id,
                idempotency_key=row.idempotency_key,
                template=row.template,
                language=row.language,
                recipient=row.recipient,
                subject=row.subject,
                body=row.body,
                params=row.params or {},
                attachments=attachments,
            )
        )
    except Exception as exc:  # any failure is this attempt's; the row says why
        error = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
        row.last_error, row.claimed_at = error[:500], None
        if row.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
            row.status = "failed"
            log.warning("notification %s failed after %s attempts: %s", row.id, row.attempts, row.last_error)
            db.session.commit()
            return Result(notification_id, "failed")
        row.status, row.next_attempt_at = "pending", now + _backoff(row.attempts)
        retry_at = row.next_attempt_at
        db.session.commit()
        return Result(notification_id, "retry", retry_at)
    row.status, row.sent_at, row.claimed_at, row.last_error = "sent", now, None, None
    db.session.commit()
    return Result(notification_id, "sent")


def deliver_due(now: datetime | None = None, limit: int = 100) -> list[Result]:
    """Send every row that is due now (the sweep: retries, quiet-hour waits, rows a runner missed)."""
    now = now or utcnow()
    return [deliver(i, now) for i in due_ids(Notification.__table__, now, limit)]


def next_due(now: datetime) -> datetime | None:
    return earliest_wait(Notification.__table__, now)
