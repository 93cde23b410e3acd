"""The customer will not sign (issue #13): offline, the technician records the refusal with its
reason and completes the job; synced, the refusal is on the server and on the office's page."""

from __future__ import annotations

from .helpers import api_session, go_offline, go_online, on_server, sign_in, wait_synced, wait_worker_ready

REASON = "客户说要等家人回来再签字"


def test_customer_declines_to_sign_offline_then_synced(live, browser):
    page = browser.page()  # 360×740, zh-CN
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")

    page.goto(f"{base}/app/jobs/{wo}/travel")
    page.click("#depart")
    page.wait_for_selector("#depart:disabled")
    page.click("#arrive")
    page.wait_for_selector("#apology-form")  # the appointment has started: late
    page.fill("#apology-form input[name=note]", "堵车")
    page.click("#apology-save")
    page.wait_for_selector("#apology-form", state="detached")

    page.goto(f"{base}/app/jobs/{wo}/outcome")
    page.check("#outcome-not_fixed")  # 未修复: the same outcome as the server's
    assert "未修复" in page.inner_text("#outcome-form")
    page.click("#outcome-save")
    page.wait_for_selector("#current-outcome:has-text('未修复')")

    page.goto(f"{base}/app/jobs/{wo}/complete")
    page.wait_for_selector("#complete-blockers")
    assert page.is_disabled("#complete-job"), "no signature and no recorded refusal: not yet"

    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#signoff-form")
    page.click("#decline-open")
    page.click("#decline-submit")  # no reason: refused
    page.wait_for_selector("#decline-error:has-text('原因')")
    page.fill("#f-decline-reason", REASON)
    page.click("#decline-submit")
    page.wait_for_selector("#sign-off-declined")
    assert REASON in page.inner_text("#sign-off-declined")

    page.click("#back-to-technician")
    page.wait_for_selector("section[data-step='complete']")
    assert page.locator("#complete-blockers").count() == 0
    page.click("#complete-job")
    page.wait_for_selector("#completed")

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)
    assert browser.errors == []

    office = api_session(base)
    changes = on_server(
        office,
        base,
        lambda cs: any(c["entity"] == "visit_event" and c["fields"].get("kind") == "sign_off_declined" for c in cs),
    )
    # The visit event itself (the escalation case it opened has the same kind: issue #14).
    declined = [
        c["fields"] for c in changes if c["entity"] == "visit_event" and c["fields"].get("kind") == "sign_off_declined"
    ]
    cases = [c["fields"] for c in changes if c["entity"] == "escalation"]
    assert [case["kind"] for case in cases] == ["sign_off_declined"]
    assert len(declined) == 1 and declined[0]["data"] == {"reason": REASON}
    assert api_session(base, "tech1@e2e.onsite").get(f"{base}/api/sync/rejected").json() == []
    order = office.get(f"{base}/api/work-orders/{wo}").json()
    assert (order["status"], order["outcome"]) == ("completed", "not_fixed")
    html = office.get(f"{base}/office/work-orders/{wo}").text
    assert '<li data-kind="sign_off_declined">' in html and REASON in html
    assert "客户拒绝签字" in html
