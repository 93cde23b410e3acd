"""The signed report sent from the phone at the sign-off (issue #16), and its verification code (issue #15)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from server.domain.notify_messages import render
from server.domain.verification_code import hash_prefix, short_code
from server.models import Customer
from server.services import delivery
from server.services.sign_off import sign_off_of
from tests.office.helpers import Phone, sync_completed_visit

from .helpers import Receiver
from .helpers import notifications as rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver(app):
    receiver = Receiver()
    app.config.update(NOTIFY_CHANNELS=["sms"], SMS_URL=receiver.url, NOTIFY_QUIET_HOURS="")
    yield receiver
    receiver.close()


def send(client, wo_id, channel="sms", recipient="13900001111"):
    return client.post(f"/api/work-orders/{wo_id}/report/send", json={"channel": channel, "recipient": recipient})


def test_before_the_sign_off_is_synced_nothing_is_queued(app, world, db, client_for, receiver):
    tech = client_for("tech1")
    r = send(tech, world["wo1"].id)
    assert r.status_code == 409 and r.get_json()["reason"] == "report.not_synced"
    assert rows("report") == []


def test_a_bad_address_is_refused(app, world, db, client_for, receiver):
    sync_completed_visit(Phone(client_for("tech1")), world["wo1"].id, arrived=datetime.now(UTC) - timedelta(hours=1))
    tech = client_for("tech1")
    for channel, recipient in (("sms", "call me"), ("email", "not-an-address"), ("fax", "13900001111")):
        r = send(tech, world["wo1"].id, channel, recipient)
        assert r.status_code == 422, (channel, recipient, r.get_json())
    assert rows("report") == []


def test_the_report_goes_by_sms_once_with_its_code_and_link(app, world, db, client_for, receiver):
    wo = world["wo1"]
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=datetime.now(UTC) - timedelta(hours=1))
    code = short_code(sign_off_of(db.session, wo.id).summary_sha256)
    tech = client_for("tech1")
    first = send(tech, wo.id, recipient="139 0000 1111")
    assert first.status_code == 202 and first.get_json() == {
        "channel": "sms",
        "recipient": "13900001111",
        "queued": True,
        "status": "pending",
    }
    again = send(tech, wo.id, recipient="13900001111")  # a second tap: the same message, not a new one
    assert again.status_code == 202 and again.get_json()["queued"] is False
    (row,) = rows("report")
    assert row.recipient == "13900001111" and row.language == "zh-CN"
    assert {r.notification_id: r.outcome for r in delivery.deliver_due()}[row.id] == "sent"
    (sent,) = [m for m in receiver.accepted if m["template"] == "report"]
    assert sent["to"] == "13900001111" and code in sent["text"] and wo.ticket_no in sent["text"]
    assert "/report/" in sent["params"]["report_url"]
    # The link in the message opens the signed PDF.
    pdf = app.test_client().get(urlsplit(sent["params"]["report_url"]).path)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_an_opted_out_customer_gets_nothing(app, world, db, client_for, receiver):
    wo = world["wo1"]
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=datetime.now(UTC) - timedelta(hours=1))
    db.session.get(Customer, wo.customer_id).notify_opt_out = True
    db.session.commit()
    assert send(client_for("tech1"), wo.id).status_code == 202
    (row,) = rows("report")
    assert {r.notification_id: r.outcome for r in delivery.deliver_due()}[row.id] == "skipped"
    assert [m for m in receiver.accepted if m["template"] == "report"] == []


def test_the_report_template_in_both_languages():
    params = {"name": "张伟", "ticket": "SR-1", "code": "7K2M-Q9XD", "report_url": "https://x/report/t"}
    zh_subject, zh_body = render("report", "zh-CN", params)
    en_subject, en_body = render("report", "en", {**params, "name": "Anna Li"})
    assert "服务报告" in zh_subject and "验证码 7K2M-Q9XD" in zh_body and "https://x/report/t" in zh_body
    assert "service report" in en_subject and "verification code 7K2M-Q9XD" in en_body and "Anna Li" in en_body


def test_the_phone_and_the_server_make_the_same_code():
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(50)] + ["0" * 64, "f" * 64]
    script = (
        f"import('{ROOT / 'pwa/static/js/summary.js'}').then((m) => "
        f"console.log(JSON.stringify({json.dumps(digests)}.map(m.verificationCode))))"
    )
    phone = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert phone == [short_code(d) for d in digests]
    assert short_code("0" * 64) == "0000-0000" and short_code("f" * 64) == "ZZZZ-ZZZZ"
    for d in digests:
        assert hash_prefix(short_code(d)) == d[:10]
        assert hash_prefix(short_code(d).lower().replace("1", "l")) == d[:10]  # typed by hand
    assert hash_prefix("ABCD") is None and hash_prefix("UUUU-UUUU") is None


def test_verify_page_accepts_the_short_code(app, world, db, client_for):
    wo = world["wo1"]
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=datetime.now(UTC) - timedelta(hours=1))
    code = short_code(sign_off_of(db.session, wo.id).summary_sha256)
    page = app.test_client().get(f"/verify/{code.lower()}")
    assert page.status_code == 200 and wo.ticket_no in page.get_data(as_text=True)
    assert code in page.get_data(as_text=True)
    assert app.test_client().get("/verify/0000-0000").status_code == 404


def test_sending_is_capped_per_user(app, world, db, client_for, receiver):
    """A stolen session cannot turn the outbox into a relay: REPORT_SEND_RATE_LIMIT per user."""
    app.config["REPORT_SEND_RATE_LIMIT"] = "2 per hour"
    sync_completed_visit(Phone(client_for("tech1")), world["wo1"].id, arrived=datetime.now(UTC) - timedelta(hours=1))
    tech = client_for("tech1")
    assert send(tech, world["wo1"].id, recipient="13900001111").status_code == 202
    assert send(tech, world["wo1"].id, recipient="13900002222").status_code == 202
    third = send(tech, world["wo1"].id, recipient="13900003333")
    assert third.status_code == 429
    assert [r.recipient for r in rows("report")] == ["13900001111", "13900002222"]
    # the office is another user: its own allowance
    assert send(client_for("dispatcher"), world["wo1"].id, recipient="13900003333").status_code == 202
