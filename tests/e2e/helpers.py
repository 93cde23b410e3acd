"""Steps the browser tests share: sign in, wait for sync, go offline and back, read the API."""

from __future__ import annotations

import time

import requests

from .conftest import PASSWORD, TECH_EMAIL


def sign_in(page, base_url: str, email: str = TECH_EMAIL, password: str = PASSWORD) -> None:
    """Sign in through the login screen and wait for today's jobs."""
    page.goto(f"{base_url}/app/")
    page.wait_for_selector("#login-form")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#jobs")


def wait_synced(page, timeout: float = 20_000) -> None:
    """Until the outbox is empty and the last sync succeeded (status bar says so)."""
    page.wait_for_function(
        """() => { const s = document.getElementById('status');
                   return s && s.dataset.pending === '0' && s.dataset.syncing === 'false'
                     && document.getElementById('net-state')?.classList.contains('on')
                     && !document.getElementById('last-sync')?.textContent.includes('尚未'); }""",
        timeout=timeout,
    )


def wait_worker_ready(page) -> None:
    """Until a service worker controls the page (the shell is cached)."""
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000
    )


def go_offline(live, context) -> None:
    """No network: the browser is offline and the server is gone."""
    context.set_offline(True)
    live.stop()


def go_online(live, context) -> None:
    live.start()
    context.set_offline(False)


def pending(page) -> int:
    return int(page.get_attribute("#status", "data-pending"))


def api_session(base_url: str, email: str = "dispatch@e2e.onsite") -> requests.Session:
    """A requests session signed in (for checking what the server has)."""
    s = requests.Session()
    token = s.get(f"{base_url}/api/auth/session").json()["csrf_token"]
    r = s.post(
        f"{base_url}/api/auth/login", json={"email": email, "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    r.raise_for_status()
    s.headers["X-CSRFToken"] = r.json()["csrf_token"]
    return s


LOCAL_RECORDS_JS = """async (woId) => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const all = await new Promise((ok) => { const r = db.transaction('records').objectStore('records').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return all.filter((x) => x.work_order_id === woId).map((x) => ({ id: x.id, entity: x.entity, kind: x.kind || x.step || null, deleted: !!x.deleted }));
}"""


def local_records(page, wo_id: str) -> list[dict]:
    """The visit records of a work order in the page's IndexedDB."""
    return page.evaluate(LOCAL_RECORDS_JS, wo_id)


def server_changes(session: requests.Session, base_url: str) -> list[dict]:
    """Every change the signed-in user may see, pulled from the start."""
    changes, cursor = [], None
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = session.get(f"{base_url}/api/sync/pull", params=params).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def on_server(session: requests.Session, base_url: str, check, timeout: float = 20) -> list[dict]:
    """The server's changes once `check(changes)` holds (the app syncs in the background,
    so a status bar that already read "synced" can precede the push of a new entry)."""
    deadline = time.monotonic() + timeout
    while True:
        changes = server_changes(session, base_url)
        if check(changes) or time.monotonic() > deadline:
            return changes
        time.sleep(0.2)


def arrive(page) -> None:
    """Tap "arrived"; when the phone judges the arrival late (the demo appointment's hour can have
    passed when the suite runs), record the usual apology so the travel step is done [seed 003 §三(四)3(1)]."""
    page.click("#arrive")
    page.wait_for_selector("#arrive.done")
    if page.locator("#apology-form").count():
        page.click("#late-traffic")
