"""The Sync screen says what waits and what was refused in the technician's words, grouped by
job (issue #15): "检查项：维修工具 ✓", "更换的配件：2 × 主控板", "预约已确认", never a code;
a refused entry says why from the server's reason code. The ready check treats refused
persistent storage as a caution, not a blocker, and its button answers. Icons are SVG."""

from __future__ import annotations

import re

from .helpers import sign_in, wait_synced

LOAD_RECORDS_JS = """async () => { window.__records = await import('/static/js/records.js'); }"""
RECORD_VISIT_JS = """async ([woId, entity, fields]) => { await window.__records.recordVisit(woId, entity, fields); }"""

# Codes that must never reach the screen (the entries below carry them).
CODES = [
    "accepted",
    "appointment_confirmed",
    "kit_tools",
    "kit_gloves",
    "checklist_answer",
    "visit_event",
    "part_fitted",
]
EMOJI = re.compile("[\u2300-\u23ff\u2600-\u27bf\u25a0-\u25ff\U0001f000-\U0001ffff]")


def record(page, wo, entity, fields):
    page.evaluate(RECORD_VISIT_JS, [wo, entity, fields])


def queue_two_jobs(page, live):
    wo1, wo2 = live.seed.wo_in_warranty, live.seed.wo_out_of_warranty
    record(page, wo1, "visit_event", {"kind": "accepted"})
    record(page, wo1, "visit_event", {"kind": "appointment_confirmed"})
    record(page, wo1, "checklist_answer", {"step": "kit_tools", "value": "ok", "note": None})
    record(page, wo1, "checklist_answer", {"step": "kit_gloves", "value": "missing", "note": None})
    record(
        page,
        wo1,
        "part_fitted",
        {
            "part_number": "PCB-220",
            "quantity": 2,
            "serial_removed": None,
            "serial_fitted": None,
            "unit_price": "0.00",
            "under_warranty": True,
        },
    )
    record(page, wo2, "visit_event", {"kind": "accepted"})


def words(locator) -> list[str]:
    """The visible text of each matched element, spaces collapsed (icons have no text)."""
    return [" ".join(text.split()) for text in locator.all_inner_texts()]


def job_section(page, list_id, wo):
    return page.locator(f"#{list_id} section.sync-job[data-job='{wo}']")


def test_pending_entries_are_grouped_by_job_in_words_both_languages(live, browser):
    base = live.url
    wo1, wo2 = live.seed.wo_in_warranty, live.seed.wo_out_of_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    browser.context.set_offline(True)
    page.wait_for_selector("#status[data-connection='offline']", timeout=5_000)
    queue_two_jobs(page, live)
    page.click("#nav a[data-screen=outbox]")
    page.wait_for_selector("#outbox-list")
    assert page.inner_text("#sync-pending") == "6"

    first, second = job_section(page, "outbox-list", wo1), job_section(page, "outbox-list", wo2)
    assert page.locator("#outbox-list section.sync-job").count() == 2, "one group per job"
    head1 = first.locator("h3").inner_text() + " " + first.locator("p.sub").first.inner_text()
    assert live.seed.tickets[wo1] in head1 and "张伟" in head1 and "变频空调" in head1, head1
    assert live.seed.tickets[wo2] in second.locator("h3").inner_text()
    lines = words(first.locator("li .what"))
    assert lines == [
        "已接受任务",
        "预约已确认",
        "检查项：维修工具",
        "检查项：手套 缺少",
        "更换的配件：2 × 主控板",
    ], lines
    assert first.locator("li .what").nth(2).locator("svg[data-icon=check][aria-hidden=true]").count() == 1
    assert first.locator("li .what").nth(3).locator("svg[data-icon=cross]").count() == 1
    assert words(second.locator("li .what")) == ["已接受任务"]
    text = page.inner_text("#sync")
    for code in CODES:
        assert code not in text, (code, text)
    assert "Failed to fetch" not in text and "network:" not in text
    assert not EMOJI.search(text), text

    # The same screen in English (the language is a setting on the phone: works offline).
    page.click("#nav a[data-screen=settings]")
    page.check("#locale-en")
    page.wait_for_selector("html[lang=en]")
    page.click("#nav a[data-screen=outbox]")
    page.wait_for_selector("#outbox-list")
    lines = words(job_section(page, "outbox-list", wo1).locator("li .what"))
    assert lines == [
        "Job accepted",
        "Appointment confirmed",
        "Checklist: Repair tools",
        "Checklist: Gloves missing",
        "Part fitted: 2 × Main board",
    ], lines
    text = page.inner_text("#sync")
    for code in CODES:
        if "_" in code:  # "accepted" is an English word too ("Job accepted")
            assert code not in text, (code, text)

    browser.context.set_offline(False)
    wait_synced(page, timeout=15_000)
    page.wait_for_selector("#outbox-list", state="detached")
    assert browser.errors == []


