"""axe-core on every screen of the app (and the scanner and hand-over views): no violations,
and no control smaller than 48 x 48 px; every step screen of the visit, the job list, job
detail, sync, ready check and settings in both languages (issue #15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import sign_in, wait_synced

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
STEPS = [
    "accept",
    "kit",
    "travel",
    "door",
    "enter",
    "diagnosis",
    "quote",
    "parts",
    "checks",
    "outcome",
    "handover",
    "complete",
]


SMALL_TARGETS_JS = """() => {
  const sel = 'a[href], button, select, textarea, input:not([type=checkbox]):not([type=radio]):not([type=file]), label.check, .rating label';
  return [...document.querySelectorAll(sel)].filter((el) => {
    if (el.classList.contains('skip') || !el.getClientRects().length) return false;
    const open = el.closest('dialog'); if (el.closest('dialog') && !open.open) return false;
    const r = el.getBoundingClientRect();
    return r.width < 48 || r.height < 48;
  }).map((el) => `${el.tagName.toLowerCase()}#${el.id || ''}.${el.className || ''} ${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)} "${(el.textContent || '').trim().slice(0, 20)}"`);
}"""


def small_targets(page, name: str) -> list[str]:
    """Controls smaller than 48 x 48 CSS px (gloves, one hand)."""
    return [f"{name}: tap target too small: {d}" for d in page.evaluate(SMALL_TARGETS_JS)]


def axe_violations(page, name: str) -> list[str]:
    """Run axe-core on the page as it is; one line per violation and node."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not subject to the page's CSP
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return small_targets(page, name) + [
        f"{name}: {v['id']} ({v['impact']}): {v['help']} -> {node['target']} {node.get('failureSummary', '')[:160]}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def screens_violations(page, base: str, wo: str, lang: str, record_outcome: bool = False) -> list[str]:
    """axe on the job list, job detail, every step screen of the visit, sync, ready and settings."""
    found = []
    screens = (
        [("jobs", "/app/jobs", "#jobs"), ("job", f"/app/jobs/{wo}", "#job")]
        + [(s, f"/app/jobs/{wo}/{s}", "#main h1") for s in STEPS]
        + [
            ("sync", "/app/sync", "#sync"),
            ("ready", "/app/ready", "#ready"),
            ("settings", "/app/settings", "#settings"),
        ]
    )
    for name, path, ready in screens:
        page.goto(base + path)
        page.wait_for_selector(ready)
        page.wait_for_function("() => document.body.dataset.screen !== 'loading'")
        found += axe_violations(page, f"{name} [{lang}]")
        if name == "outcome" and record_outcome:  # hand-over needs an outcome to show the customer the summary
            page.check("#outcome-fixed")
            page.click("#outcome-save")
            page.wait_for_selector("#current-outcome")
    return found


@pytest.mark.skipif(not AXE.exists(), reason="needs `npm ci` (axe-core)")
def test_every_screen_has_no_axe_violations(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    found = []
    page.goto(f"{base}/app/login")
    page.wait_for_selector("#login-form")
    found += axe_violations(page, "login")
    sign_in(page, base)
    wait_synced(page)
    found += axe_violations(page, "jobs")
    found += screens_violations(page, base, wo, "zh", record_outcome=True)
    # States that appear during the visit: the knock timer, a special case, a refused quote.
    page.goto(f"{base}/app/jobs/{wo}/door")
    page.click("#knock-start")
    page.wait_for_selector("#knock-timer")
    found += axe_violations(page, "door/knocking")
    page.goto(f"{base}/app/jobs/{wo}/enter")
    page.click("#case-housekeeper_only")
    page.wait_for_selector("#special-case")
    found += axe_violations(page, "enter/special-case")
    page.goto(f"{base}/app/jobs/{wo}/quote")
    page.click("#refuse")
    page.wait_for_selector("#three-guarantees")
    found += axe_violations(page, "quote/refused")
    page.goto(f"{base}/app/jobs/{wo}/travel")
    page.click("#depart")
    page.click("#arrive")
    page.wait_for_selector("#apology-form")  # the seeded appointment has started: late
    found += axe_violations(page, "travel/late")
    page.goto(f"{base}/app/sync")
    page.wait_for_selector("#sync")
    found += axe_violations(page, "sync/with-entries")
    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#signoff-form[data-ready='true']")
    page.click("#signoff-submit")  # empty: the refusal message
    page.wait_for_selector("#signoff-error:not(:empty)")
    found += axe_violations(page, "handover/refused-empty")
    # Out of warranty: a planned part, a discount with its reason, consent; then the payment form.
    paid = live.seed.wo_out_of_warranty
    page.goto(f"{base}/app/jobs/{paid}/quote")
    page.select_option("#f-plan-part", "BLT-10")
    page.click("#plan-add")
    page.select_option("#f-adj-kind", "discount")
    page.fill("#f-adj-amount", "5")
    page.fill("#f-adj-reason", "老客户")
    page.click("#adj-add")
    page.wait_for_selector("#plan-adjustments li")
    found += axe_violations(page, "quote/planned")
    page.click("#consent")
    page.wait_for_selector("#consent-state")
    page.goto(f"{base}/app/jobs/{paid}/outcome")
    page.check("#outcome-fixed")
    page.click("#outcome-save")
    page.wait_for_selector("#current-outcome")
    page.goto(f"{base}/app/jobs/{paid}/handover")
    page.wait_for_selector("#payment-form")
    page.click("#payment-save")  # no method: the message
    page.wait_for_selector("#payment-error:not(:empty)")
    found += axe_violations(page, "handover/payment")
    page.goto(f"{base}/app/jobs/{wo}/parts")
    page.click("#scan-serial_fitted")  # no camera in this browser: the scanner says so
    page.wait_for_selector("#scanner[open]")
    page.wait_for_function("() => document.getElementById('scan-status').textContent.includes('手动')")
    found += axe_violations(page, "scanner")
    page.click("#scan-cancel")
    live.app.config["PWA_VERSION_SALT"] = "next"
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    page.wait_for_selector("#update-toast")
    found += axe_violations(page, "update-prompt")
    page.goto(f"{base}/app/settings")
    page.check("#locale-en")
    page.wait_for_selector("html[lang=en]")
    found += screens_violations(page, base, wo, "en")
    # The sync screen with entries waiting, grouped by job, in English.
    page.evaluate(
        "async (wo) => { const r = await import('/static/js/records.js'); await r.recordVisit(wo, 'visit_event', { kind: 'departed' }); }",
        wo,
    )
    page.context.set_offline(True)
    page.goto(f"{base}/app/sync")
    page.wait_for_selector("#sync")
    found += axe_violations(page, "sync/with-entries [en]")
    page.context.set_offline(False)
    assert found == [], "\n".join(found)
    assert browser.csp_violations() == []
