"""A fee dispute escalated offline reaches the office's queue; the dispatcher's decision reaches
the phone after its next sync (issue #14; seed 003 §三(七)2: report to the company, follow its word)."""

from __future__ import annotations

import re

from .helpers import api_session, go_offline, go_online, on_server, sign_in, wait_synced, wait_worker_ready

DECISION = "同意免收上门费,只收工时费 80.00 元"


def test_fee_dispute_escalated_offline_is_decided_in_the_office_and_the_phone_shows_it(live, browser):
    page = browser.page()  # 360×740, zh-CN
    base, wo = live.url, live.seed.wo_out_of_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")

    page.goto(f"{base}/app/jobs/{wo}/quote")
    page.click("#refuse")  # the customer will not pay the quoted fees
    page.wait_for_selector("#three-guarantees")
    page.click("#escalate")  # explained, still refused: reported to the company
    page.wait_for_selector("#escalate:disabled")

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)

    office = api_session(base)
    on_server(office, base, lambda cs: any(c["entity"] == "escalation" for c in cs))
    queue = office.get(f"{base}/office/escalations").text
    assert "收费争议" in queue
    assert re.search(r'id="escalation-badge"[^>]*>1<', queue)
    case_id = re.search(r'data-case="([0-9a-f-]{36})"', queue).group(1)
    case_page = office.get(f"{base}/office/escalations/{case_id}").text
    assert "有争议的报价" in case_page  # the quote the customer refused, beside the technician's note
    token = re.search(r'name="csrf_token" value="([^"]+)"', case_page).group(1)
    answer = office.post(
        f"{base}/office/escalations/{case_id}/decide",
        data={"csrf_token": token, "decision": "approved", "text": DECISION},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]

    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#escalations")
    for _ in range(30):  # the next sync brings the decision (on start, on a timer)
        if page.locator("#escalations [data-status='decided']").count():
            break
        page.wait_for_timeout(500)
        page.reload()
        wait_synced(page)
        page.wait_for_selector("#job")
    card = page.inner_text("#escalations")
    assert "收费争议" in card and "同意" in card and DECISION in card and "客服小张" in card
    assert browser.errors == []
