"""E-mail over real SMTP (aiosmtpd started by the test), with the signed service report attached."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest

from server.models import Customer
from server.services import delivery
from tests.office.helpers import Phone, sync_completed_visit
from tests.office.test_service_report import first_page_text, needs_pdftotext

from .helpers import free_port
from .helpers import notifications as rows

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        NOTIFY_CHANNELS=["email", "sms"],
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_FROM="Onsite <service@onsite.test>",
        NOTIFY_QUIET_HOURS="",
    )
    yield inbox
    controller.stop()


@needs_pdftotext
def test_completion_mails_the_signed_report_pdf(app, world, db, client_for, smtp, tmp_path):
    customer = db.session.get(Customer, world["customers"][0].id)
    customer.email = "zhang.wei@example.test"
    db.session.commit()
    now = datetime.now(UTC)
    sync_completed_visit(
        Phone(client_for("tech1")), world["wo1"].id, arrived=now - timedelta(hours=2), part_serial="PCB-SN-4242"
    )
    (done,) = rows("completed")
    assert done.channel == "email" and done.recipient == "zhang.wei@example.test"
    results = {r.notification_id: r.outcome for r in delivery.deliver_due()}
    assert results[done.id] == "sent"
    mails = [m for m in smtp.messages if m[1] == ["zhang.wei@example.test"]]
    completed = [email.message_from_bytes(m[2], policy=email.policy.default) for m in mails]
    (mail,) = [m for m in completed if world["wo1"].ticket_no in m["Subject"] and "已完成" in m["Subject"]]
    assert mail["From"] == "Onsite <service@onsite.test>"
    assert done.params["report_url"] in mail.get_body(("plain",)).get_content()
    (pdf,) = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"service-report-{world['wo1'].ticket_no}.pdf"
    text = first_page_text(pdf.get_content(), tmp_path)
    assert "服务报告" in text and world["wo1"].ticket_no in text and "PCB-SN-4242" in text and "张伟" in text


def test_an_smtp_server_that_is_down_means_a_retry(app, world, db, smtp):
    customer = db.session.get(Customer, world["customers"][0].id)
    customer.email = "zhang.wei@example.test"
    db.session.commit()
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    from server.models import WorkOrder
    from server.services import notifications

    row = notifications.queue(db.session, db.session.get(WorkOrder, world["wo1"].id), "ticket_created", "x")
    db.session.commit()
    result = delivery.deliver(row.id)
    assert result.outcome == "retry" and "SMTP" in rows()[0].last_error and smtp.messages == []
