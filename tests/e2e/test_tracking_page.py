"""The customer's tracking page in a phone browser (issue #16): wrong digits, rate limit, then status."""

from __future__ import annotations

import pytest

from .conftest import start_live, stop_live


@pytest.fixture
def tracked(tmp_path):
    server = start_live(tmp_path, TRACK_TICKET_RATE_LIMIT="3 per 15 minutes")
    from server.extensions import db
    from server.models import User, WorkOrder

    with server.app.app_context():
        wo = db.session.get(WorkOrder, server.seed.wo_in_warranty)
        db.session.get(User, server.seed.tech_id).badge_no = "SH-0042"
        db.session.commit()
        server.ticket = wo.ticket_no
    yield server
    stop_live(server)


def test_a_customer_checks_who_is_coming_after_a_wrong_guess_and_a_guesser_is_stopped(tracked, browser):
    page = browser.page()
    page.goto(f"{tracked.url}/track/{tracked.ticket}")
    assert page.locator("#digits").is_visible() and page.locator("#track-facts").count() == 0

    page.fill("#digits", "9999")
    page.click("button[type=submit]")
    assert "不匹配" in page.locator("#track-error").inner_text()
    assert page.locator("#track-facts").count() == 0

    page.fill("#digits", "0001")  # the customer's phone ends in 0001
    page.click("button[type=submit]")
    page.wait_for_selector("#track-facts")
    assert "王师傅" in page.locator("#track-technician").inner_text()
    assert page.locator("#track-badge").inner_text() == "SH-0042"
    assert page.locator("#track-status").inner_text().strip()
    body = page.locator("body").inner_text()
    assert "世纪大道" not in body and "13800000001" not in body
    assert browser.csp_violations() == []

    # Someone else guessing at the same ticket runs out of tries.
    browser.context.clear_cookies()
    other = browser.context.new_page()
    statuses = []
    for guess in ("1111", "2222", "3333"):
        other.goto(f"{tracked.url}/track/{tracked.ticket}")
        other.fill("#digits", guess)
        with other.expect_response(lambda r: r.request.method == "POST") as answer:
            other.click("button[type=submit]")
        statuses.append(answer.value.status)
    assert statuses == [401, 401, 429]
