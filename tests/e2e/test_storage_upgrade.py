"""A phone that ran the first release (IndexedDB schema version 1) opens the new app: its
database is upgraded to the newest version and nothing is lost. The job list shows its jobs, and
the entries it had queued reach the server exactly once when it is back online."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

import sqlalchemy as sa

from .conftest import CST, TECH_EMAIL
from .helpers import api_session, go_offline, go_online, local_records, pending, server_changes, wait_synced

# Signs in with the page's own cookies (as the login screen would) and lays down the
# database exactly as the version-1 app made it: its stores and index, the mirrors, two
# visit records with their unsynced outbox entries, and the meta a signed-in phone keeps.
V1_PHONE_JS = """async ({ mirror, records, outbox, meta, password, email }) => {
  const session = await (await fetch('/api/auth/session')).json();
  const login = await fetch('/api/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRFToken': session.csrf_token },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw new Error(`login ${login.status}`);
  const db = await new Promise((ok, bad) => {
    const r = indexedDB.open('onsite', 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      for (const name of ['work_order', 'customer', 'product', 'part', 'van_stock']) db.createObjectStore(name, { keyPath: 'id' });
      db.createObjectStore('records', { keyPath: 'id' }).createIndex('work_order_id', 'work_order_id');
      db.createObjectStore('outbox', { keyPath: 'seq' });
      db.createObjectStore('rejected', { keyPath: 'id' });
      db.createObjectStore('blobs', { keyPath: 'sha256' });
      db.createObjectStore('drafts', { keyPath: 'key' });
      db.createObjectStore('meta', { keyPath: 'key' });
    };
    r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error);
  });
  await new Promise((ok, bad) => {
    const names = ['work_order', 'customer', 'product', 'part', 'van_stock', 'records', 'outbox', 'meta'];
    const t = db.transaction(names, 'readwrite');
    for (const [store, rows] of Object.entries(mirror)) for (const row of rows) t.objectStore(store).put(row);
    for (const row of records) t.objectStore('records').put(row);
    for (const row of outbox) t.objectStore('outbox').put(row);
    for (const [key, value] of Object.entries(meta)) t.objectStore('meta').put({ key, value });
    t.oncomplete = ok; t.onerror = () => bad(t.error);
  });
  db.close();
}"""

SCHEMA_JS = """async () => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const t = db.transaction(['records', 'outbox', 'work_order']);
  const out = { version: db.version, recordIndexes: [...t.objectStore('records').indexNames].sort(),
                outbox: await new Promise((ok) => { const r = t.objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result.map((e) => [e.seq, e.id])); }),
                pulled: await new Promise((ok) => { const r = t.objectStore('work_order').getAll(); r.onsuccess = () => ok(r.result.map((w) => [w.id, w.version, w.server_version])); }) };
  db.close();
  return out;
}"""


def _version1_data(live):
    """What a v1 phone signed in as tech1 holds: the pulled mirrors and two unsynced visit events."""
    from .conftest import PASSWORD

    tech = api_session(live.url, TECH_EMAIL)
    changes = server_changes(tech, live.url)
    mirror: dict[str, list] = {}
    for c in changes:  # as the v1 client stored a pulled change (wire.recordFromChange)
        if c["entity"] in ("work_order", "customer", "product", "part", "van_stock"):
            mirror.setdefault(c["entity"], []).append(
                {**c["fields"], "id": c["id"], "version": c["version"], "entity": c["entity"], "synced": True}
            )
    cursor = tech.get(f"{live.url}/api/sync/pull", params={"limit": 1000}).json()["cursor"]
    user = tech.get(f"{live.url}/api/auth/session").json()["user"]
    wo = live.seed.wo_in_warranty
    at = datetime.now(CST).isoformat(timespec="milliseconds")
    records, outbox = [], []
    for seq, kind in enumerate(("accepted", "appointment_confirmed"), start=1):
        record_id = str(uuid.uuid4())
        fields = {"work_order_id": wo, "kind": kind}
        records.append({**fields, "id": record_id, "entity": "visit_event", "at": at, "synced": False, "version": 0})
        outbox.append(
            {
                "seq": seq,
                "id": str(uuid.uuid4()),
                "entity": "visit_event",
                "entity_id": record_id,
                "op": "create",
                "fields": fields,
                "base_version": None,
                "at": at,
                "blobs": [],
                "revert": None,
                "queued_at": 0,
            }
        )
    meta = {
        "device_id": str(uuid.uuid4()),
        "seq": 2,
        "acked_seq": 0,
        "cursor": cursor,
        "locale": "zh-CN",
        "user": {k: user.get(k) for k in ("id", "name", "email", "role", "locale")},
    }
    return {
        "mirror": mirror,
        "records": records,
        "outbox": outbox,
        "meta": meta,
        "email": TECH_EMAIL,
        "password": PASSWORD,
    }


def test_a_version_1_phone_is_upgraded_and_loses_nothing(live, browser):
    base, seed = live.url, live.seed
    data = _version1_data(live)
    assert len(data["mirror"]["work_order"]) == 2

    page = browser.page()
    live.block("/api/sync/")  # the first start after the update cannot sync: what shows is local
    page.goto(f"{base}/manifest.webmanifest")  # the app's origin, without the app running
    page.evaluate(V1_PHONE_JS, data)
    assert page.evaluate(SCHEMA_JS)["version"] == 1

    page.goto(f"{base}/app/")
    page.wait_for_selector("#today-list a.job")
    tickets = page.locator("#today-list a.job").evaluate_all("els => els.map(e => e.dataset.ticket)")
    assert sorted(tickets) == sorted(seed.tickets.values()), "the jobs a v1 phone held are listed"
    schema = page.evaluate(SCHEMA_JS)
    assert schema["version"] == 3 and schema["recordIndexes"] == ["entity", "work_order_id"]
    # version 3: each job keeps the version it pulled apart (no work-order update was queued)
    assert sorted(schema["pulled"]) == sorted(
        [w["id"], w["version"], w["version"]] for w in data["mirror"]["work_order"]
    )
    assert schema["outbox"] == [[e["seq"], e["id"]] for e in data["outbox"]], "queued entries kept, in order"
    page.wait_for_function("() => document.getElementById('status')?.dataset.pending === '2'")
    assert {r["id"] for r in local_records(page, seed.wo_in_warranty)} == {r["id"] for r in data["records"]}

    # Out of signal, then back: the queue goes up on its own.
    go_offline(live, browser.context)
    live.block()
    go_online(live, browser.context)
    wait_synced(page)
    assert pending(page) == 0

    from server.extensions import db
    from server.models import Device, MutationRecord

    with live.app.app_context():
        sent = [e["id"] for e in data["outbox"]]
        stored = db.session.execute(
            sa.select(MutationRecord.id, MutationRecord.seq).where(MutationRecord.id.in_(sent))
        ).all()
        assert sorted(stored, key=lambda r: r.seq) == [(e["id"], e["seq"]) for e in data["outbox"]]
        assert db.session.get(Device, data["meta"]["device_id"]).last_seq == 2
    office = api_session(base)
    events = Counter(
        c["id"]
        for c in server_changes(office, base)
        if c["entity"] == "visit_event" and c["fields"].get("work_order_id") == seed.wo_in_warranty
    )
    assert events == Counter({r["id"]: 1 for r in data["records"]}), "each queued entry reached the server once"
    assert browser.errors == []
