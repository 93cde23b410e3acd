"""Office pages draw their marks as inline SVG, not symbol characters that show as empty boxes
where no font has them (issue #15): the work order's verified sign-off tick."""

from __future__ import annotations

import re

from .test_pages import signed_in
from .test_service_report import signed_visit  # noqa: F401 (fixture)

SYMBOLS = re.compile("[\u2600-\u27bf\U0001f000-\U0001ffff]")


def test_the_verified_sign_off_is_an_svg_tick(app, people, signed_visit):
    page = signed_in(app, people)
    html = page.get(f"/office/work-orders/{signed_visit.id}").get_data(as_text=True)
    tick = re.search(r'<span class="verify-ok">(.*?)</span>', html, re.S)
    assert tick, "the sign-off verifies"
    assert tick.group(1).startswith("<svg") and 'aria-hidden="true"' in tick.group(1)
    assert 'stroke="currentColor"' in tick.group(1)
    assert not SYMBOLS.search(html), SYMBOLS.findall(html)
