"""Web Push to technicians end to end (issue #16): through the REST API, the outbox and a local push service.

The push endpoint is started by the test (tests/notify/push_endpoint.py). It checks each
message as a push service does (the VAPID JWT's ES256 signature; its key must be the app's
public key) and decrypts it as the browser does (RFC 8291 aes128gcm, with the subscription's
private key). Nothing of ours is mocked: pywebpush encrypts, signs and POSTs for real.
"""

from __future__ import annotations

import stat
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from office.test_escalations import push_event

from server.domain.service_day import SERVICE_TZ
from server.models import PushMessage, PushSubscription
from server.services import notify_runner, push

from .helpers import drop_queue
from .push_endpoint import PushEndpoint, unb64url


@pytest.fixture
def endpoint(app, tmp_path):
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "instance" / "vapid_private.pem")
    endpoint = PushEndpoint()
    yield endpoint
    endpoint.close()


def subscribe(client, endpoint: PushEndpoint, name: str, language: str = "zh-CN"):
    body = {**endpoint.subscription(name), "label": f"{name}'s phone", "language": language}
    response = client.post("/api/push/subscriptions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def messages(db) -> list[PushMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PushMessage).order_by(PushMessage.created_at, PushMessage.kind)))


def test_the_vapid_key_pair_is_made_once_in_instance_and_kept_private(app, endpoint, client_for):
    anonymous = app.test_client().get("/api/push/vapid-public-key")
    assert anonymous.status_code == 401
    first = client_for("tech1").get("/api/push/vapid-public-key").get_json()["public_key"]
    again = client_for("tech2").get("/api/push/vapid-public-key").get_json()["public_key"]
    assert first == again
    raw = unb64url(first)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as pushManager.subscribe wants
    key_file = push.key_file(app)
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    shown = app.test_cli_runner().invoke(args=["push", "vapid"])  # `flask push vapid` shows the same key
    assert shown.exit_code == 0 and f"applicationServerKey): {first}" in shown.output and str(key_file) in shown.output


def test_a_technician_sees_and_removes_only_their_own_subscriptions(app, endpoint, client_for, db):
    tech1, tech2 = client_for("tech1"), client_for("tech2")
    mine = subscribe(tech1, endpoint, "phone1")
    theirs = subscribe(tech2, endpoint, "phone2")
    assert [s["id"] for s in tech1.get("/api/push/subscriptions").get_json()] == [mine["id"]]
    assert [s["id"] for s in tech2.get("/api/push/subscriptions").get_json()] == [theirs["id"]]
    assert tech2.delete(f"/api/push/subscriptions/{mine['id']}").status_code == 404
    assert db.session.get(PushSubscription, mine["id"]) is not None
    # The same browser subscribing again is the same subscription, not a second one.
    again = subscribe(tech1, endpoint, "phone1", language="en")
    assert again["id"] == mine["id"] and again["language"] == "en"
    assert tech1.delete(f"/api/push/subscriptions/{mine['id']}").status_code == 204
    assert tech1.get("/api/push/subscriptions").get_json() == []
    bad = tech1.post(
        "/api/push/subscriptions", json={**endpoint.subscription("x"), "keys": {"p256dh": "AAAA", "auth": "x"}}
    )
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) >= {"p256dh", "auth"}


def test_only_https_push_services_outside_tests(app, endpoint, client_for, db):
    """A subscription cannot aim the server's sender at an internal plain-http address."""
    app.config["PUSH_ENDPOINT_PLAIN_HTTP"] = False
    tech1 = client_for("tech1")
    inside = {**endpoint.subscription("x"), "endpoint": "http://127.0.0.1:6379/"}
    refused = tech1.post("/api/push/subscriptions", json=inside)
    assert refused.status_code == 422 and "endpoint" in refused.get_json()["errors"]
    assert db.session.query(PushSubscription).count() == 0
    https = {**endpoint.subscription("x"), "endpoint": "https://fcm.googleapis.com/fcm/send/abc"}
    assert tech1.post("/api/push/subscriptions", json=https).status_code == 201


