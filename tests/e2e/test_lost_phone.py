"""A lost phone (issue #12, finding 1): the manager signs its device out from the office; the
phone's next request is refused and its customer data goes, but what it recorded and had not
synced stays queued and arrives once the technician signs in again; nothing else of the old
session (its cookies) works any more."""

from __future__ import annotations

import requests

from .conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TECH_EMAIL
from .helpers import api_session, on_server, pending, sign_in, wait_synced

MANAGER_EMAIL = "manager@e2e.onsite"

RECORD_JS = """async (woId) => {
  const { recordVisit } = await import('/static/js/records.js');
  await recordVisit(woId, 'visit_event', { kind: 'accepted' });
}"""

STORE_COUNTS_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const count = (name) => new Promise((ok) => { const r = db.transaction(name).objectStore(name).count(); r.onsuccess = () => ok(r.result); });
  const out = { customer: await count('customer'), work_order: await count('work_order'), outbox: await count('outbox') };
  db.close();
  return out;
}"""


def add_manager(live) -> None:
    import secrets

    from server.auth.passwords import hash_password
    from server.extensions import db
    from server.models import User

    with live.app.app_context():
        db.session.add(
            User(
                email=MANAGER_EMAIL,
                name="售后主管",
                role="manager",
                password_hash=hash_password(PASSWORD),
                webauthn_user_handle=secrets.token_bytes(32),
            )
        )
        db.session.commit()


def cookie_jar(context) -> requests.Session:
    """A requests session holding copies of the browser's cookies (what a thief would keep)."""
    s = requests.Session()
    for c in context.cookies():
        s.cookies.set(c["name"], c["value"], domain=c["domain"], path=c["path"])
    return s


def test_a_lost_phone_is_signed_out_from_the_office_and_uploads_its_queue_after_signing_in_again(
    live, browser, playwright_instance
):
    add_manager(live)
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    assert page.evaluate(STORE_COUNTS_JS)["customer"] > 0
    old_session = cookie_jar(browser.context)
    assert {"session", "remember_token"} <= set(old_session.cookies.keys())
    assert old_session.get(f"{base}/api/auth/me").status_code == 200

    # The phone records an arrival that cannot reach the server yet.
    live.block("/api/sync")
    page.evaluate(RECORD_JS, wo)
    assert page.evaluate(STORE_COUNTS_JS)["outbox"] == 1

    # The manager signs the phone out from the office.
    office_browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        office = office_browser.new_page()
        office.goto(f"{base}/office/login")
        office.fill("input[name=email]", MANAGER_EMAIL)
        office.fill("input[name=password]", PASSWORD)
        office.click("button[type=submit]")
        office.wait_for_url("**/office/board")
        office.goto(f"{base}/office/people/{live.seed.tech_id}")
        devices = office.locator("#sign-ins tr[data-sign-in]")
        assert devices.count() == 1
        devices.first.locator("button[type=submit]").click()
        office.wait_for_selector(".flash-success")
        assert office.locator("#sign-ins tr[data-sign-in]").count() == 0
    finally:
        office_browser.close()

    # The phone's next request is refused: it asks to sign in again, forgets the customers
    # and jobs it copied, and keeps its queue.
    live.block()
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#auth-needed")
    assert pending(page) == 1
    counts = page.evaluate(STORE_COUNTS_JS)
    assert counts["customer"] == 0 and counts["work_order"] == 0 and counts["outbox"] == 1, counts
    assert old_session.get(f"{base}/api/auth/me").status_code == 401

    # Signed in again, the queued arrival reaches the server and the jobs come back.
    page.goto(f"{base}/app/login")
    page.wait_for_selector("#login-form")
    assert page.input_value("#f-email") == TECH_EMAIL
    page.fill("#f-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#jobs")
    wait_synced(page)
    office_api = api_session(base)
    changes = on_server(
        office_api,
        base,
        lambda cs: any(
            c["entity"] == "visit_event"
            and c["fields"].get("work_order_id") == wo
            and c["fields"].get("kind") == "accepted"
            for c in cs
        ),
    )
    assert [
        c
        for c in changes
        if c["entity"] == "visit_event"
        and c["fields"].get("work_order_id") == wo
        and c["fields"].get("kind") == "accepted"
    ], "the queued entry arrived"
    assert page.evaluate(STORE_COUNTS_JS)["customer"] > 0

    # Nothing of the old session works: neither its cookies nor a write with them.
    assert old_session.get(f"{base}/api/auth/me").status_code == 401
    assert old_session.get(f"{base}/api/sync/pull?limit=10").status_code == 401
    assert old_session.get(f"{base}/api/work-orders").status_code == 401
    assert browser.errors == []
