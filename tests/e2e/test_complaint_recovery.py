"""A dispatcher takes a complaint in the office, gives it an owner, logs the first contact and the
investigation, records the remedy, resolves it and, days later, the customer's re-rating
(issue #14; seed 002 steps 1-4)."""

from __future__ import annotations

from datetime import timedelta

from .conftest import PASSWORD

DISPATCHER = "dispatch@e2e.onsite"


def test_a_dispatcher_works_a_complaint_from_intake_to_re_rating(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    ticket = live.seed.tickets[wo]
    page.goto(f"{base}/office/login")
    page.fill("input[name=email]", DISPATCHER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/office/**")

    page.goto(f"{base}/office/recovery")
    page.fill("#f-ticket_no", ticket)
    page.select_option("#f-channel", "wechat")
    page.select_option("#f-severity", "important")
    page.select_option("#f-owner_id", label="客服小张")
    page.fill("#f-description", "师傅迟到两小时且未提前告知")
    page.click("#complaint-save")
    page.wait_for_selector("#case-state")
    assert "重要" in page.inner_text("#case-state") and "微信" in page.inner_text("#case-state")
    assert page.inner_text("#owner-name") == "客服小张"

    page.fill("#f-contact-note", "已致电客户致歉，说明原因")
    page.click("#contact-save")
    page.wait_for_selector("#contacted-at")
    page.fill("#f-notes", "查派单记录：前一单超时，未通知客户")
    page.click("#investigation-save")
    page.wait_for_selector("#investigation-notes")
    assert "前一单超时" in page.inner_text("#investigation-notes")
    page.fill("#f-root_cause", "派单未预留路途时间")
    page.fill("#f-solution", "主管致电致歉并调整派单规则")
    page.fill("#f-compensation", "免下次上门费")
    page.fill("#f-compensation_amount", "50")
    page.click("#remedy-save")
    page.wait_for_selector("#root-cause")
    page.click("#resolve")
    page.wait_for_selector("#rerating-form")

    # The re-rating is taken 3 to 7 days after the resolution: move the resolution back 4 days.
    from server.extensions import db
    from server.models import RecoveryCase

    case_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    with live.app.app_context():
        case = db.session.get(RecoveryCase, case_id)
        case.resolved_at -= timedelta(days=4)
        db.session.commit()
        db.session.remove()
    page.reload()
    page.check("input[name=score][value='4']")
    page.fill("#f-rerating-note", "处理及时，满意")
    page.click("#rerating-save")
    page.wait_for_selector("#score")
    assert page.inner_text("#score") == "4"
    page.click("#close")
    page.wait_for_selector("#closed-at")
    assert "已关闭" in page.inner_text("#case-status")
    assert not browser.csp_violations()
