"""At the door, no one home: the note is left (with its photo) and the visit rescheduled with consent."""

from __future__ import annotations

from datetime import datetime

from PIL import Image

from .helpers import api_session, server_changes, sign_in, wait_synced


def test_no_one_home_note_left_and_rescheduled(live, browser, tmp_path):
    photo = tmp_path / "note.png"
    Image.new("RGB", (800, 600), (250, 250, 210)).save(photo)
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}/travel")
    page.click("#depart")
    page.wait_for_selector("#depart:disabled")
    page.click("#arrive")
    page.wait_for_selector("#apology-form")  # the appointment has started: late
    page.fill("#apology-form input[name=note]", "堵车")
    page.click("#apology-save")
    page.wait_for_selector("#apology-form", state="detached")
    page.goto(f"{base}/app/jobs/{wo}/door")
    page.click("#knock-start")
    page.wait_for_selector("#knock-prompt:has-text('第 1 轮')")
    page.click("#no-one-home")
    page.wait_for_selector("#note-left")
    assert "400-820-1234" in page.inner_text("#note-left"), "the note gives the company's service phone"
    page.set_input_files("#note-photo", str(photo))
    page.wait_for_selector("#note-left #photos img")
    page.click("#note-left-save")
    page.wait_for_selector("#step-done")
    page.fill("#f-new_start", "2030-05-06T10:00")
    page.fill("#f-new_end", "2030-05-06T11:00")
    page.click("#reschedule-save")  # no consent ticked: refused
    page.wait_for_selector("#reschedule-error:has-text('同意')")
    page.check("#reschedule-form input[name=consent]")
    page.click("#reschedule-save")
    page.wait_for_selector("#toasts [role=status]:has-text('改约已记录')")
    wait_synced(page)

    office = api_session(base)
    order = office.get(f"{base}/api/work-orders/{wo}").json()
    assert order["status"] == "scheduled"
    assert datetime.fromisoformat(order["appointment_start"]) == datetime.fromisoformat("2030-05-06T10:00:00+08:00")
    kinds = sorted(
        c["fields"].get("kind")
        for c in server_changes(office, base)
        if c["entity"] == "visit_event" and c["fields"].get("work_order_id") == wo
    )
    assert kinds == ["arrived", "departed", "knock_started", "late_apology", "no_one_home", "note_left", "rescheduled"]
    rescheduled = next(c["fields"] for c in server_changes(office, base) if c["fields"].get("kind") == "rescheduled")
    assert rescheduled["data"]["customer_consent"] is True
    photos = [c for c in server_changes(office, base) if c["entity"] == "photo" and c["fields"]["work_order_id"] == wo]
    note = office.get(f"{base}/api/blobs/{photos[0]['fields']['blob_sha256']}").content
    assert len(photos) == 1 and note[:4] == b"RIFF" and note[8:12] == b"WEBP"  # lean: WebP (issue #17)
    assert photos[0]["fields"]["photo_set"] == "other"  # a door note is neither before nor after
    assert browser.errors == []