def test_a_reassignment_reaches_both_technicians_encrypted_and_signed_with_the_apps_key(
    app, endpoint, client_for, world, db
):
    """The new technician reads it in Chinese, the former in English (each phone's language)."""
    app.config["NOTIFY_QUEUE"] = "inline"  # the embedded runner: a thread sends after the commit
    subscribe(client_for("tech1"), endpoint, "phone1", language="en")
    subscribe(client_for("tech2"), endpoint, "phone2", language="zh-CN")
    wo = world["wo1"]
    response = client_for("dispatcher").post(
        f"/api/work-orders/{wo.id}/assign",
        json={"technician_id": world["wo2"].technician_id, "reason": "王师傅请假", "customer_consent": True},
    )
    assert response.status_code == 200, response.get_json()
    ticket_no, wo_id = wo.ticket_no, wo.id
    db.session.remove()  # the test's long-lived session would hold SQLite's write lock (a request's ends with it)
    notify_runner.InlineRunner.of(app, push.OUTBOX).wait()
    got = endpoint.delivered()
    assert len(got) == 2
    by_phone = {r.browser: r for r in got}
    new, former = by_phone["phone2"].payload, by_phone["phone1"].payload
    assert new["title"] == f"改派给您：服务单 {ticket_no}" and "预约时间" in new["body"]
    assert new["url"] == f"/app/jobs/{wo_id}" and new["kind"] == "reassigned_to"
    assert former["title"] == f"Job {ticket_no} reassigned" and "another technician" in former["body"]
    assert former["url"] == "/app"
    app_key = push.public_key(app)
    for r in got:
        assert r.signature_ok and r.vapid_key == app_key
        assert r.vapid_claims["aud"] == endpoint.origin and r.vapid_claims["sub"].startswith("mailto:")
        assert r.vapid_claims["exp"] > datetime.now().timestamp()
        assert r.headers["content-encoding"] == "aes128gcm" and int(r.headers["ttl"]) > 0
    assert {m.status for m in messages(db)} == {"sent"}


def test_new_job_reschedule_and_escalation_decision_each_reach_the_technician(
    app, endpoint, client_for, world, people, db
):
    tech1 = client_for("tech1")
    subscribe(tech1, endpoint, "phone1", language="en")
    office = client_for("dispatcher")
    created = office.post(
        "/api/work-orders/",
        json={
            "customer_id": world["customers"][0].id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": "漏水",
            "technician_id": people["tech1"].id,
        },
    )
    assert created.status_code == 201, created.get_json()
    wo = world["wo1"]
    start = datetime.combine(datetime.now(SERVICE_TZ).date() + timedelta(days=2), datetime.min.time(), SERVICE_TZ)
    start += timedelta(hours=15)
    moved = office.post(
        f"/api/office/work-orders/{wo.id}/reschedule",
        json={
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(hours=1)).isoformat(),
            "reason": "客户改时间",
            "customer_consent": True,
        },
    )
    assert moved.status_code == 200, moved.get_json()
    push_event(tech1, wo.id, "escalated", note="客户坚持要求减免 180.00 元")
    case = office.get("/api/office/escalations").get_json()[0]
    decided = office.post(
        f"/api/office/escalations/{case['id']}/decide", json={"decision": "approved", "text": "同意减免"}
    )
    assert decided.status_code == 200, decided.get_json()
    assert push.deliver_due() == ["sent", "sent", "sent"]
    payloads = [r.payload for r in endpoint.delivered("phone1")]
    assert [p["kind"] for p in payloads] == ["assigned", "rescheduled", "escalation_decided"]
    new_job, rescheduled, decision = payloads
    assert new_job["title"] == f"New job {created.get_json()['ticket_no']}"
    assert new_job["url"] == f"/app/jobs/{created.get_json()['id']}"
    assert rescheduled["body"] == f"The appointment for ticket no. {wo.ticket_no} is now {start:%Y-%m-%d} 15:00-16:00."
    assert decision["body"].startswith(
        f"The company decided on your escalation for ticket no. {wo.ticket_no}: Approved."
    )
    assert "同意减免" in decision["body"] and decision["url"] == f"/app/jobs/{wo.id}"


def test_a_change_that_rolls_back_pushes_nothing(app, endpoint, client_for, world, people, db):
    subscribe(client_for("tech2"), endpoint, "phone2")
    from server.services import dispatch

    wo = world["wo1"]
    dispatch.assign(wo, people["tech2"].id, people["dispatcher"], "试一下", True)
    assert [m.kind for m in messages(db)] == ["reassigned_to"]  # in the transaction, not yet committed
    db.session.rollback()
    assert messages(db) == []
    assert push.deliver_due() == [] and endpoint.received == []


