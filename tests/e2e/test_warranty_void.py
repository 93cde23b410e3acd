"""In warranty, the technician records human damage: the photo is needed and goes first; the
job's badge says not covered until the office decides otherwise (seed 000 §二(一)1)."""

from __future__ import annotations

from PIL import Image

from .helpers import api_session, server_changes, sign_in, wait_synced


def test_human_damage_is_recorded_with_its_photo_and_the_office_decides(live, browser, tmp_path):
    shot = tmp_path / "damage.png"
    Image.new("RGB", (800, 600), (120, 60, 60)).save(shot)
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#warranty[data-why=in_warranty]")

    page.goto(f"{base}/app/jobs/{wo}/diagnosis")
    page.check("#void-human_damage")
    page.fill("#warranty-void-card textarea[name=void_note]", "机身侧面摔裂")
    page.click("#warranty-void-save")
    page.wait_for_selector("#warranty-void-error:has-text('照片')")  # no photo, nothing recorded
    page.set_input_files("#warranty-photo", str(shot))
    page.wait_for_selector("#warranty-photo-taken:has-text('已拍照')")
    page.click("#warranty-void-save")
    page.wait_for_selector("#warranty-voids li:has-text('人为损坏')")
    wait_synced(page)

    office = api_session(base)
    changes = [c for c in server_changes(office, base) if c["fields"].get("work_order_id") == wo]
    [event] = [c for c in changes if c["entity"] == "visit_event" and c["fields"]["kind"] == "warranty_void"]
    [photo] = [c for c in changes if c["entity"] == "photo"]
    assert event["fields"]["data"] == {"reason": "human_damage", "photo_id": photo["id"]}
    assert event["fields"]["note"] == "机身侧面摔裂"

    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#warranty[data-why=human_damage]:has-text('不在保修范围（人为损坏）')")

    decided = office.post(
        f"{base}/api/office/work-orders/{wo}/warranty", json={"decision": "covered", "reason": "照片看不出人为损坏"}
    )
    assert decided.status_code == 200, decided.text
    page.goto(f"{base}/app/sync")
    page.click("#sync-now")  # the pull brings the office's decision
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#warranty[data-why=decision]:has-text('公司裁定：保修免费')")
    assert browser.errors == []
