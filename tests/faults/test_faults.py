"""The sync engine under gunicorn on PostgreSQL while workers die and responses get lost.

Runs tests/faults/harness.py in a CI-sized configuration, then checks the database
itself: every entry a phone sent is there exactly once or rejected with a reason, no
visit record is doubled, and every value a merge overwrote is in the conflict log.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from .harness import CONTESTED_FIELDS, TABLE_OF, Config, _sa_url, drop_database, format_table, run

PG_URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not PG_URL, reason="TEST_POSTGRES_URL is not set: the fault harness needs PostgreSQL and gunicorn"
)
CI = Config(
    devices=4,
    kills=20,
    orders_per_technician=2,
    day_seconds=10,
    kill_gap=(0.15, 0.45),
    deadline_s=150,
    pg_url=PG_URL or "",
)


@pytest.fixture(scope="module")
def faulty_run():
    """One harness run; its database is kept for the checks below, then dropped."""
    report = run(CI, keep_database=True)
    print(format_table(report))
    try:
        engine = sa.create_engine(_sa_url(report.db_url))
        with engine.connect() as conn:
            yield report, conn
        engine.dispose()
    finally:
        drop_database(CI.pg_url, report.db_url)


def test_run_hit_the_server_hard_and_found_no_problem(faulty_run):
    report, _ = faulty_run
    counts = report.counts
    assert counts["kills"] >= 20
    assert counts["kills_mid_request"] >= 1
    assert counts["broken_by_kill"] >= 1
    assert counts["cut_by_proxy"] >= 1
    assert counts["duplicates"] >= 1
    assert counts["rejected"] > 0
    assert counts["http_5xx"] == 0
    assert counts["lost"] == 0
    assert counts["duplicated"] == 0
    assert counts["conflicts"] == counts["conflicts_expected"] > 0
    assert report.problems == []


def test_a_poisoned_record_does_not_break_anyones_pull(faulty_run):
    """Issue #12 finding 2: the first technician's two phones and the office pull it, marked unreadable, and nobody
    (the other technicians included) saw a 5xx."""
    report, _ = faulty_run
    assert report.counts["unreadable_pulled"] == 2
    assert report.counts["office_unreadable_pulled"] == 1
    assert report.counts["http_5xx"] == 0 and report.problems == []


def test_every_mutation_has_exactly_one_server_record(faulty_run):
    report, conn = faulty_run
    ids = [s["id"] for s in report.sent]
    rows = conn.execute(sa.text("SELECT id, status FROM mutations WHERE id = ANY(:ids)"), {"ids": ids}).all()
    per_id = Counter(r.id for r in rows)
    assert set(per_id) == set(ids), f"{len(set(ids) - set(per_id))} mutation(s) lost"
    assert max(per_id.values()) == 1
    assert {r.status for r in rows} <= {"applied", "merged", "rejected"}
    status = {r.id: r.status for r in rows}
    wrongly = [s for s in report.sent if (status[s["id"]] == "rejected") == s["valid"]]
    assert wrongly == []
    per_device = Counter(s["device_id"] for s in report.sent)
    last_seq = dict(
        conn.execute(sa.text("SELECT id, last_seq FROM devices WHERE id = ANY(:d)"), {"d": list(per_device)}).all()
    )
    assert last_seq == dict(per_device)


def test_every_rejected_entry_keeps_its_reason(faulty_run):
    report, conn = faulty_run
    rows = conn.execute(
        sa.text("SELECT id, entity, result FROM mutations WHERE status = 'rejected' AND id = ANY(:ids)"),
        {"ids": [s["id"] for s in report.sent]},
    ).all()
    assert rows
    for row in rows:
        error = row.result["error"]
        assert error["message"], row
        assert error["errors"], row
    reasons = " ".join(r.result["error"]["message"] for r in rows)
    assert "NO-SUCH-PART" in reasons  # the unknown part is named, not a generic failure


def test_no_visit_record_is_duplicated_or_missing(faulty_run):
    report, conn = faulty_run
    voided = {s["entity_id"] for s in report.sent if s["op"] == "delete" and s["valid"]}
    for entity, table in TABLE_OF.items():
        sent = {s["entity_id"] for s in report.sent if s["entity"] == entity and s["op"] == "create" and s["valid"]}
        rows = conn.execute(
            sa.text(f"SELECT id, deleted FROM {table} WHERE work_order_id = ANY(:wo)"), {"wo": report.work_orders}
        ).all()
        assert len(rows) == len(sent), table
        assert {r.id for r in rows} == sent, table
        assert {r.id for r in rows if r.deleted} == sent & voided, table


def _instant(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value)


def test_an_office_edit_between_two_offline_edits_of_a_job_is_in_the_conflict_log(faulty_run):
    """Issue #12 finding 4: the second offline edit does not claim to have seen the office's change."""
    report, conn = faulty_run
    rescheduled = [c for c in report.contested if "office" in c]
    assert report.counts["office_reschedules"] >= 2 and len(rescheduled) == 2 * report.counts["office_reschedules"]
    for c in rescheduled:
        final = conn.execute(
            sa.text(f"SELECT {c['field']} FROM work_orders WHERE id = :id"), {"id": c["wo_id"]}
        ).scalar_one()
        assert _instant(final) == _instant(c["values"][1]), c  # the phone's later edit arrived last
        rows = conn.execute(
            sa.text("SELECT field, rule, losing_value FROM conflicts WHERE entity = 'work_order' AND entity_id = :id"),
            {"id": c["wo_id"]},
        ).all()
        logged = [r for r in rows if r.field == c["field"]]
        assert len(logged) == 1 and _instant(logged[0].losing_value["value"]) == _instant(c["office"]), rows
        assert "technician_notes" not in {r.field for r in rows}, "the phone's own first edit is no conflict"


def test_every_overwritten_work_order_value_is_in_the_conflict_log(faulty_run):
    report, conn = faulty_run
    contested = [c for c in report.contested if c["field"] in CONTESTED_FIELDS and "office" not in c]
    assert contested, "no two phones edited the same work order"
    for c in contested:
        final = conn.execute(
            sa.text(f"SELECT {c['field']} FROM work_orders WHERE id = :id"), {"id": c["wo_id"]}
        ).scalar_one()
        conflicts = conn.execute(
            sa.text(
                "SELECT rule, losing_value, winning_value FROM conflicts "
                "WHERE entity = 'work_order' AND entity_id = :id AND field = :f"
            ),
            {"id": c["wo_id"], "f": c["field"]},
        ).all()
        assert len(conflicts) == 1, c  # logged once, however often the push was retried
        if c["field"] == "technician_notes":
            assert all(v in final for v in c["values"]), final  # merged: both texts kept
            assert conflicts[0].rule == "text_merged"
            continue
        sent = [_instant(v) for v in c["values"]] if c["field"].startswith("appointment_") else c["values"]
        kept = _instant(final) if c["field"].startswith("appointment_") else final
        assert kept in sent
        (overwritten,) = [v for v in sent if v != kept]
        losing = conflicts[0].losing_value["value"]
        assert (_instant(losing) if c["field"].startswith("appointment_") else losing) == overwritten
        assert conflicts[0].rule == "last_arrival_wins"
