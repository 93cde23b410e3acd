"""Planner statistics that keep up with a young, fast-growing change log (PostgreSQL).

Autovacuum analyses a table once it has grown by a tenth, and looks at most once a
minute. A new deployment (or a fleet syncing a backlog) can grow the sync tables tenfold
in that time, and a planner that still believes they are nearly empty picks sequential
scans and sorts every matching row: pulls got five times slower within three minutes
of pushes in bench/sync_bench.py. So each time the change log doubles in length (from
4,096 changes on: about twenty times in its life), the database is analysed, in the
background, right after the commit that crossed the mark.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
DUE = "onsite_analyze_due"
FIRST = 4096


def note_growth(session: Session, before: int, after: int) -> None:
    """The log grew from `before` to `after` changes in this transaction."""
    if after >= FIRST and before.bit_length() < after.bit_length():
        session.info[DUE] = True


def analyze_if_due(session: Session) -> None:
    """After commit: analyse in a thread of its own if this commit doubled the log."""
    if not session.info.pop(DUE, False):
        return
    engine = session.get_bind().engine  # (a Connection's engine, or the Engine itself)
    if engine.dialect.name != "postgresql":
        return  # SQLite plans these queries well without statistics
    threading.Thread(target=_analyze, args=(engine,), name="onsite-analyze", daemon=True).start()


def _analyze(engine: sa.Engine) -> None:
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    except Exception:  # statistics are an optimisation: never fail a request over them
        log.exception("ANALYZE after the change log doubled failed")
