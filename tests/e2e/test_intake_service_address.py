"""Issue #14 in the browser: a known phone taken in with a new address for this order only sends the
technician there (job screen and maps link), and an installation job asks to confirm the location."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from .helpers import api_session, sign_in, wait_synced

CST = timezone(timedelta(hours=8))
NEW_ADDRESS = "杭州市滨江区江南大道 588 号 5 楼"


def test_the_job_screen_sends_the_technician_to_this_orders_address(live, browser):
    base = live.url
    office = api_session(base)
    # Today, late (like the seed's second job), so it is in today's list whenever the test runs.
    start = datetime.now(CST).replace(hour=23, minute=0, second=0, microsecond=0)
    response = office.post(
        f"{base}/api/office/intake",
        json={
            "channel": "phone",
            "type": "installation",
            "priority": "normal",
            "customer_name": "张伟",
            "phone": "13800000001",  # 张伟, on record at 上海市浦东新区…
            "address": NEW_ADDRESS,
            "customer_details": "this_order",
            "model": "AC-5000",
            "serial_no": "AC5K-0099",
            "fault_description": "新机安装",
            "technician_id": live.seed.tech_id,
            "appointment_start": start.isoformat(),
            "appointment_end": (start + timedelta(minutes=50)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    wo_id = response.json()["work_order"]["id"]

    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    ticket = response.json()["work_order"]["ticket_no"]
    page.wait_for_selector(f"a.job[data-ticket='{ticket}']")
    assert NEW_ADDRESS in page.inner_text(f"a.job[data-ticket='{ticket}']")  # today's list too
    page.goto(f"{base}/app/jobs/{wo_id}")
    page.wait_for_selector("#customer")
    assert NEW_ADDRESS in page.inner_text("#customer")
    assert "世纪大道" not in page.inner_text("#customer")
    assert page.get_attribute("#open-maps", "href") == f"geo:0,0?q={quote(NEW_ADDRESS, safe='')}"

    # Installation: the location is confirmed with the customer on entering [seed 003 §三(五)2].
    page.goto(f"{base}/app/jobs/{wo_id}/enter")
    page.wait_for_selector("#enter-form")
    assert page.locator("#enter-form input[name=install_location_confirmed]").count() == 1
    assert "安装位置" in page.inner_text("#enter-form")
