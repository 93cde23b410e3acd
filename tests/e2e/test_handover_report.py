"""The hand-over the customer understands (issue #15) and the report in their hands (issue #16).

On a 360×740 touch phone, in the customer's language: rating scales that say which end is
good; a summary with the product, the date, the technician's name and badge number and a
short verification code (no hash); a signature pad the width of the screen; after signing,
a "hand the phone back" end, a QR code of the report's link (decoded here with ZXing, the
decoder the PWA already vendors, independent of the encoder), and sending the report by
SMS and e-mail through the outbox to the local receivers the notification tests use. The
tracking page behind the link says the report is on its way until the phone has synced.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.notify.helpers import Receiver, free_port

from .conftest import start_live, stop_live
from .helpers import go_offline, go_online, sign_in, wait_synced, wait_worker_ready
from .test_accessibility import axe_violations
from .test_offline_visit import draw_signature

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
HEX_RUN = re.compile(r"[0-9a-f]{16}")  # any hash-like run of hex digits

DECODE_QR_JS = """async () => {
  const VENDOR = new URL('/static/vendor/barcode-detector/', location.origin);
  const mod = await import(new URL('ponyfill.js', VENDOR).href);
  mod.prepareZXingModule({ overrides: { locateFile: (p, prefix) => (p.endsWith('.wasm') ? new URL(p, VENDOR).href : prefix + p) },
                           fireImmediately: true });
  const found = await new mod.BarcodeDetector({ formats: ['qr_code'] }).detect(document.getElementById('report-qr'));
  return found.map((f) => f.rawValue);
}"""


class Inbox:
    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def providers():
    sms = Receiver()
    inbox = Inbox()
    smtp = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield sms, inbox, smtp.port
    smtp.stop()
    sms.close()


@pytest.fixture
def shop(tmp_path, providers):
    sms, _, smtp_port = providers
    server = start_live(
        tmp_path,
        NOTIFY_QUEUE="inline",
        NOTIFY_CHANNELS=["sms", "email"],
        NOTIFY_QUIET_HOURS="",
        SMS_URL=sms.url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_FROM="Onsite <service@onsite.test>",
    )
    from server.extensions import db
    from server.models import User

    with server.app.app_context():
        db.session.get(User, server.seed.tech_id).badge_no = "SH-0042"
        db.session.commit()
    yield server
    stop_live(server)


def wait_for(page, check, timeout_ms: int = 15_000):
    for _ in range(timeout_ms // 200):
        value = check()
        if value:
            return value
        page.wait_for_timeout(200)
    return check()


def to_handover(page, base: str, wo: str) -> None:
    """There (with the apology when late) and the outcome recorded: the customer's turn."""
    page.goto(f"{base}/app/jobs/{wo}/travel")
    page.click("#depart")
    page.wait_for_selector("#depart:disabled")
    page.click("#arrive")
    page.wait_for_selector("#apology-form, section[data-step='travel'] #step-done")
    if page.locator("#apology-form").count():
        page.fill("#apology-form input[name=note]", "堵车")
        page.click("#apology-save")
        page.wait_for_selector("#apology-form", state="detached")
    page.goto(f"{base}/app/jobs/{wo}/outcome")
    page.check("#outcome-not_fixed")
    page.click("#outcome-save")
    page.wait_for_selector("#current-outcome")
    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#signoff-form[data-ready='true']")


def check_summary(page, *, model: str, serial: str, low: str, high: str, very_satisfied: str) -> str:
    """What the customer reads before signing; returns the verification code shown."""
    for name in ("rating_quality", "rating_attitude"):
        block = page.locator(f"#scale-{name}").inner_text()
        assert low in block and high in block, block
        assert very_satisfied in page.get_attribute(f"#rate-{name} input[value='5']", "aria-label")
        assert very_satisfied in page.locator(f"#rate-{name} label:has(input[value='5'])").inner_text()
    assert model in page.inner_text("#summary-product")
    assert page.inner_text("#summary-serial") == serial
    # the service day where the visit is (UTC+8), not the machine's UTC date
    assert page.inner_text("#summary-date") == datetime.now(timezone(timedelta(hours=8))).date().isoformat()
    assert page.inner_text("#summary-technician") == "王师傅"
    assert page.inner_text("#summary-badge") == "SH-0042"
    page.wait_for_function(
        "() => /^[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(document.getElementById('verification-code').textContent)"
    )
    code = page.inner_text("#verification-code")
    assert CODE.match(code), code
    text = page.inner_text("main")
    assert not HEX_RUN.search(text) and "指纹" not in text and "fingerprint" not in text.lower()
    pad = page.locator("#signature-pad").bounding_box()
    assert pad["width"] >= 0.9 * 360 and pad["height"] >= 250, pad  # most of the width, a comfortable height
    return code


def sign(page) -> None:
    page.click("#rate-rating_quality label:has(input[value='5'])")
    page.click("#rate-rating_attitude label:has(input[value='4'])")
    draw_signature(page)
    page.click("#signoff-submit")
    page.wait_for_selector("#handback")


