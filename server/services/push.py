"""Web Push to technicians (issue #16): VAPID keys, subscriptions, the push outbox and its delivery.

- **Keys**: one VAPID key pair (P-256, RFC 8292) for the app, generated into `instance/`
  (VAPID_KEY_FILE, default instance/vapid_private.pem, mode 600) on first use and never
  committed; `flask --app server push vapid` makes or shows it. Browsers subscribe with its
  public key (GET /api/push/vapid-public-key), and the push service checks each message's
  VAPID JWT against it.
- **Subscriptions**: one row per browser, owned by the signed-in user who made it; a user
  sees and removes only their own. The same browser subscribing again (same endpoint) is
  the same row, now the current user's (a shared phone signed in by someone else).
- **Outbox**: a job change queues one `push_messages` row per subscription of the technician
  concerned, in the same transaction as the change (hooks below, called from the same write
  paths as the customer notifications), so a change that rolls back pushes nothing. After the
  commit the rows go to the same runner as customer notifications (NOTIFY_QUEUE: inline
  thread, RQ job, or only the `flask push deliver-due` sweep).
- **Delivery**: claim with a conditional UPDATE (one sender), send (server/services/
  notify_channels.WebPushChannel), retry with backoff (NOTIFY_RETRY_SECONDS x 2^(n-1), up to
  NOTIFY_MAX_ATTEMPTS). A push service answering 404/410 means the subscription is gone:
  it is removed and its waiting messages marked `gone`. No quiet hours: it is the
  technician's work phone, and the message is about their working day.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.errors import M_, Invalid, NotFound
from ..domain.notify_messages import language_of
from ..domain.push_messages import render
from ..domain.service_day import format_local
from ..extensions import db
from ..models import Escalation, PushMessage, PushSubscription, User, WorkOrder, new_id, utcnow
from . import notify_runner
from .delivery import claim, due_ids, earliest_wait
from .notify_channels import DeliveryError, SubscriptionGone, WebPushChannel

TTL_SECONDS = 24 * 3600  # a phone off for a day still gets the message when it comes back


# ---------------------------------------------------------------- VAPID keys


def key_file(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config["VAPID_KEY_FILE"]
    return Path(configured or Path(app.instance_path) / "vapid_private.pem")


_key_lock = threading.Lock()


def ensure_keys(app: Flask | None = None) -> Path:
    """The VAPID private key file, generated (mode 600) if there is none yet."""
    from py_vapid import Vapid02

    path = key_file(app)
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            vapid = Vapid02()
            vapid.generate_keys()
            pem = vapid.private_pem()
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                return path
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    return path


def public_key(app: Flask | None = None) -> str:
    """The application server key browsers subscribe with: the uncompressed P-256 point, base64url."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from py_vapid import Vapid02

    vapid = Vapid02.from_file(str(ensure_keys(app)))
    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _channel() -> WebPushChannel:
    config = current_app.config
    subject = config["VAPID_SUBJECT"]
    return WebPushChannel(str(ensure_keys()), subject, TTL_SECONDS, config["NOTIFY_HTTP_TIMEOUT"])


# ---------------------------------------------------------------- subscriptions (one's own only)


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def subscribe(user: User, endpoint: str, p256dh: str, auth: str, label: str | None, language: str | None):
    """Record (or refresh) this browser's subscription as `user`'s; the caller commits."""
    fields = {}
    schemes = ("https://", "http://") if current_app.config.get("PUSH_ENDPOINT_PLAIN_HTTP") else ("https://",)
    if not endpoint.startswith(schemes):
        fields["endpoint"] = [M_("Must be the push service's URL (https).")]
    key = _b64url_bytes(p256dh)
    if key is None or len(key) != 65 or key[0] != 4:
        fields["p256dh"] = [M_("Must be the browser's P-256 public key.")]
    secret = _b64url_bytes(auth)
    if secret is None or len(secret) != 16:
        fields["auth"] = [M_("Must be the browser's 16-byte authentication secret.")]
    if fields:
        raise Invalid("push.subscription_invalid", M_("The push subscription is not valid."), fields=fields)
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    sub = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint_hash == digest))
    if sub is None:
        sub = PushSubscription(endpoint=endpoint, endpoint_hash=digest)
        db.session.add(sub)
    sub.user_id, sub.p256dh, sub.auth = user.id, p256dh, auth
    sub.label = (label or "").strip()[:120] or None
    sub.language = language
    db.session.flush()
    return sub


