"""The money of a visit in the office and on the customer's PDF: quote lines with the reasons for
waivers and discounts, labour and travel time, and the payment with its receipt number (issue #13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quotes import fee_quote_fields

from server.models import WorkOrder

from .helpers import Phone, sync_completed_visit
from .test_pages import signed_in
from .test_service_report import first_page_text, needs_pdftotext


def paid_visit(world, db, client_for) -> WorkOrder:
    """wo2 (out of warranty) visited by tech2 with a discount, signed off, then paid by WeChat with a receipt."""
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo2"].id)
    wo.appointment_start = now - timedelta(hours=5)
    db.session.commit()
    phone = Phone(client_for("tech2"))
    sync_completed_visit(
        phone,
        wo.id,
        arrived=now - timedelta(hours=5),
        adjustments=[{"kind": "discount", "amount": "20.00", "reason": "等待时间过长"}],
    )
    phone.push(
        phone.mutation(
            "payment", {"work_order_id": wo.id, "method": "wechat", "amount": "270.00", "receipt": "receipt"}
        )
    )  # after the sign-off: the payment is not sealed by it
    return db.session.get(WorkOrder, wo.id)


@needs_pdftotext
def test_the_pdf_shows_the_discount_reason_labour_time_and_receipt_number(world, db, client_for, tmp_path):
    wo = paid_visit(world, db, client_for)
    response = client_for("dispatcher").get(f"/api/office/work-orders/{wo.id}/service-report.pdf")
    assert response.status_code == 200
    text = first_page_text(response.data, tmp_path)
    assert (
        "等待时间过长" in text and "-20.00" in text and "270.00" in text
    )  # 50 + 60 (3 started quarter hours) + 180 - 20
    # wo2's customer reads English: the report is in her language
    assert "(40 min)" in text and "Work time" in text and "25 min" in text
    assert f"R-{wo.ticket_no}" in text and "WeChat Pay" in text and "Receipt" in text


def test_the_work_order_page_shows_the_quote_and_the_payment(app, world, people, db, client_for):
    wo = paid_visit(world, db, client_for)
    html = signed_in(app, people).get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
    assert "等待时间过长" in html and "折扣" in html and "工时费" in html
    assert "40 分钟" in html and "25 分钟" in html
    assert f"R-{wo.ticket_no}" in html and "微信支付" in html and "收据" in html


def test_the_review_lists_discounts_and_fees_not_collected(app, world, people, db, client_for):
    wo = paid_visit(world, db, client_for)
    phone = Phone(client_for("tech1"))

    wo1 = world["wo1"].id
    plain = phone.mutation("fee_quote", fee_quote_fields(wo1, [("PCB-220", 1)]))
    unpaid = phone.mutation(
        "payment",
        {"work_order_id": wo1, "method": "not_collected", "amount": "0.00", "note": "客户说保修期内不应收费"},
    )
    phone.push(plain, unpaid)
    html = signed_in(app, people).get("/office/conflicts").get_data(as_text=True)
    review = html.split('id="money"', 1)[1]
    assert "等待时间过长" in review and wo.ticket_no in review
    assert "客户说保修期内不应收费" in review and "未收款" in review
    assert review.count("<tr>") == 3  # the header and two rows: the plain quote is not listed
