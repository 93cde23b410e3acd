"""Planner statistics follow the change log's growth (server/sync/planner_stats.py)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from server.sync import planner_stats

from .device import SimDevice


class Info:
    def __init__(self):
        self.info = {}


@pytest.mark.parametrize(
    "before, after, due",
    [
        (4000, 4095, False),  # below the first mark
        (4095, 4096, True),  # reaches 4,096
        (4096, 8000, False),  # has not doubled again
        (8000, 8192, True),
        (100, 100_000, True),  # a big jump is one analysis
        (0, 3, False),
    ],
)
def test_an_analysis_is_due_each_time_the_log_doubles(before, after, due):
    session = Info()
    planner_stats.note_growth(session, before, after)
    assert session.info.get(planner_stats.DUE, False) is due


def test_the_push_that_doubles_the_log_gets_the_database_analysed(backend, client_for, world, db):
    if backend != "postgresql":
        pytest.skip("only PostgreSQL is analysed")

    def analysed() -> int:
        return db.session.execute(
            sa.text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'change_log'")
        ).scalar()

    db.session.execute(sa.text("UPDATE sync_state SET last_seq = 4090, oldest_seq = 0 WHERE id = 1"))
    db.session.commit()
    before = analysed()
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"].id
    answer = phone.push(
        [
            phone.mutation("checklist_answer", {"work_order_id": wo, "step": s, "value": "yes"})
            for s in ("kit_tools", "kit_gloves", "kit_forms", "kit_parts")
        ]
    )
    assert answer.status_code == 200
    deadline = time.monotonic() + 20
    while analysed() == before and time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of the statistics views
        time.sleep(0.2)
    assert analysed() > before
