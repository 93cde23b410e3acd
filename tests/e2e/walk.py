"""The technician's walk through a bare in-warranty repair with one part, counting taps (issue #15).

What counts as a tap: every action a technician's finger makes on the screen — a tap on a
button, link, checkbox, radio or rating; choosing an option in a picker (one tap on the
chosen option: the picker's opening is not counted, as on a phone it opens on the same
touch); typing into a field counts ONE tap whatever the length of the text (the focus tap; the keyboard
is not counted); one signature stroke counts one tap. Scrolling, waiting and the app's own
redraws do not count. Used by tests/e2e/test_visit_walk.py and bench/pwa_bench.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .helpers import sign_in

# The bare repair: the fitted part's serial, typed (the camera scan is its own test).
SERIAL_FITTED = "SN-PCB-WALK-0001"


@dataclass
class Taps:
    """A page wrapper that counts taps by the rule above, and by step."""

    page: object
    count: int = 0
    by_step: dict = field(default_factory=dict)
    step: str = "start"

    def _count(self, n: int = 1) -> None:
        self.count += n
        self.by_step[self.step] = self.by_step.get(self.step, 0) + n

    def at(self, step: str) -> None:
        self.step = step

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.tap()
        self._count()

    def fill(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self._count()

    def choose(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self._count()

    def sign(self, selector: str) -> None:
        """One stroke on the signature pad (touch as a mouse drag: the pad reads pointer events)."""
        page = self.page
        page.wait_for_selector("#signoff-form[data-ready='true']")
        page.locator(selector).scroll_into_view_if_needed()
        box = page.locator(selector).bounding_box()
        x, y = box["x"] + 30, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(1, 20):
            page.mouse.move(x + i * 10, y + (15 if i % 2 else -15), steps=2)
        page.mouse.up()
        self._count()


def primary_in_view(page) -> bool:
    """The step's primary action (the step bar's primary button) lies inside the viewport."""
    return page.evaluate(
        """() => { const b = document.querySelector('.stepbar .btn.primary');
                   if (!b) return false;
                   const r = b.getBoundingClientRect();
                   return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
                     && r.width > 0 && r.height > 0; }"""
    )


def walk_bare_repair(page, base: str, wo_id: str, ticket_no: str, *, in_view=None) -> Taps:
    """Sign in, open the job from today's list and complete the visit; returns the taps.

    `in_view(step)` is called on each step screen as it opens (for the viewport checks)."""
    sign_in(page, base)  # signing in is not part of the visit: not counted
    taps = Taps(page)
    seen = in_view or (lambda step: None)

    def opened(step: str) -> None:
        page.wait_for_selector(f"section[data-step='{step}']")
        taps.at(step)
        seen(step)

    def done() -> None:
        page.wait_for_selector("#step-done")

    def next_step(step: str) -> None:
        taps.tap("#next-step")
        opened(step)

    taps.at("jobs")
    taps.tap(f"#jobs a:has-text('{ticket_no}')")
    page.wait_for_selector("#job")
    taps.tap("#accept-start")  # a new job: accept it and go on to the kit in one tap
    opened("kit")
    taps.tap("#kit-save")  # nothing ticked as missing: "all present" records the whole kit in one tap
    done()

    next_step("travel")
    taps.tap("#depart")
    page.wait_for_selector("#depart.done")
    taps.tap("#arrive")
    page.wait_for_selector("#arrive.done")
    if page.locator("#apology-form").count():  # late: apologise, one tap on the reason
        taps.tap("#late-traffic")
    done()

    next_step("door")
    taps.tap("#knock-start")  # "appearance checked · start knocking": both in one tap
    page.wait_for_selector("#knock-timer")
    taps.tap("#door-answered")
    done()

    next_step("enter")
    if page.locator("#enter-all-done").count():  # the entry checks in one tap
        taps.tap("#enter-all-done")
    else:
        for name in ("introduced", "identity_confirmed", "badge_shown"):
            taps.tap(f"#enter-form input[name={name}]")
        taps.tap("#enter-save")
    done()

    next_step("diagnosis")
    taps.fill("#f-fault_cause", "主控板电源模块损坏")
    taps.tap("#diagnosis-save")
    done()

    next_step("quote")  # in warranty: nothing to pay; the customer agrees to the quote
    taps.tap("#consent")
    done()

    next_step("parts")  # the only part in the van that fits the model is chosen already
    assert page.input_value("#f-part_number") == "PCB-220"
    taps.fill("#f-serial_fitted", SERIAL_FITTED)
    taps.tap("#part-save")
    done()

    next_step("checks")
    if page.locator("#checks-all-done").count():  # the after-work checks in one tap
        taps.tap("#checks-all-done")
    else:
        taps.tap("#test-run-ok")
        page.wait_for_selector("#test-run-ok:disabled")
        taps.tap("#training-done")
    done()

    next_step("outcome")  # "fixed" is chosen already
    taps.tap("#outcome-save")
    done()

    taps.tap("#next-step")
    page.wait_for_selector("#handover")
    taps.at("handover")
    seen("handover")
    taps.tap("#rate-rating_quality label:has(input[value='5'])")
    taps.tap("#rate-rating_attitude label:has(input[value='5'])")
    taps.sign("#signature-pad")
    taps.tap("#signoff-submit")
    page.wait_for_selector("#signed")
    taps.tap("#back-to-technician")
    opened("complete")
    taps.tap("#card-given")
    page.wait_for_selector("#card-given:disabled")
    taps.tap("#complete-job")
    page.wait_for_selector("#completed")
    return taps
