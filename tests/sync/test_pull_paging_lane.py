"""A phone paging through a pull behind the log skips the idle lane's query (issue #17: the pull's
cost per page) and still gets every page from the full view, token checked; an up-to-date poll is
still answered by the lane (server/sync/idle_pull.py)."""

from __future__ import annotations

import sqlalchemy as sa

from server.auth.session import issue_token
from server.sync.pull import encode_cursor

from .device import SimDevice


def _phone(app, db, people, device_id=None):
    token = issue_token(people["tech1"], "phone")
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return SimDevice(client, device_id)


def _count_lane_queries(app) -> list[int]:
    lane, calls = app.wsgi_app, []
    inner = lane._last_seq_for

    def counted(digest):
        calls.append(1)
        return inner(digest)

    lane._last_seq_for = counted
    return calls


def test_pages_behind_the_log_come_from_the_full_view_without_the_lanes_query(app, db, people, world, client_for):
    writer = _phone(app, db, people)
    steps = ("kit_tools", "kit_parts", "kit_gloves", "kit_shoe_covers", "kit_floor_cloth", "kit_forms")
    fields = [{"work_order_id": world["wo1"].id, "step": step, "value": "yes"} for step in steps]
    notes = [writer.mutation("checklist_answer", f) for f in fields * 2]
    assert {r["status"] for r in writer.push(notes).get_json()["results"]} == {"applied"}
    phone = _phone(app, db, people)
    queries = _count_lane_queries(app)

    changes = phone.pull_all(limit=3)  # a first page, then pages behind the log
    assert {c["id"] for c in changes if c["entity"] == "checklist_answer"} == {n["entity_id"] for n in notes}
    assert len(queries) == 1  # the second page's; the lane knew the later ones were behind

    up_to_date = phone.client.get(f"/api/sync/pull?cursor={phone.cursor}")
    assert up_to_date.get_json() == {"changes": [], "cursor": phone.cursor, "has_more": False, "reset": False}
    assert len(queries) == 2  # an up-to-date poll is still the lane's to answer

    db.session.execute(sa.text("DELETE FROM api_tokens"))
    db.session.commit()
    behind = phone.client.get(f"/api/sync/pull?limit=3&cursor={encode_cursor(1)}")
    assert behind.status_code == 401  # the full view checks the token of a page behind the log
