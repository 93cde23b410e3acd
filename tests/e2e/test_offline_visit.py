"""The whole visit offline, in headless Chromium, then synced: nothing lost, nothing twice."""

from __future__ import annotations

import io
from collections import Counter

from PIL import Image

from . import camera
from .conftest import Browser
from .helpers import (
    api_session,
    arrive,
    go_offline,
    go_online,
    local_records,
    pending,
    server_changes,
    sign_in,
    wait_synced,
    wait_worker_ready,
)

SERIAL_FITTED = "SN-PCB-20261123-7"
SERIAL_REMOVED = "SN-PCB-OLD-0042"


def done(page):
    page.wait_for_selector("#step-done")


def draw_signature(page):
    page.wait_for_selector("#signoff-form[data-ready='true']")
    page.locator("#signature-pad").scroll_into_view_if_needed()  # the mouse draws only in the viewport
    box = page.locator("#signature-pad").bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + i * 10, y + (15 if i % 2 else -15), steps=2)
    page.mouse.up()


def do_visit(page, base, wo_id, photo_path):
    """Every step of the visit, as the technician taps through it."""
    nav = lambda name: (page.click("#next-step"), page.wait_for_selector(f"section[data-step='{name}']"))
    page.goto(f"{base}/app/jobs/{wo_id}/accept")
    page.wait_for_selector("section[data-step='accept']")
    page.click("#accept-job")
    page.wait_for_selector("#confirm-appointment.primary")  # offered once the accept is saved
    page.click("#confirm-appointment")
    page.wait_for_selector("#confirm-appointment:disabled:has(svg[data-icon=check])")
    done(page)

    nav("kit")
    boxes = page.locator("#kit-form input[type=checkbox]").all()
    assert len(boxes) == 10, "the standard kit list"
    page.click("#kit-save")  # all present: one tap (a ticked box is a missing item, issue #15)
    done(page)

    nav("travel")
    page.click("#depart")
    page.wait_for_selector("#depart:disabled")
    arrive(page)
    done(page)

    nav("door")
    page.check("#appearance-form input[name=appearance_ok]")  # ticking it records it
    page.wait_for_selector("#appearance-form input:disabled")
    page.click("#knock-start")
    page.wait_for_selector("#knock-timer")
    page.click("#door-answered")
    done(page)

    nav("enter")
    page.click("#enter-save")  # without the checks: refused
    page.wait_for_selector("#enter-error:not(:empty)")
    for name in ("introduced", "identity_confirmed", "badge_shown"):
        page.check(f"#enter-form input[name={name}]")
    page.click("#enter-save")
    done(page)

    nav("diagnosis")
    page.fill("#f-fault_cause", "Drum belt worn and slipping")
    page.fill("#f-repair_method", "Replace the drive belt and the main board")
    page.click("#diagnosis-save")
    page.wait_for_selector("#diagnoses li")
    page.fill("#f-fault_cause", "内部备注：主板电容鼓包，批次问题")
    page.uncheck("#diagnosis-form input[name=customer_visible]")
    page.click("#diagnosis-save")
    page.wait_for_function("() => document.querySelectorAll('#diagnoses li').length === 2")
    page.fill("#photo-caption", "nameplate")
    page.set_input_files("#photo-input", str(photo_path))
    page.wait_for_selector("#photos img")

    nav("quote")  # before the repair: plan the parts and the time, price, consent [seed 003 §三(五)2]
    page.select_option("#f-plan-part", "BLT-10")
    page.click("#plan-add")
    page.select_option("#f-plan-part", "PCB-220")
    page.click("#plan-add")
    page.wait_for_function("() => document.querySelectorAll('#plan-parts li').length === 2")
    page.fill("#f-work_minutes", "60")
    total = page.inner_text("#fee-total")
    assert "345.50" in total  # call-out 50 + labour 1 h 80 + belt 35.50 + board 180 (out of warranty)
    page.click("#consent")
    done(page)

    nav("parts")
    page.select_option("#f-part_number", "BLT-10")
    page.click("#part-save")
    page.wait_for_selector("#parts-fitted li")
    page.select_option("#f-part_number", "PCB-220")
    page.click("#part-save")  # serialised: the fitted serial is required
    page.wait_for_selector("#parts-error:not(:empty)")
    page.fill("#f-serial_removed", SERIAL_REMOVED)
    page.click("#scan-serial_fitted")  # the fake camera shows the new board's Code 128 label
    page.wait_for_function(
        f"() => document.getElementById('f-serial_fitted').value === '{SERIAL_FITTED}'", timeout=20_000
    )
    page.click("#part-save")
    page.wait_for_function("() => document.querySelectorAll('#parts-fitted li').length === 2")

    nav("checks")
    page.click("#test-run-ok")
    page.wait_for_selector("#test-run-ok:disabled")
    page.click("#training-done")
    done(page)

    nav("outcome")
    page.check("#outcome-fixed")
    page.click("#outcome-save")
    done(page)

    page.click("#next-step")
    page.wait_for_selector("#handover")
    assert page.get_attribute("#handover", "lang") == "en"  # Anna Li reads English
    page.select_option("#f-pay-method", "cash")  # the agreed total, paid at hand-over
    page.click("#payment-save")
    page.wait_for_selector("#payment-done")
    assert SERIAL_FITTED in page.inner_text("#summary-parts")
    assert "internal" not in page.inner_text("#summary").lower() and "内部备注" not in page.inner_text("#summary")
    page.click("#rate-rating_quality label:has(input[value='5'])")
    page.click("#rate-rating_attitude label:has(input[value='4'])")
    page.fill("#f-comment", "Quick and tidy")
    page.wait_for_selector("#signoff-form[data-ready='true']")
    page.click("#signoff-submit")  # nothing drawn: refused
    page.wait_for_selector("#signoff-error:has-text('empty')")
    draw_signature(page)
    page.click("#signoff-submit")
    page.wait_for_selector("#signed")
    page.click("#back-to-technician")
    page.wait_for_selector("section[data-step='complete']")

    page.click("#card-given")
    page.wait_for_selector("#card-given:disabled")
    page.click("#complete-job")
    page.wait_for_selector("#completed")