def decoded_qr(page) -> str:
    page.wait_for_selector("#report-qr[data-ready='true']")
    (value,) = page.evaluate(DECODE_QR_JS)
    return value


def test_zh_hand_over_offline_then_the_report_by_qr_sms_and_email(shop, browser, providers):
    sms, inbox, _ = providers
    page = browser.page()  # 360×740, touch, zh-CN; the customer 张伟 reads Chinese
    base, wo = shop.url, shop.seed.wo_in_warranty
    ticket = shop.seed.tickets[wo]
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(shop, browser.context)
    page.wait_for_selector("#net-state.off")

    to_handover(page, base, wo)
    code = check_summary(
        page, model="AC-3000", serial="AC3K-0001", low="1 = 非常不满意", high="5 = 非常满意", very_satisfied="非常满意"
    )
    found = axe_violations(page, "handover/zh")
    sign(page)
    assert "请把手机交还给技术员" in page.inner_text("#handback")
    assert page.inner_text("#verification-code") == code  # the code signed is the code shown
    assert not HEX_RUN.search(page.inner_text("main"))
    assert "4 (满意)" in page.inner_text("#handover")
    page.wait_for_selector("#report-qr[data-ready='true']")  # drawn offline, from the precached library
    assert found + axe_violations(page, "handover/zh/signed") == []

    # Offline, sending says so (the QR code needs no network).
    page.click("#report-send")
    page.wait_for_selector("#report-send-status.error")
    assert "离线" in page.inner_text("#report-send-status")

    # Back online, but the entries cannot reach the server yet: the link says the report is on its way.
    shop.block("/api/sync")
    go_online(shop, browser.context)
    link = decoded_qr(page)
    assert link == f"{base}/track/{ticket}?report=1"
    customer = browser.context.new_page()
    customer.goto(link)
    customer.fill("#digits", "0001")
    customer.click("#track-form button[type=submit]")
    customer.wait_for_selector("#track-facts")
    assert "正在路上" in customer.inner_text("#track-report-pending")
    assert customer.locator("#track-report").count() == 0

    # Synced: the same link shows the report and the same verification code.
    shop.block()
    wait_synced(page, timeout=30_000)
    customer.reload()
    customer.wait_for_selector("#track-report")
    assert code in customer.inner_text("#track-code")
    assert customer.locator("#track-report-pending").count() == 0

    # By SMS to the number on file (filled in), then by e-mail to an address the customer gives.
    assert page.input_value("#report-recipient") == "13800000001"
    page.click("#report-send")
    page.wait_for_selector("#report-send-status.okmsg:has-text('13800000001')")
    (message,) = wait_for(page, lambda: [m for m in sms.accepted if m["template"] == "report"])
    assert message["to"] == "13800000001" and code in message["text"] and ticket in message["text"]
    assert f"{base}/report/" in message["text"]  # a 30-day link to the signed PDF
    page.click("#report-via-email")
    page.fill("#report-recipient", "zhang.wei@example.test")
    page.click("#report-send")
    page.wait_for_selector("#report-send-status.okmsg:has-text('zhang.wei@example.test')")
    (raw,) = wait_for(page, lambda: inbox.messages)
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["To"] == "zhang.wei@example.test" and ticket in mail["Subject"]
    assert code in mail.get_body(("plain",)).get_content()
    (pdf,) = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.get_content(), capture_output=True, check=True).stdout
        text = text.decode()
        assert code in text and "SH-0042" in text and "王师傅" in text

    # A second tap sends nothing more.
    page.click("#report-send")
    page.wait_for_selector("#report-send-status.okmsg")
    page.wait_for_timeout(500)
    assert len(inbox.messages) == 1

    page.click("#back-to-technician")
    page.wait_for_selector("section[data-step='complete']")
    assert browser.errors == []
    assert browser.csp_violations() == []


def test_en_hand_over_is_labelled_and_ends_with_the_report_qr(shop, browser):
    page = browser.page()  # the phone in Chinese; Anna Li reads English
    base, wo = shop.url, shop.seed.wo_out_of_warranty
    sign_in(page, base)
    wait_synced(page)
    to_handover(page, base, wo)
    assert page.get_attribute("#handover", "lang") == "en"
    check_summary(
        page,
        model="WM-800",
        serial="WM8-0002",
        low="1 = very dissatisfied",
        high="5 = very satisfied",
        very_satisfied="Very satisfied",
    )
    found = axe_violations(page, "handover/en")
    sign(page)
    assert "Please hand the phone back to the technician" in page.inner_text("#handback")
    assert "4 (Satisfied)" in page.inner_text("#handover")
    assert decoded_qr(page) == f"{base}/track/{shop.seed.tickets[wo]}?report=1"
    assert "Send the report" in page.inner_text("#report-send")
    assert found + axe_violations(page, "handover/en/signed") == []
    assert browser.errors == []