def subscriptions_of(user: User) -> list[PushSubscription]:
    stmt = sa.select(PushSubscription).where(PushSubscription.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(PushSubscription.created_at, PushSubscription.id)))


def own_subscription(user: User, subscription_id: str) -> PushSubscription:
    sub = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.id == subscription_id, PushSubscription.user_id == user.id)
    )
    if sub is None:
        raise NotFound("push.unknown", M_("No push subscription with id %(id)s among yours."), {"id": subscription_id})
    return sub


def unsubscribe(sub: PushSubscription) -> None:
    """Forget the subscription; messages still waiting for it are dropped (`gone`). Caller commits."""
    _drop(sub, "unsubscribed")


def _drop(sub: PushSubscription, why: str) -> None:
    t = PushMessage.__table__
    db.session.execute(
        sa.update(t)
        .where(t.c.subscription_id == sub.id, t.c.status.in_(("pending", "sending")))
        .values(status="gone", claimed_at=None, last_error=why)
    )
    db.session.delete(sub)


# ---------------------------------------------------------------- the outbox: hooks from the write paths


def _key(subscription_id: str, kind: str, trigger_id: str) -> str:
    return hashlib.sha256(f"{subscription_id}|{kind}|{trigger_id}".encode()).hexdigest()


def _appointment(wo: WorkOrder) -> str:
    if not wo.appointment_start:
        return ""
    text = format_local(wo.appointment_start)
    return f"{text}-{format_local(wo.appointment_end, '%H:%M')}" if wo.appointment_end else text


def queue(session: Session, user_id: str | None, wo: WorkOrder, kind: str, trigger_id: str, **extra) -> list:
    """Queue `kind` about `wo` for each browser `user_id` subscribed; the caller commits."""
    if not user_id:
        return []
    if wo.id is None:  # a work order being created: its id now, so the message can point at it
        wo.id = new_id()
    user = session.get(User, user_id)
    subs = session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id == user_id)).all()
    params = {"ticket": wo.ticket_no, "appointment": _appointment(wo), **extra}
    # The former technician's phone no longer has the job: a tap opens the job list.
    url = "/app" if kind == "reassigned_from" else f"/app/jobs/{wo.id}"
    rows = []
    for sub in subs:
        key = _key(sub.id, kind, str(trigger_id))
        if session.scalar(sa.select(PushMessage.id).where(PushMessage.idempotency_key == key)) is not None:
            continue
        language = sub.language or (user.locale if user else None)
        title, body = render(kind, language, params)
        row = PushMessage(
            user_id=user_id,
            subscription_id=sub.id,
            work_order_id=wo.id,
            kind=kind,
            trigger_id=str(trigger_id)[:120],
            idempotency_key=key,
            language=language_of(language),
            title=title[:200],
            body=body,
            url=url,
            status="pending",
            attempts=0,
        )
        try:
            with session.begin_nested():  # a concurrent twin's unique key: keep theirs
                session.add(row)
        except IntegrityError:
            continue
        notify_runner.note(session, OUTBOX, row.id)
        rows.append(row)
    return rows


def job_assigned(session: Session, wo: WorkOrder, previous_id: str | None, trigger_id: str | None = None) -> None:
    """Assignment (new job) or reassignment (改派): the new technician, and the former one.

    Each assignment is its own trigger (a job handed back and forth is news each time).
    """
    trigger_id = trigger_id or new_id()
    if previous_id and previous_id != wo.technician_id:
        queue(session, wo.technician_id, wo, "reassigned_to", trigger_id)
        queue(session, previous_id, wo, "reassigned_from", trigger_id)
    else:
        queue(session, wo.technician_id, wo, "assigned", trigger_id)