def test_a_refused_entry_sits_under_its_job_with_the_reason_in_words(live, browser):
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    record(
        page,
        wo,
        "part_fitted",
        {
            "part_number": "NOPE-1",
            "quantity": 1,
            "serial_removed": None,
            "serial_fitted": None,
            "unit_price": "0.00",
            "under_warranty": True,
        },
    )
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#rejected-count")
    page.wait_for_selector("#rejected-list li")
    group = job_section(page, "rejected-list", wo)
    assert live.seed.tickets[wo] in group.locator("h3").inner_text()
    item = group.locator("li").first
    assert item.locator(".what").inner_text() == "更换的配件：1 × NOPE-1"
    why = item.locator(".why").inner_text()
    assert why == "配件编号 NOPE-1 不在目录中。", why
    assert "sync." not in page.inner_text("#sync")
    assert browser.errors == []


# The browser refuses persistent storage (as Chrome does for a site not installed or little
# used), slowly, so the "asking" state can be seen.
REFUSE_PERSIST_JS = """
  Object.defineProperty(navigator.storage, 'persisted', { value: async () => false });
  Object.defineProperty(navigator.storage, 'persist', {
    value: () => new Promise((resolve) => setTimeout(() => resolve(false), 1500)) });
"""


def test_ready_check_says_refused_storage_is_a_caution_not_a_blocker(live, browser):
    base = live.url
    browser.context.add_init_script(REFUSE_PERSIST_JS)
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/ready")
    page.wait_for_selector("#ready")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    page.reload()
    page.wait_for_selector("#ready-list")
    persistent = page.locator("#ready-persistent")
    assert persistent.get_attribute("data-state") == "warn"
    assert "请经常同步" in persistent.inner_text()
    assert page.get_attribute("#ready-verdict", "data-ready") == "true", page.inner_text("#ready-list")
    assert persistent.locator("svg[data-icon=warn]").count() == 1

    page.click("#request-persist")
    page.wait_for_selector("#persist-state:has-text('正在向浏览器申请')", timeout=1_000)
    assert page.is_disabled("#request-persist")
    page.wait_for_selector("#persist-state:has-text('浏览器未同意')", timeout=5_000)
    assert page.get_attribute("#persist-state", "role") == "status"
    assert page.get_attribute("#ready-verdict", "data-ready") == "true"
    assert not EMOJI.search(page.inner_text("#ready"))
    assert browser.errors == []


def test_icons_are_svg_not_emoji(live, browser):
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}/accept")
    page.click("#accept-job")
    page.wait_for_selector("#accept-job svg[data-icon=check]")
    page.goto(f"{base}/app/jobs/{wo}")
    page.wait_for_selector("#job")
    assert page.locator(".steps .mark svg[data-icon=check]").count() >= 1, "a done step is marked with the SVG tick"
    page.goto(f"{base}/app/jobs/{wo}/parts")
    page.wait_for_selector("#main h1")
    assert page.locator("button svg[data-icon=scan]").count() >= 1
    for path in (f"/app/jobs/{wo}", f"/app/jobs/{wo}/accept", f"/app/jobs/{wo}/parts", "/app/settings", "/app/jobs"):
        page.goto(base + path)
        page.wait_for_function("() => document.body.dataset.screen !== 'loading'")
        text = page.inner_text("#main")
        assert not EMOJI.search(text), (path, EMOJI.findall(text))
        for svg in page.locator("#main svg").all():
            assert svg.get_attribute("aria-hidden") == "true" and svg.get_attribute("stroke") == "currentColor"
    assert browser.errors == []
