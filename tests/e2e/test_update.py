"""A new version of the app arrives mid-visit: the update prompt, one reload, nothing lost."""

from __future__ import annotations

from .helpers import api_session, local_records, server_changes, sign_in, wait_synced, wait_worker_ready

OUTBOX_JS = """async () => {
  const db = await new Promise((ok) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); });
  const all = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return all.map((e) => [e.seq, e.id, e.entity, e.entity_id]);
}"""
VERSION_JS = """() => new Promise((resolve) => {
  navigator.serviceWorker.addEventListener('message', (e) => { if (e.data.type === 'version') resolve(e.data.version); }, { once: true });
  navigator.serviceWorker.controller.postMessage({ type: 'version' });
})"""


def test_worker_update_mid_visit_loses_nothing(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    old_version = page.evaluate(VERSION_JS)
    old_caches = page.evaluate("async () => await caches.keys()")

    live.block("/api/sync/")  # the server is up but not syncing: entries stay in the outbox
    page.goto(f"{base}/app/jobs/{wo}/accept")
    page.click("#accept-job")
    # The screen redraws once the entry is saved: wait for the confirmation to be offered.
    page.wait_for_selector("#confirm-appointment.primary")
    page.click("#confirm-appointment")
    page.wait_for_selector("#confirm-appointment:disabled:has(svg[data-icon=check])")
    page.wait_for_selector("#step-done")
    page.goto(f"{base}/app/jobs/{wo}/kit")
    page.wait_for_selector("#kit-form")
    for box in page.locator("#kit-form input[type=checkbox]").all()[:5]:
        box.check()  # half-done kit check: only a draft so far
    page.click("#nav a[data-screen=jobs]")
    page.wait_for_selector("#jobs")
    page.goto(f"{base}/app/jobs/{wo}/diagnosis")
    page.fill("#f-fault_cause", "外机电容损坏（草稿）")
    page.wait_for_function("() => +document.getElementById('status').dataset.pending >= 2")
    outbox_before = page.evaluate(OUTBOX_JS)
    records_before = local_records(page, wo)

    live.app.config["PWA_VERSION_SALT"] = "a new release"  # the server now serves a different sw.js
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    page.wait_for_selector("#update-toast")
    with page.expect_navigation():
        page.click("#update-apply")
    page.wait_for_selector("#diagnosis-form")
    wait_worker_ready(page)

    new_version = page.evaluate(VERSION_JS)
    assert new_version != old_version
    caches = page.evaluate("async () => await caches.keys()")
    assert caches == [f"onsite-{new_version}"] and caches != old_caches, "old caches removed on activate"
    assert page.evaluate(OUTBOX_JS) == outbox_before, "the update did not touch the outbox"
    assert local_records(page, wo) == records_before
    assert page.input_value("#f-fault_cause") == "外机电容损坏（草稿）", "the unsaved draft survived the reload"
    page.goto(f"{base}/app/jobs/{wo}/kit")
    page.wait_for_selector("#kit-form")
    assert page.locator("#kit-form input[type=checkbox]:checked").count() == 5

    live.block()  # syncing again
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    wait_synced(page)
    office = api_session(base)
    ids = sorted(c["id"] for c in server_changes(office, base) if c["fields"].get("work_order_id") == wo)
    assert ids == sorted(r["id"] for r in records_before)
    assert browser.errors == []
