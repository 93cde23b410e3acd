"""Photo sets and markup (issue #15), lean photos (issue #17), on a 360×740 touch phone.

Offline, the technician takes a before and an after photo (saved at once), marks the before
photo up with an arrow, a circle and text drawn by touch (undoing one mark), reloads while
still offline, then syncs: the server holds the marked-up image and the original as WebP,
both smaller than the camera's file, and they differ. Then the same screens in English.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageDraw

from .helpers import api_session, go_offline, go_online, server_changes, sign_in, wait_synced, wait_worker_ready
from .test_accessibility import AXE, axe_violations

BLOBS_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const all = await new Promise((ok) => { const r = db.transaction('blobs').objectStore('blobs').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return all.map((b) => ({ sha256: b.sha256, type: b.type, size: b.bytes.byteLength }));
}"""


def camera_shot(path, colour, size=(3000, 2250)):
    """A camera-sized JPEG with some detail, as phones hand to the file input."""
    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    for i in range(0, size[0], 60):
        draw.line((i, 0, size[0] - i, size[1]), fill=(i % 255, 90, 200 - i % 200), width=9)
    draw.rectangle((900, 700, 2100, 1500), fill=(240, 240, 230))
    img.save(path, "JPEG", quality=95)
    return path.stat().st_size


def in_view(page, selector):
    """Centre the element in the viewport (clear of the sticky bars) and return its box."""
    page.locator(selector).evaluate("el => el.scrollIntoView({ block: 'center' })")
    return page.locator(selector).bounding_box()


