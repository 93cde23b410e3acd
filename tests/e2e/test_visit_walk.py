"""A bare in-warranty repair with one part, walked on a 360×740 touch phone, in at most 35 taps
(issue #15; what a tap is: tests/e2e/walk.py). The step's main action is in view on every
step screen, at 360×740 and at 320×568, without scrolling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .walk import primary_in_view, walk_bare_repair

TAP_LIMIT = 35  # the target (a bare visit took about 56 taps before)


def fit_parts(live) -> None:
    """Catalogue compatibility: the board fits the air conditioner, the belt the washer."""
    from server.extensions import db
    from server.models import Part

    with live.app.app_context():
        for number, model in (("PCB-220", "AC-3000"), ("BLT-10", "WM-800")):
            part = db.session.query(Part).filter_by(part_number=number).one()
            part.fits_models = [model]
        db.session.commit()


def on_time(live, wo_id: str) -> None:
    """A bare visit: the appointment starts in half an hour, so arriving now is on time."""
    from server.extensions import db
    from server.models import WorkOrder

    with live.app.app_context():
        wo = db.session.get(WorkOrder, wo_id)
        wo.appointment_start = datetime.now(UTC) + timedelta(minutes=30)
        wo.appointment_end = wo.appointment_start + timedelta(hours=1)
        db.session.commit()


def test_bare_repair_walk_counts_taps(live, browser):
    fit_parts(live)
    page = browser.page()
    missing = []

    def in_view(step):
        if page.locator(".stepbar .btn.primary").count() and not primary_in_view(page):
            missing.append(step)

    wo = live.seed.wo_in_warranty
    on_time(live, wo)
    taps = walk_bare_repair(page, live.url, wo, live.seed.tickets[wo], in_view=in_view)
    print(f"\ntaps: {taps.count} {taps.by_step}")
    assert not missing, f"the step's main action is below the fold on: {missing}"
    # The job is completed: no "continue", its outcome instead.
    page.goto(f"{live.url}/app/jobs/{wo}")
    page.wait_for_selector("#job-finished")
    assert page.locator("#continue").count() == 0
    assert "已修复" in page.inner_text("#job-finished") or "修复" in page.inner_text("#job-finished")
    assert taps.count <= TAP_LIMIT, f"{taps.count} taps: {taps.by_step}"


@pytest.mark.parametrize("size", [{"width": 360, "height": 740}, {"width": 320, "height": 568}])
def test_primary_action_in_view_on_each_step(live, browser, size):
    """Every step screen of a fresh visit shows its main action without scrolling."""
    from .helpers import sign_in, wait_synced

    page = browser.page()
    page.set_viewport_size(size)
    sign_in(page, live.url)
    wait_synced(page)
    wo = live.seed.wo_in_warranty
    for step in ("accept", "kit", "travel", "door", "enter", "diagnosis", "quote", "parts", "checks", "outcome"):
        page.goto(f"{live.url}/app/jobs/{wo}/{step}")
        page.wait_for_selector(f"section[data-step='{step}']")
        page.wait_for_timeout(100)
        box = page.evaluate(
            """() => { const b = document.querySelector('#next-step, .stepbar .btn.primary');
                       const r = b.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }"""
        )
        assert 0 <= box[0] and box[1] <= box[2], f"{step}: step bar outside the viewport {box}"
        bar = page.locator(".stepbar .btn.primary")
        if bar.count():
            assert primary_in_view(page), f"{step}: the main action is below the fold at {size}"