def check_visit_on_device(page, base, wo_id, expected_pending):
    """After a reload or a restart: every step still done, the entries still queued, sealed content locked."""
    page.goto(f"{base}/app/jobs/{wo_id}")
    page.wait_for_selector("#steps")
    assert page.locator("#steps li.done").count() == 12
    page.wait_for_selector(f"#status[data-pending='{expected_pending}']")
    assert page.get_attribute("#status", "data-pending") == str(expected_pending)
    assert page.inner_text("#net-state") == "离线"
    page.goto(f"{base}/app/jobs/{wo_id}/parts")
    page.wait_for_selector("#sealed")
    assert page.locator("#part-form").count() == 0, "the technician cannot change signed parts"
    assert SERIAL_FITTED in page.inner_text("#parts-fitted")
    page.goto(f"{base}/app/jobs/{wo_id}/diagnosis")
    page.wait_for_selector("#photos img")


def test_whole_visit_offline_then_synced_exactly_once(live, playwright_instance, tmp_path):
    label = tmp_path / "serial.y4m"
    camera.write_y4m(camera.code128(SERIAL_FITTED), label)
    photo = tmp_path / "nameplate.png"
    Image.new("RGB", (1200, 900), (200, 120, 40)).save(photo)
    b = Browser(playwright_instance, tmp_path / "profile", camera.fake_camera_args(label))
    context = b.open()
    base, wo_id = live.url, live.seed.wo_out_of_warranty
    try:
        page = b.page()
        sign_in(page, base)
        wait_synced(page)
        wait_worker_ready(page)
        page.goto(f"{base}/app/ready")
        for item in ("#ready-jobs", "#ready-catalogue", "#ready-stock", "#ready-app", "#ready-synced"):
            assert page.get_attribute(item, "data-ok") == "true", item
        assert "已用存储" in page.inner_text("#storage-used")

        go_offline(live, context)
        page.wait_for_selector("#net-state.off")
        try:
            do_visit(page, base, wo_id, photo)
        except Exception:
            print("MAIN:", page.inner_text("main")[:2000], "ERRORS:", b.errors)
            raise
        queued = pending(page)
        on_device = local_records(page, wo_id)
        assert queued >= len(on_device) > 30

        page.reload()
        check_visit_on_device(page, base, wo_id, queued)

        b.close()  # the phone kills the browser
        context = b.open()
        context.set_offline(True)
        page = b.page()
        page.goto(f"{base}/app/")  # an offline start after a previous sign-in: the app, not the login
        page.wait_for_selector("#jobs")
        check_visit_on_device(page, base, wo_id, queued)
        assert local_records(page, wo_id) == on_device

        go_online(live, context)
        wait_synced(page, timeout=30_000)
        assert b.errors == []
        assert b.csp_violations() == []
    finally:
        b.close()

    tech = api_session(base, "tech1@e2e.onsite")
    assert tech.get(f"{base}/api/sync/rejected").json() == []
    office = api_session(base)
    changes = [
        c for c in server_changes(office, base) if c["op"] == "put" and c["fields"].get("work_order_id") == wo_id
    ]
    server_ids = Counter(c["id"] for c in changes)
    assert all(n == 1 for n in server_ids.values())
    assert sorted(server_ids) == sorted(r["id"] for r in on_device), "every entry on the server, exactly once"
    kinds = Counter((c["entity"], c["fields"].get("kind") or c["fields"].get("step")) for c in changes)
    assert kinds[("visit_event", "departed")] == 1 and kinds[("visit_event", "arrived")] == 1
    assert kinds[("checklist_answer", "kit_id_badge")] == 1
    assert kinds[("part_fitted", None)] == 2 and kinds[("photo", None)] == 1 and kinds[("fee_quote", None)] == 1
    [paid] = [c["fields"] for c in changes if c["entity"] == "payment"]
    assert (paid["method"], paid["amount"], paid["receipt"]) == ("cash", "345.50", "none")
    board = next(
        c["fields"] for c in changes if c["entity"] == "part_fitted" and c["fields"]["part_number"] == "PCB-220"
    )
    assert (board["serial_fitted"], board["serial_removed"], board["unit_price"]) == (
        SERIAL_FITTED,
        SERIAL_REMOVED,
        "180.00",
    )
    wo = office.get(f"{base}/api/work-orders/{wo_id}").json()
    assert (wo["status"], wo["outcome"]) == ("completed", "fixed")

    from server.domain.signed_summary import summary_sha256
    from server.extensions import db
    from server.models import CustomerSignOff, WorkOrder
    from server.services.sign_off import compute_summary, verify_sign_off

    with live.app.app_context():
        sign_off = db.session.query(CustomerSignOff).filter_by(work_order_id=wo_id).one()
        assert verify_sign_off(db.session, sign_off)
        summary = compute_summary(db.session, db.session.get(WorkOrder, wo_id))
        assert sign_off.summary_sha256 == summary_sha256(summary)
        assert [p["serial_fitted"] for p in summary["parts"]].count(SERIAL_FITTED) == 1
        assert (sign_off.rating_quality, sign_off.rating_attitude) == (5, 4)
    signature = office.get(f"{base}/api/blobs/{sign_off.signature_sha256}")
    assert signature.status_code == 200 and signature.content[:8] == b"\x89PNG\r\n\x1a\n"
    # Stored lean (issue #17): a 1-bit PNG at the pad's CSS size, strokes black on white.
    image = Image.open(io.BytesIO(signature.content))
    image.load()  # checks every chunk's CRC
    assert image.mode == "1" and len(signature.content) < 8_000, (image.mode, len(signature.content))
    pixels = image.get_flattened_data()
    assert 0 in pixels and 255 in pixels  # ink and paper
    pdf = office.get(f"{base}/api/office/work-orders/{wo_id}/service-report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