def job_rescheduled(session: Session, wo: WorkOrder) -> None:
    """A new appointment (改约) agreed by the office: the technician's day changed."""
    start = wo.appointment_start.isoformat() if wo.appointment_start else "none"
    end = wo.appointment_end.isoformat() if wo.appointment_end else "none"
    queue(session, wo.technician_id, wo, "rescheduled", f"{start}|{end}")


def escalation_decided(session: Session, case: Escalation) -> None:
    """The company decided on what the technician reported (seed 003 §三(七)2: they follow it)."""
    wo = case.work_order or session.get(WorkOrder, case.work_order_id)
    technician = wo.technician_id or case.reported_by_id
    text = (case.decision_text or "")[:120]
    queue(session, technician, wo, "escalation_decided", case.id, decision=case.decision, text=text)


def of_work_order(work_order_id: str) -> list[PushMessage]:
    stmt = sa.select(PushMessage).where(PushMessage.work_order_id == work_order_id)
    return list(db.session.scalars(stmt.order_by(PushMessage.created_at)))


# ---------------------------------------------------------------- delivery


def payload(row: PushMessage) -> dict:
    """What the service worker gets (pwa/static/js/push.js shows it and pulls)."""
    return {
        "title": row.title,
        "body": row.body,
        "url": row.url,
        "tag": f"job-{row.work_order_id}",
        "kind": row.kind,
        "work_order_id": row.work_order_id,
        "id": row.id,
    }


def deliver(message_id: str, now: datetime | None = None) -> tuple[str, datetime | None]:
    """Try to send one row now; commits. (outcome, retry at): sent | retry | failed | gone | not_claimed."""
    now = now or utcnow()
    config = current_app.config
    if not claim(PushMessage.__table__, message_id, now):  # the customer outbox's claim
        return "not_claimed", None
    row = db.session.get(PushMessage, message_id, populate_existing=True)
    sub = db.session.get(PushSubscription, row.subscription_id) if row.subscription_id else None
    if sub is None:
        row.status, row.claimed_at, row.last_error = "gone", None, "unsubscribed"
        db.session.commit()
        return "gone", None
    try:
        _channel().send_to(sub.info(), payload(row))
    except SubscriptionGone as exc:
        row.last_error = str(exc)
        _drop(sub, str(exc))  # the browser unsubscribed or the subscription expired: never again
        db.session.commit()
        return "gone", None
    except Exception as exc:  # any other failure is this attempt's; the row says why
        row.last_error = (str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__)[:500]
        row.claimed_at = None
        if row.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
            row.status = "failed"
            db.session.commit()
            return "failed", None
        retry_at = now + timedelta(seconds=config["NOTIFY_RETRY_SECONDS"] * 2 ** max(row.attempts - 1, 0))
        row.status, row.next_attempt_at = "pending", retry_at
        db.session.commit()
        return "retry", retry_at
    row.status, row.sent_at, row.claimed_at, row.last_error = "sent", now, None, None
    sub.last_sent_at = now
    db.session.commit()
    return "sent", None


def deliver_due(now: datetime | None = None, limit: int = 100) -> list[str]:
    """Send every row that is due (retries, rows no runner took); the outcomes."""
    now = now or utcnow()
    return [deliver(i, now)[0] for i in due_ids(PushMessage.__table__, now, limit)]


def next_due(now: datetime) -> datetime | None:
    return earliest_wait(PushMessage.__table__, now)


def deliver_job(message_id: str) -> str:
    """The RQ job (run by `flask notify worker`) for a push message."""
    return notify_runner.run_job(OUTBOX, message_id)


OUTBOX = notify_runner.Outbox("push", deliver, deliver_due, next_due, deliver_job)
