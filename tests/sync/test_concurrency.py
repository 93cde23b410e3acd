"""Concurrent pushes from several devices with a puller running: the cursor never skips a change."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from server.models import ChecklistAnswer, VisitEvent

from .device import SimDevice

WRITERS, BATCHES, BATCH_SIZE = 4, 8, 15


def test_puller_sees_everything_committed_by_concurrent_writers(app, client_for, world, db):
    wo_id = world["wo1"].id
    errors: list[str] = []
    done = threading.Event()

    phones = [SimDevice(client_for("tech1")) for _ in range(WRITERS)]  # sign in before the threads start
    for phone in phones:
        phone.client._token()

    def writer(index: int) -> None:
        phone = phones[index]
        for _ in range(BATCHES):
            batch = [
                phone.mutation("checklist_answer", {"work_order_id": wo_id, "step": f"w{index}", "value": "y"})
                if i % 2
                else phone.mutation("visit_event", {"work_order_id": wo_id, "kind": "knock_started"})
                for i in range(BATCH_SIZE)
            ]
            response = phone.push(batch)
            if response.status_code != 200 or any(r["status"] != "applied" for r in response.get_json()["results"]):
                errors.append(f"writer {index}: {response.status_code} {response.get_data(as_text=True)[:300]}")
                return

    office = client_for("dispatcher")
    seen: set[tuple[str, str]] = set()

    def puller() -> None:
        cursor = None
        while True:
            finished = done.is_set()  # read before pulling: one more full pass after the writers end
            while True:
                url = "/api/sync/pull?limit=50" + (f"&cursor={cursor}" if cursor else "")
                response = office.get(url)
                if response.status_code != 200:
                    errors.append(f"puller: {response.status_code}")
                    return
                page = response.get_json()
                seen.update((c["entity"], c["id"]) for c in page["changes"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            if finished:
                return

    db.session.rollback()  # the test's own session must not sit on SQLite's write lock
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    reader = threading.Thread(target=puller)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()

    assert not errors, errors
    committed = {("checklist_answer", i) for i in db.session.scalars(sa.select(ChecklistAnswer.id))}
    committed |= {("visit_event", i) for i in db.session.scalars(sa.select(VisitEvent.id))}
    assert len(committed) == WRITERS * BATCHES * BATCH_SIZE
    assert committed <= seen
