"""The customer's service report: a PDF with Chinese text, part serials and a code /verify confirms."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.crypto import key_id_of
from server.domain.verification_code import short_code
from server.models import CustomerSignOff, PartFitted, ReportShare, WorkOrder
from server.reports.service_report_pdf import cjk_font

from .helpers import Phone, sync_completed_visit
from .test_pages import signed_in

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


@pytest.fixture
def signed_visit(world, db, client_for):
    """wo1 visited and signed off on tech1's phone, with part serial PCB-SN-8842."""
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start = now - timedelta(hours=5)
    db.session.commit()
    sync_completed_visit(
        Phone(client_for("tech1")), wo.id, arrived=now - timedelta(hours=5), part_serial="PCB-SN-8842", ratings=(5, 4)
    )
    return db.session.get(WorkOrder, wo.id)


def first_page_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_pdftotext
def test_the_pdf_of_a_synced_visit_shows_ticket_serial_and_chinese(signed_visit, client_for, tmp_path):
    response = client_for("dispatcher").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = first_page_text(response.data, tmp_path)
    assert signed_visit.ticket_no in text
    assert "PCB-SN-8842" in text and "OLD-SN-0001" in text
    assert "服务报告" in text and "主板电容鼓包" in text and "张伟" in text
    # The short code the customer saw on the phone (issue #15), not the 64-digit hash.
    code = short_code(CustomerSignOff.query.filter_by(work_order_id=signed_visit.id).one().summary_sha256)
    assert code in text.replace("\n", "").replace(" ", "")
    assert "/verify/" + code in text.replace("\n", "").replace(" ", "")


def test_the_chinese_font_is_embedded_when_one_is_installed():
    name, embedded = cjk_font()
    if not embedded:
        pytest.skip("no TrueType CJK font installed (apt-get install fonts-wqy-zenhei); using the CID fallback")
    assert name == "OnsiteCJK"


@needs_pdftotext
def test_the_report_comes_in_english_on_request(signed_visit, client_for, tmp_path):
    response = client_for("dispatcher").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf?lang=en")
    text = first_page_text(response.data, tmp_path)
    assert "Service report" in text and "New part serial no." in text and "PCB-SN-8842" in text


def test_no_report_before_the_customer_signs(world, client_for):
    response = client_for("dispatcher").get(f"/api/office/work-orders/{world['wo1'].id}/service-report.pdf")
    assert response.status_code == 409


def test_technicians_cannot_fetch_reports(signed_visit, client_for):
    assert client_for("tech1").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf").status_code == 403


def test_verify_page_confirms_the_code_and_notices_a_change(app, signed_visit, db):
    code = db.session.query(CustomerSignOff).filter_by(work_order_id=signed_visit.id).one().summary_sha256
    public = app.test_client()  # no sign-in
    ok = public.get(f"/verify/{code}")
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "验证通过" in html and signed_visit.ticket_no in html
    assert "张*" in html and "13800000001" not in html  # the customer's name masked, phone not shown

    part = db.session.query(PartFitted).filter_by(work_order_id=signed_visit.id).one()
    part.serial_fitted = "SWAPPED"
    db.session.commit()
    changed = public.get(f"/verify/{code.upper()}").get_data(as_text=True)
    assert "签字后记录已被改动" in changed

    assert public.get("/verify/" + "0" * 64).status_code == 404
    assert public.get("/verify/not-a-code").status_code == 404


def test_a_report_link_for_the_customer_opens_without_sign_in(app, signed_visit, client_for, db):
    office = client_for("dispatcher")
    bad = office.post(
        f"/api/office/work-orders/{signed_visit.id}/service-report/share", json={"channel": "fax", "recipient": ""}
    )
    assert bad.status_code == 422 and {"channel", "recipient"} <= set(bad.get_json()["errors"])
    shared = office.post(
        f"/api/office/work-orders/{signed_visit.id}/service-report/share",
        json={"channel": "sms", "recipient": "13800000001"},
    )
    assert shared.status_code == 201
    url = shared.get_json()["url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert app.test_client().get(path[:-3] + "xyz").status_code == 404  # a forged token


def test_report_pages_for_the_dispatcher(app, people, signed_visit):
    page = signed_in(app, people)
    html = page.get(f"/office/work-orders/{signed_visit.id}").get_data(as_text=True)
    assert f"/office/work-orders/{signed_visit.id}/service-report.pdf" in html
    assert "PCB-SN-8842" in html and "OLD-SN-0001" in html and "维修质量 5/5" in html  # the visit records
    # the verification code as the customer has it on the phone and the PDF, not the raw hash
    code = short_code(CustomerSignOff.query.filter_by(work_order_id=signed_visit.id).one().summary_sha256)
    assert f">{code}</code>" in html
    assert f">{code}</code>" in page.get(f"/office/work-orders/{signed_visit.id}/service-report").get_data(as_text=True)
    pdf = page.get(f"/office/work-orders/{signed_visit.id}/service-report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    send = page.submit(
        f"/office/work-orders/{signed_visit.id}/service-report",
        f"/office/work-orders/{signed_visit.id}/service-report",
        {"channel": "wechat", "recipient": "zhangwei_wx"},
    )
    assert send.status_code == 200 and 'id="share-link"' in send.get_data(as_text=True)
    assert "zh*******wx" in send.get_data(as_text=True)  # the log shows it masked


def test_the_recipient_of_a_report_link_is_encrypted_at_rest(app, people, signed_visit, client_for, db):
    """Issue #12, finding 8: `report_shares.recipient` held the customer's mobile in plaintext."""
    office = client_for("dispatcher")
    shared = office.post(
        f"/api/office/work-orders/{signed_visit.id}/service-report/share",
        json={"channel": "sms", "recipient": "13912345678"},
    )
    assert shared.status_code == 201 and shared.get_json()["recipient"] == "13912345678"
    # (the completion's own notification carries a link too: issue #16; this is the office's)
    stored = db.session.execute(
        sa.text("SELECT recipient FROM report_shares WHERE created_by_id IS NOT NULL")
    ).scalar_one()
    assert "13912345678" not in stored and key_id_of(stored)
    db.session.expire_all()
    assert (
        db.session.scalars(sa.select(ReportShare).where(ReportShare.created_by_id.is_not(None))).one().recipient
        == "13912345678"
    )
    page = signed_in(app, people).get(f"/office/work-orders/{signed_visit.id}/service-report").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page.split('name="recipient"')[1].split("</label>", 1)[1]
