"""The 3-hour call-back after a visit not fully fixed (seed 003 §三(九)1) is on the repairing
technician's phone: it shows offline, its outcome is recorded there and reaches the office."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from .conftest import TECH_EMAIL
from .helpers import api_session, go_offline, go_online, on_server, sign_in, wait_synced, wait_worker_ready

CST = timezone(timedelta(hours=8))
NOTE = "配件周三到货,客户同意等待"


def _flag_the_visit(base: str, wo: str) -> None:
    """The earlier visit, as its push reached the server: flagged for a call-back."""
    tech = api_session(base, TECH_EMAIL)
    now = datetime.now(CST).isoformat()
    body = {
        "device_id": str(uuid.uuid4()),
        "device_time": now,
        "mutations": [
            {
                "seq": 1,
                "id": str(uuid.uuid4()),
                "entity": "visit_event",
                "entity_id": str(uuid.uuid4()),
                "op": "create",
                "fields": {"work_order_id": wo, "kind": "follow_up_flagged"},
                "base_version": None,
                "at": now,
            }
        ],
    }
    answer = tech.post(f"{base}/api/sync/push", json=body)
    assert answer.json()["results"][0]["status"] == "applied", answer.text


def test_the_call_back_is_made_offline_on_the_phone_and_reaches_the_office(live, browser):
    page = browser.page()  # 360×740, zh-CN
    base, wo = live.url, live.seed.wo_out_of_warranty
    _flag_the_visit(base, wo)
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")

    page.goto(f"{base}/app/jobs")
    page.wait_for_selector("#jobs .callback-due")  # the job list says a call-back is due
    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#call-backs")
    assert "回访" in page.inner_text("#call-backs")
    page.click("#call-backs button[type=submit]")  # no outcome chosen: nothing is recorded
    assert "请选择回访结果" in page.inner_text("#call-backs")
    page.select_option("#call-backs select[name=outcome]", "satisfied")
    page.fill("#call-backs textarea[name=note]", NOTE)
    page.click("#call-backs button[type=submit]")
    page.wait_for_selector("#call-backs [data-status='recorded']")

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)

    office = api_session(base)
    on_server(office, base, lambda cs: any(c["entity"] == "call_back" and c["fields"]["status"] == "done" for c in cs))
    queue = office.get(f"{base}/office/follow-ups?done=1").text
    assert NOTE in queue and "王师傅" in queue and "满意" in queue
    assert browser.errors == []
