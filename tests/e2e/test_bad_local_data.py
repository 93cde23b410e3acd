"""Bad data on the phone: a damaged IndexedDB record, a full disk. The app keeps working,
says what happened, and loses nothing else."""

from __future__ import annotations

from .helpers import api_session, local_records, on_server, pending, server_changes, sign_in, wait_synced

QUEUE_TWO_JS = """async (woId) => {
  const { recordVisit } = await import('/static/js/records.js');
  await recordVisit(woId, 'visit_event', { kind: 'accepted' });
  await recordVisit(woId, 'visit_event', { kind: 'appointment_confirmed' });
}"""

OUTBOX_COUNT_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const n = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').count(); r.onsuccess = () => ok(r.result); });
  db.close();
  return n;
}"""

# A work order the screens cannot use (no ticket, status not a string, fields not an object),
# plus a value that is not even an object, written straight into the jobs mirror.
CORRUPT_MIRROR_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  await new Promise((ok, bad) => {
    const t = db.transaction('work_order', 'readwrite');
    const s = t.objectStore('work_order');
    s.put({ id: 'damaged-1', status: 42, fields: 'garbage', customer_id: { broken: true } });
    s.put({ id: 'damaged-2', ticket_no: null, status: null, appointment_start: 'not a date' });
    t.oncomplete = ok; t.onerror = () => bad(t.error);
  });
  db.close();
}"""

# Two queued entries damaged on the phone: the first loses its id, and a copy of the second
# lands under a key no seq counter hands out.
DAMAGE_OUTBOX_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const all = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
  await new Promise((ok, bad) => {
    const t = db.transaction('outbox', 'readwrite');
    const s = t.objectStore('outbox');
    s.put({ ...all[0], id: null });
    s.put({ ...all[1], seq: 'x9', id: crypto.randomUUID() });
    t.oncomplete = ok; t.onerror = () => bad(t.error);
  });
  db.close();
}"""

# Every IndexedDB write of the page fails, as on a full disk, while window.__storageFull is set.
QUOTA_INIT_JS = """(() => {
  for (const name of ['put', 'add']) {
    const original = IDBObjectStore.prototype[name];
    IDBObjectStore.prototype[name] = function (...args) {
      if (window.__storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original.apply(this, args);
    };
  }
})();"""


def _kinds(changes, wo):
    return sorted(
        c["fields"].get("kind")
        for c in changes
        if c["entity"] == "visit_event" and c["fields"].get("work_order_id") == wo
    )


def _two_queued(live, browser):
    """A signed-in phone whose server stops taking entries: two stay queued on it."""
    page = browser.page()
    sign_in(page, live.url)
    wait_synced(page)
    live.block("/api/sync")
    page.evaluate(QUEUE_TWO_JS, live.seed.wo_in_warranty)
    assert page.evaluate(OUTBOX_COUNT_JS) == 2
    return page


def test_damaged_record_is_skipped_and_reported(live, browser):
    base, seed = live.url, live.seed
    page = _two_queued(live, browser)
    page.evaluate(CORRUPT_MIRROR_JS)

    page.reload()
    page.wait_for_selector("#jobs")
    notice = page.locator("#damaged-records")
    notice.wait_for()
    assert "2" in notice.inner_text() and "损坏" in notice.inner_text()
    shown = page.locator("#jobs a.job").evaluate_all("els => els.map((e) => e.dataset.ticket)")
    assert sorted(shown) == sorted(seed.tickets.values()), "the good jobs are all listed, the damaged ones are not"
    page.wait_for_function("() => document.getElementById('status')?.dataset.pending === '2'")
    assert pending(page) == 2 and page.evaluate(OUTBOX_COUNT_JS) == 2, "the queued entries survived"

    # A good job still opens.
    page.locator(f"#jobs a.job[data-ticket='{seed.tickets[seed.wo_out_of_warranty]}']").click()
    page.wait_for_url(f"**/app/jobs/{seed.wo_out_of_warranty}")

    live.block()
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    wait_synced(page)
    office = api_session(base)
    assert _kinds(server_changes(office, base), seed.wo_in_warranty) == ["accepted", "appointment_confirmed"]
    assert browser.errors == []


def test_full_storage_is_reported_and_nothing_half_saved(live, browser):
    browser.context.add_init_script(QUOTA_INIT_JS)
    page = browser.page()
    base, wo = live.url, live.seed.wo_in_warranty
    sign_in(page, base)
    wait_synced(page)
    page.goto(f"{base}/app/jobs/{wo}/accept")
    page.wait_for_selector("#accept-job")

    page.evaluate("() => { window.__storageFull = true; }")
    page.click("#accept-job")
    alert = page.locator("#toasts [role=alert]")
    alert.wait_for()
    page.evaluate("() => { window.__storageFull = false; }")
    assert "存储空间已满" in alert.inner_text()
    assert page.is_enabled("#accept-job"), "the entry is not shown as saved"
    assert page.locator("#step-done").count() == 0
    assert local_records(page, wo) == []
    assert pending(page) == 0

    # Space freed: the same tap records it, and it reaches the server once.
    page.click("#accept-job")
    page.wait_for_selector("#accept-job:disabled")
    assert [r["kind"] for r in local_records(page, wo)] == ["accepted"]
    wait_synced(page)
    page.reload()
    page.wait_for_selector("#accept-job:disabled")
    office = api_session(base)
    assert _kinds(on_server(office, base, lambda changes: _kinds(changes, wo)), wo) == ["accepted"]
    assert browser.errors == []


def test_damaged_outbox_entries_do_not_block_the_queue(live, browser):
    base, seed = live.url, live.seed
    page = _two_queued(live, browser)
    page.evaluate(DAMAGE_OUTBOX_JS)
    assert page.evaluate(OUTBOX_COUNT_JS) == 3

    live.block()
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    wait_synced(page)
    office = api_session(base)
    kinds = on_server(
        office, base, lambda changes: _kinds(changes, seed.wo_in_warranty) == ["accepted", "appointment_confirmed"]
    )
    assert _kinds(kinds, seed.wo_in_warranty) == ["accepted", "appointment_confirmed"], (
        "both entries reached the server once"
    )
    aside = page.locator("#rejected-list li")
    aside.wait_for()
    assert aside.count() == 1 and "已损坏" in aside.inner_text(), (
        "the stray copy is set aside where the technician sees it"
    )
    assert page.evaluate(OUTBOX_COUNT_JS) == 0
    assert browser.errors == []
