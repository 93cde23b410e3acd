"""A tap that lands while the screen is being redrawn still counts.

The press hits a button of the screen on show; if the redraw swapped the screen before
the release, the release would hit the new button and no click would fire: the tap
would be lost, with nothing to show for it. The router holds a redraw back while a
pointer is down, so the press and the release land on the same button.
"""

from __future__ import annotations

from .helpers import local_records, sign_in, wait_synced

REDRAW_JS = "() => dispatchEvent(new PopStateEvent('popstate'))"  # the router draws the screen again


def test_a_tap_during_a_redraw_is_not_lost(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}/accept")
    page.click("#accept-job")
    button = page.locator("#confirm-appointment.primary")
    button.wait_for()
    marked = button.evaluate("(el) => { el.dataset.old = 'yes'; return true; }")
    assert marked

    box = button.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.evaluate(REDRAW_JS)
    page.wait_for_timeout(400)  # far longer than a redraw takes
    assert page.locator("#confirm-appointment[data-old=yes]").count() == 1, "the screen waits for the release"
    page.mouse.up()

    page.wait_for_selector("#confirm-appointment:disabled:has(svg[data-icon=check])")
    assert sorted(r["kind"] for r in local_records(page, wo)) == ["accepted", "appointment_confirmed"]
    assert page.locator("#confirm-appointment[data-old=yes]").count() == 0, "and then it is redrawn"
    assert browser.errors == []


def test_a_redraw_goes_in_once_the_pointer_is_up(live, browser):
    page = browser.page()
    sign_in(page, live.url)
    wait_synced(page)
    page.locator("#jobs").evaluate("(el) => { el.dataset.old = 'yes'; }")
    page.mouse.move(5, 5)
    page.mouse.down()
    page.evaluate(REDRAW_JS)
    page.wait_for_timeout(300)
    assert page.locator("#jobs[data-old=yes]").count() == 1
    page.mouse.up()
    page.wait_for_selector("#jobs:not([data-old])")
    assert browser.errors == []