def test_a_failing_push_service_is_retried_and_sends_exactly_once(app, endpoint, client_for, world, people, db):
    app.config.update(NOTIFY_RETRY_SECONDS=60, NOTIFY_MAX_ATTEMPTS=5)
    subscribe(client_for("tech2"), endpoint, "phone2")
    endpoint.statuses["phone2"] = [500, 503, 429]
    from server.services import dispatch

    dispatch.assign(world["wo1"], people["tech2"].id, people["dispatcher"], "顺路", True)
    db.session.commit()
    (row,) = messages(db)
    now = datetime.now(SERVICE_TZ)
    outcomes = [push.deliver(row.id, now)[0]]
    for minutes in (1, 3, 7, 15, 31):
        outcomes.append(push.deliver(row.id, now + timedelta(minutes=minutes))[0])
    assert outcomes == ["retry", "retry", "retry", "sent", "not_claimed", "not_claimed"]
    assert len(endpoint.delivered("phone2")) == 1
    (row,) = messages(db)
    assert row.status == "sent" and row.attempts == 4


def test_a_subscription_the_push_service_calls_gone_is_removed(app, endpoint, client_for, world, people, db):
    sub = subscribe(client_for("tech2"), endpoint, "phone2")
    endpoint.statuses["phone2"] = [410]
    from server.services import dispatch

    dispatch.assign(world["wo1"], people["tech2"].id, people["dispatcher"], "顺路", True)
    db.session.commit()
    assert push.deliver_due() == ["gone"]
    db.session.expire_all()
    assert db.session.get(PushSubscription, sub["id"]) is None
    (row,) = messages(db)
    assert row.status == "gone" and row.subscription_id is None and "410" in row.last_error
    # Nothing more is queued for that browser.
    dispatch.reschedule(
        world["wo1"], datetime.now(SERVICE_TZ) + timedelta(days=3), None, people["dispatcher"], "改约", True
    )
    db.session.commit()
    assert len(messages(db)) == 1


def test_on_rq_the_worker_delivers_the_push_and_retries_it_at_its_time(app, endpoint, client_for, world, people, db):
    """Production's runner: the row becomes an RQ job on Redis after the commit; a failure is re-enqueued."""
    import secrets

    redis_mod = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    from server.services import dispatch, notify_runner

    app.config.update(NOTIFY_QUEUE="rq", NOTIFY_RQ_QUEUE=f"onsite-push-test-{secrets.token_hex(6)}")
    try:
        notify_runner.redis_connection(app).ping()
    except redis_mod.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = notify_runner.rq_queue(app)
    try:
        subscribe(client_for("tech2"), endpoint, "phone2")
        endpoint.statuses["phone2"] = [503]
        dispatch.assign(world["wo1"], people["tech2"].id, people["dispatcher"], "顺路", True)
        assert queue.count == 0  # nothing before the commit
        db.session.commit()
        assert queue.count == 1
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        (row,) = messages(db)
        assert row.status == "pending" and row.attempts == 1 and endpoint.delivered() == []
        assert queue.scheduled_job_registry.count == 1  # the retry, enqueued for its time
        db.session.execute(sa.update(PushMessage).values(next_attempt_at=None))
        db.session.commit()
        queue.enqueue(push.deliver_job, row.id)
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        (row,) = messages(db)
        assert row.status == "sent" and [r.payload["kind"] for r in endpoint.delivered()] == ["reassigned_to"]
    finally:
        drop_queue(queue)


def test_the_office_sees_each_job_alert_and_how_its_delivery_went(app, endpoint, client_for, world, people, db):
    """The dispatcher can tell whether the technician's phone was told of the change (and act if not)."""
    from server.services import dispatch
    from tests.office.test_pages import signed_in

    subscribe(client_for("tech1"), endpoint, "phone1")
    subscribe(client_for("tech2"), endpoint, "phone2")
    endpoint.statuses["phone1"] = [500]  # the former technician's push service fails once
    dispatch.assign(world["wo1"], people["tech2"].id, people["dispatcher"], "顺路", True)
    db.session.commit()
    wo_id = world["wo1"].id
    now = datetime.now(SERVICE_TZ)
    assert sorted(push.deliver(m.id, now)[0] for m in messages(db)) == ["retry", "sent"]
    page = signed_in(app, people)
    section = page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True).split('id="job-alerts"')[1]
    section = section.split("</section>")[0]
    assert "服务单提醒" in section
    rows = {row.split("</tr>")[0] for row in section.split("<tr ")[1:]}
    sent = next(r for r in rows if 'data-kind="reassigned_to"' in r)
    waiting = next(r for r in rows if 'data-kind="reassigned_from"' in r)
    assert people["tech2"].name in sent and "已发送" in sent and "<td>1</td>" in sent
    assert people["tech1"].name in waiting and "等待发送" in waiting and "下次发送" in waiting
    page.get("/office/lang/en?next=/office/board")
    english = page.get(f"/office/work-orders/{wo_id}").get_data(as_text=True).split('id="job-alerts"')[1]
    assert "Job alerts" in english and "Job reassigned to them" in english
