"""The signed service report lays out any text (issue #12, finding 6), and never logs it.

A customer-visible diagnosis of 999 newlines made the PDF (and the customer's report link)
answer 500, for good: the report is sealed. Table rows cannot break across pages, so long
cell text is now printed after its table and every text flows as page-breakable paragraphs.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from server.models import CustomerSignOff, Diagnosis
from server.reports import service_report_pdf as pdf_module
from server.reports.service_report_pdf import ReportPart, ServiceReport, chunks, render
from server.services import service_report

from .test_service_report import signed_visit  # noqa: F401  (the fixture)

NEWLINES = "换行\n" * 999
WORD = "W" * 60_000
LABELS = {
    k: k
    for k in (
        "title",
        "ticket_no",
        "verification",
        "verification_help",
        "fault_description",
        "diagnosis",
        "fault_cause",
        "repair_method",
        "parts",
        "part",
        "serial_fitted",
        "serial_removed",
        "quantity",
        "unit_price",
        "warranty",
        "fees",
        "total",
        "outcome",
        "ratings",
        "comment",
        "signature",
        "signed_by",
        "signed_at",
        "no_signature_image",
        "service_phone",
        "full_text",
    )
}


def report_with(text: str) -> ServiceReport:
    """Every free-text place of the report holds `text`."""
    return ServiceReport(
        labels=LABELS,
        ticket_no="SR-20261130-0001",
        facts=[("customer", text), ("address", "上海")],
        fault_description=text,
        diagnoses=[(text, text)],
        parts=[ReportPart("PCB-220", text, text, text, 1, "180.00", "yes")],
        fee_lines=[(text, "50.00")],
        fee_total="50.00",
        outcome=text,
        ratings=[("quality", "5 / 5")],
        comment=text,
        signer_name=text,
        signed_at="2026-11-30 10:00",
        signature_png=None,
        verification_code="a" * 64,
        verify_url="https://onsite.example/verify/" + "a" * 64,
        service_phone="400-000-0000",
        notes=[text],
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("text", [NEWLINES, WORD], ids=["999-newlines", "60000-char-word"])
def test_any_text_in_any_place_lays_out_across_pages(text, tmp_path):
    pdf = render(report_with(text))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") > 1
    if shutil.which("pdftotext"):
        printed = re.sub(r"\s", "", pdf_text(pdf, tmp_path))
        if text is WORD:  # the whole word is there, in pieces, at least once per place it was put
            assert printed.count("W") >= 60_000
        else:
            assert printed.count("换行") >= 999


def test_the_laid_out_report_falls_back_to_plain_paragraphs_rather_than_fail(monkeypatch):
    def broken(report, font):
        raise RuntimeError("layout broke")

    monkeypatch.setattr(pdf_module, "_story", broken)
    assert render(report_with("主板电容鼓包")).startswith(b"%PDF")


def test_long_text_is_cut_into_small_pieces_that_keep_every_character():
    for text in (NEWLINES, WORD, "a\n" * 10 + "b" * 5000, "", "一行"):
        pieces = chunks(text)
        assert all(len(p) <= pdf_module.FLOW_CHARS + pdf_module.FLOW_LINES for p in pieces)
        assert all(p.count("\n") < pdf_module.FLOW_LINES for p in pieces)
        assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_signed_report_with_a_999_line_diagnosis_opens_for_the_office_and_the_customer(
    app, signed_visit, client_for, db, caplog
):
    diagnosis = db.session.scalar(sa.select(Diagnosis).where(Diagnosis.work_order_id == signed_visit.id))
    diagnosis.fault_cause = NEWLINES
    diagnosis.repair_method = WORD
    db.session.commit()
    office = client_for("dispatcher")
    response = office.get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    shared = office.post(
        f"/api/office/work-orders/{signed_visit.id}/service-report/share",
        json={"channel": "sms", "recipient": "13800000001"},
    )
    path = re.sub(r"^https?://[^/]+", "", shared.get_json()["url"])
    public = app.test_client().get(path)
    assert public.status_code == 200 and public.data.startswith(b"%PDF")
    assert "换行" not in caplog.text and "WWWW" not in caplog.text


def test_a_report_that_cannot_render_logs_the_ticket_never_the_text(app, signed_visit, db, monkeypatch, caplog):
    secret = "客户说家里钥匙在门垫下"

    def failing(report, font=None):
        raise RuntimeError(f"Flowable <Paragraph>{secret} too large on page 1")

    monkeypatch.setattr(service_report, "render", failing)
    caplog.set_level(logging.INFO)
    with app.test_request_context():
        with pytest.raises(service_report.ReportNotRendered) as raised:
            service_report.pdf(signed_visit)
    assert raised.value.__suppress_context__ and raised.value.__cause__ is None
    assert secret not in str(raised.value) and secret not in caplog.text
    assert signed_visit.ticket_no in caplog.text
    assert db.session.scalar(sa.select(CustomerSignOff.id).where(CustomerSignOff.work_order_id == signed_visit.id))
