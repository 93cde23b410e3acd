"""Delivery: retries with backoff and exactly-once sending, opt-out, quiet hours, both languages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.domain.notify_messages import TEMPLATES, render
from server.domain.service_day import SERVICE_TZ
from server.models import Customer, Notification, WorkOrder
from server.services import delivery, notifications

from .helpers import Receiver
from .helpers import notifications as rows

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SERVICE_TZ)  # inside the allowed hours


@pytest.fixture
def receiver(app):
    receiver = Receiver()
    app.config.update(NOTIFY_CHANNELS=["sms"], SMS_URL=receiver.url, SMS_TEMPLATES="ticket_created=SMS_100")
    yield receiver
    receiver.close()


def _queue(db, wo_id: str, template="ticket_created", trigger="t1") -> Notification:
    wo = db.session.get(WorkOrder, wo_id)
    row = notifications.queue(db.session, wo, template, trigger)
    db.session.commit()
    return row


def test_a_provider_failing_three_times_then_succeeding_sends_exactly_once(app, world, db, receiver):
    receiver.statuses = [500, 500, 500]
    row = _queue(db, world["wo1"].id)
    now = NOON
    outcomes = []
    for _ in range(6):  # sweeps at each retry's time, and more after it was sent
        outcomes += [r.outcome for r in delivery.deliver_due(now)]
        now += timedelta(hours=1)
    assert outcomes == ["retry", "retry", "retry", "sent"]
    assert len(receiver.accepted) == 1 and len(receiver.requests) == 4
    (sent,) = rows()
    assert sent.status == "sent" and sent.attempts == 4 and sent.sent_at is not None and sent.last_error is None
    payload = receiver.accepted[0]
    assert payload["to"] == "13800000001" and payload["template_id"] == "SMS_100"
    assert payload["params"]["ticket"] == world["wo1"].ticket_no and payload["idempotency_key"] == sent.idempotency_key
    assert payload["language"] == "zh-CN" and world["wo1"].ticket_no in payload["text"]
    assert delivery.deliver(row.id, now).outcome == "not_claimed"  # a sent row is never sent again
    assert len(receiver.requests) == 4


def test_retries_back_off_exponentially_and_give_up_after_the_last_attempt(app, world, db, receiver):
    app.config.update(NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_SECONDS=60)
    receiver.statuses = [500] * 10
    row = _queue(db, world["wo1"].id)
    first = delivery.deliver(row.id, NOON)
    assert first.outcome == "retry" and first.retry_at == NOON + timedelta(seconds=60)
    assert delivery.deliver(row.id, NOON + timedelta(seconds=30)).outcome == "not_claimed"  # not due yet
    second = delivery.deliver(row.id, first.retry_at)
    assert second.retry_at == first.retry_at + timedelta(seconds=120)
    assert delivery.deliver(row.id, second.retry_at).outcome == "failed"
    (failed,) = rows()
    assert failed.status == "failed" and failed.attempts == 3 and "HTTP 500" in failed.last_error
    assert delivery.deliver_due(NOON + timedelta(days=1)) == []


def test_two_workers_never_claim_the_same_row(app, world, db, receiver):
    row = _queue(db, world["wo1"].id)
    assert delivery.claim(Notification.__table__, row.id, NOON) is True
    assert delivery.claim(Notification.__table__, row.id, NOON) is False  # the other worker finds it taken
    # A claim abandoned (its worker died) is taken again only after the timeout.
    later = NOON + timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] + 1)
    assert delivery.claim(Notification.__table__, row.id, later) is True


def test_a_customer_who_opted_out_gets_nothing(app, world, db, receiver):
    customer = db.session.get(Customer, world["customers"][0].id)
    customer.notify_opt_out = True
    db.session.commit()
    _queue(db, world["wo1"].id)
    assert [r.outcome for r in delivery.deliver_due(NOON)] == ["skipped"]
    assert receiver.requests == [] and rows()[0].status == "skipped"


def test_no_message_in_quiet_hours_it_waits_until_morning(app, world, db, receiver):
    late = datetime(2026, 12, 1, 22, 30, tzinfo=SERVICE_TZ)
    row = _queue(db, world["wo1"].id)
    result = delivery.deliver(row.id, late)
    morning = datetime(2026, 12, 2, 8, 0, tzinfo=SERVICE_TZ)
    assert result.outcome == "deferred" and result.retry_at == morning
    assert delivery.deliver_due(datetime(2026, 12, 2, 7, 59, tzinfo=SERVICE_TZ)) == []  # still quiet
    assert receiver.requests == [] and rows()[0].status == "pending" and rows()[0].attempts == 0
    assert [r.outcome for r in delivery.deliver_due(morning)] == ["sent"]
    assert len(receiver.accepted) == 1


@pytest.mark.parametrize(
    "moment, quiet_until",
    [
        ("2026-12-01T20:59", None),
        ("2026-12-01T21:00", "2026-12-02T08:00"),
        ("2026-12-02T03:00", "2026-12-02T08:00"),
        ("2026-12-02T08:00", None),
    ],
)
def test_quiet_hours_wrap_midnight(moment, quiet_until):
    at = datetime.fromisoformat(moment).replace(tzinfo=SERVICE_TZ)
    until = delivery.quiet_until(at, "21:00-08:00")
    assert until == (datetime.fromisoformat(quiet_until).replace(tzinfo=SERVICE_TZ) if quiet_until else None)
    assert delivery.quiet_until(at, "") is None  # no quiet hours configured


def test_no_address_for_the_channel_is_skipped(app, world, db, receiver):
    app.config["NOTIFY_CHANNELS"] = ["email"]  # the customer has no e-mail address
    _queue(db, world["wo1"].id)
    assert [r.outcome for r in delivery.deliver_due(NOON)] == ["skipped"]
    assert rows()[0].channel == "email" and rows()[0].recipient is None


def test_an_unreachable_provider_is_retried_not_lost(app, world, db, receiver):
    receiver.close()
    row = _queue(db, world["wo1"].id)
    result = delivery.deliver(row.id, NOON)
    assert result.outcome == "retry" and rows()[0].status == "pending" and "sms" in rows()[0].last_error


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_reads_in_both_languages(template):
    params = {
        "ticket": "SR-20261201-0007",
        "name": "张伟",
        "appointment": "2026-12-02 10:00-11:00",
        "technician": "王师傅",
        "eta": "10:05",
        "track_url": "https://example.test/track/SR-20261201-0007",
        "report_url": "https://example.test/report/abc",
        "call_at": "2026-12-03 10:00",
        "service_phone": "400-820-1234",
    }
    zh_subject, zh_body = render(template, "zh-CN", params)
    en_subject, en_body = render(template, "en", params)
    assert "SR-20261201-0007" in zh_body and "SR-20261201-0007" in en_body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_body + zh_subject)
    assert all(ord(ch) < 0x3000 for ch in en_body + en_subject if ch not in "张伟王师傅")
    assert "{" not in zh_body + en_body  # every value filled in
    assert render(template, "en-GB", params) == (en_subject, en_body)  # any English locale
    assert render(template, None, params) == (zh_subject, zh_body)  # default Simplified Chinese


def test_sent_rows_are_counted_once_by_status(app, world, db, receiver):
    _queue(db, world["wo1"].id, trigger="a")
    _queue(db, world["wo1"].id, trigger="b")
    delivery.deliver_due(NOON)
    statuses = db.session.scalars(sa.select(Notification.status)).all()
    assert statuses == ["sent", "sent"] and len(receiver.accepted) == 2


def test_concurrent_sweeps_send_each_message_once(app, world, db, receiver):
    import threading

    ids = [_queue(db, world["wo1"].id, trigger=f"c{i}").id for i in range(8)]
    db.session.remove()
    results: list = []
    errors: list = []

    def sweep():
        try:
            with app.app_context():
                results.extend(delivery.deliver_due(NOON))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.notification_id for r in results if r.outcome == "sent") == sorted(ids)
    assert sorted(p["id"] for p in receiver.accepted) == sorted(ids)  # one request per message
    assert {n.status for n in rows()} == {"sent"} and {n.attempts for n in rows()} == {1}
