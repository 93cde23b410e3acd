"""An entry the server rejects: shown with its reason, fixed on the phone and resent; the queue goes on."""

from __future__ import annotations

from .helpers import api_session, server_changes, sign_in, wait_synced

BAD_ENTRY_JS = """async (woId) => {
  // What an older app version might have queued: a diagnosis with a blank fault cause.
  const { enqueue } = await import('/static/js/outbox.js');
  const { recordVisit } = await import('/static/js/records.js');
  await enqueue([{ entity: 'diagnosis', entityId: crypto.randomUUID(), op: 'create',
                   fields: { work_order_id: woId, fault_cause: '   ', repair_method: null, customer_visible: true } }]);
  await recordVisit(woId, 'visit_event', { kind: 'accepted' });  // queued after the bad one
}"""


def test_rejected_entry_is_shown_fixed_and_resent(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(BAD_ENTRY_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#rejected-count")  # always visible in the status bar
    assert page.get_attribute("#status", "data-pending") == "0", "the good entry behind it went through"
    page.reload()
    page.wait_for_selector("#rejected-list li")
    item = page.locator("#rejected-list li").first
    assert "fault_cause" in item.inner_text()
    assert "字段有误：fault_cause" in item.inner_text(), "the reason is worded from its code, in the phone's language"
    assert "Invalid fields" not in item.inner_text()
    item.locator("button", has_text="修改并重发").click()
    item.locator("input[name=fault_cause]").fill("压缩机电容鼓包")
    item.locator("button[type=submit]").click()
    page.wait_for_selector("#rejected-list", state="detached")
    wait_synced(page)
    assert page.locator("#rejected-count").count() == 0
    office = api_session(base)
    mine = [c for c in server_changes(office, base) if c["fields"].get("work_order_id") == wo]
    assert sorted(c["fields"].get("fault_cause") or c["fields"].get("kind") for c in mine) == [
        "accepted",
        "压缩机电容鼓包",
    ]
    [diagnosis] = [c for c in mine if c["entity"] == "diagnosis"]
    assert diagnosis["fields"]["repair_method"] is None, "a field that had no value and was left empty still has none"
    assert browser.errors == []