def touch_drag(page, cdp, selector, start, end, steps=8):
    """A finger drag over the element, from and to fractions of its box."""
    box = in_view(page, selector)
    point = lambda fx, fy: {"x": box["x"] + box["width"] * fx, "y": box["y"] + box["height"] * fy}
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(*start)]})
    for i in range(1, steps + 1):
        fx = start[0] + (end[0] - start[0]) * i / steps
        fy = start[1] + (end[1] - start[1]) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point(fx, fy)]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def touch_tap(page, selector, fx, fy):
    box = in_view(page, selector)
    page.touchscreen.tap(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def test_before_and_after_photos_marked_up_offline_then_synced_lean(live, browser, tmp_path):
    before_size = camera_shot(tmp_path / "before.jpg", (90, 110, 130))
    after_size = camera_shot(tmp_path / "after.jpg", (60, 150, 80))
    page = browser.page()
    base, wo = live.url, live.seed.wo_out_of_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    cdp = page.context.new_cdp_session(page)

    go_offline(live, browser.context)
    page.goto(f"{base}/app/jobs/{wo}/diagnosis")
    page.wait_for_selector("#photo-card")
    assert page.is_checked("#photo-set-before"), "the first photo of a visit is a before photo"
    page.fill("#photo-caption", "门封漏水")
    page.set_input_files("#photo-input", str(tmp_path / "before.jpg"))
    page.wait_for_selector("#photos-before img")
    assert page.is_checked("#photo-set-after"), "with a before photo taken, the next one is an after photo"
    page.set_input_files("#photo-input", str(tmp_path / "after.jpg"))
    page.wait_for_selector("#photos-after img")
    assert "维修前" in page.inner_text("#photo-pair") and "维修后" in page.inner_text("#photo-pair")
    # Side by side at 360 px: the after column starts right of the before column, same row.
    b, a = (
        page.locator("[data-set=before].photo-col").bounding_box(),
        page.locator("[data-set=after].photo-col").bounding_box(),
    )
    assert a["x"] >= b["x"] + b["width"] - 1 and abs(a["y"] - b["y"]) < 2

    page.click("#photos-before .markup-open")
    page.wait_for_selector("#markup-canvas")
    assert page.is_disabled("#markup-save"), "nothing drawn, nothing to save"
    touch_drag(page, cdp, "#markup-canvas", (0.15, 0.8), (0.45, 0.5))  # arrow (the default tool)
    page.wait_for_selector("#markup-count:has-text('1')")
    page.click("#markup-circle")
    touch_drag(page, cdp, "#markup-canvas", (0.6, 0.4), (0.75, 0.4))
    page.wait_for_selector("#markup-count:has-text('2')")
    page.click("#markup-text")
    touch_tap(page, "#markup-canvas", 0.5, 0.2)  # no text typed yet: it says so
    page.wait_for_selector("#markup-hint:has-text('请先输入文字')")
    page.fill("#markup-words", "错字")
    touch_tap(page, "#markup-canvas", 0.5, 0.2)
    page.wait_for_selector("#markup-count:has-text('3')")
    assert "请先输入文字" not in page.inner_text("#markup-hint")
    page.click("#markup-undo")  # the wrong text goes
    page.wait_for_selector("#markup-count:has-text('2')")
    page.fill("#markup-words", "漏水")
    touch_tap(page, "#markup-canvas", 0.5, 0.2)
    page.wait_for_selector("#markup-count:has-text('3')")
    found = axe_violations(page, "markup/zh-CN") if AXE.exists() else []
    page.click("#markup-save")
    page.wait_for_selector("#photos-before img[data-original]")
    found += axe_violations(page, "photo-sets/zh-CN") if AXE.exists() else []
    assert page.locator("#photos-before img").count() == 1, "the marked-up photo replaces the unmarked one"

    page.reload()  # still offline: everything is on the device
    page.wait_for_selector("#photos-before img[data-original]")
    page.wait_for_selector("#photos-after img")
    assert "已标注" in page.inner_text("#photos-before")
    blobs = page.evaluate(BLOBS_JS)
    assert len(blobs) == 3 and {b["type"] for b in blobs} == {"image/webp"}, blobs
    assert all(b["size"] < min(before_size, after_size) / 4 for b in blobs), (blobs, before_size, after_size)

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)
    office = api_session(base)
    changes = [c for c in server_changes(office, base) if c["entity"] == "photo" and c["op"] == "put"]
    photos = {c["fields"]["photo_set"]: c["fields"] for c in changes if c["fields"]["work_order_id"] == wo}
    assert set(photos) == {"before", "after"} and len(changes) == 2, changes  # the unmarked one was voided
    before, after = photos["before"], photos["after"]
    assert before["caption"] == "门封漏水" and before["original_sha256"] and after["original_sha256"] is None
    files = {}
    for name, sha in (
        ("marked", before["blob_sha256"]),
        ("original", before["original_sha256"]),
        ("after", after["blob_sha256"]),
    ):
        response = office.get(f"{base}/api/blobs/{sha}")
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/webp", name
        assert len(response.content) < before_size / 4, (name, len(response.content), before_size)
        files[name] = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert max(files["original"].size) == 1600, "resized on the phone to the configured longest side"
    assert files["marked"].size == files["original"].size
    diff = ImageChops.difference(files["marked"], files["original"]).convert("L").point(lambda v: 255 if v > 60 else 0)
    changed = sum(diff.histogram()[255:])
    assert changed > 2000, "the marks are in the marked-up image"
    assert changed < files["original"].size[0] * files["original"].size[1] / 5, "and the rest is the same photo"
    red = files["marked"].getpixel((int(0.75 * 1600), int(0.4 * 1200)))  # on the circle's edge
    assert red[0] > 150 and red[1] < 90, red

    # The same screens in English; the office page groups them too.
    page.goto(f"{base}/app/settings")
    page.check("#locale-en")
    page.wait_for_selector("html[lang=en]")
    page.goto(f"{base}/app/jobs/{wo}/diagnosis")
    page.wait_for_selector("#photo-pair")
    text = page.inner_text("#photo-card")
    assert "Before" in text and "After" in text and "Marked up (original kept)" in text
    page.click("#photos-after .markup-open")
    page.wait_for_selector("#markup-canvas")
    assert "Drag from the tail" in page.inner_text("#markup-hint")
    found += axe_violations(page, "markup/en") if AXE.exists() else []
    page.click("#markup-cancel")  # nothing changes
    page.wait_for_selector("#photos-after img:not([data-original])")
    html = office.get(f"{base}/office/work-orders/{wo}").text
    assert html.index('data-set="before"') < html.index(before["blob_sha256"]) < html.index('data-set="after"')
    assert before["original_sha256"] in html
    assert found == [], "\n".join(found)
    assert browser.errors == []
    assert browser.csp_violations() == []


def test_the_servers_photo_settings_reach_the_phone(browser, tmp_path):
    """PHOTO_MAX_SIDE and PHOTO_QUALITY (issue #17): an operator makes photos leaner for all phones."""
    from .conftest import start_live, stop_live

    live = start_live(tmp_path, PHOTO_MAX_SIDE=800, PHOTO_QUALITY=0.5)
    try:
        camera_shot(tmp_path / "shot.jpg", (90, 110, 130))
        page = browser.page()
        base, wo = live.url, live.seed.wo_in_warranty
        sign_in(page, base)
        wait_synced(page)  # the job is on the phone before its screen is opened
        page.goto(f"{base}/app/jobs/{wo}/diagnosis")
        page.set_input_files("#photo-input", str(tmp_path / "shot.jpg"))
        page.wait_for_selector("#photos-before img")
        wait_synced(page)
        office = api_session(base)
        [photo] = [c for c in server_changes(office, base) if c["entity"] == "photo"]
        data = office.get(f"{base}/api/blobs/{photo['fields']['blob_sha256']}").content
        assert Image.open(io.BytesIO(data)).size == (800, 600)
        assert browser.errors == []
    finally:
        stop_live(live)
