"""A pull page's statements are built once per shape and stay prepared between pages (issue #17:
the pull's cost per change). What a page holds is checked elsewhere (test_pull_plain_rows.py,
test_permissions.py); here, what would silently make every page slower again, or fail only
on the first page that holds some mix of records."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from server.sync import pull as pull_module
from server.sync.serialize import FAST
from server.sync.views import end_read


@pytest.mark.parametrize("office", [True, False], ids=["office", "technician"])
def test_a_page_can_hold_every_kind_of_visit_record_in_one_statement(office):
    # The visit tables share one UNION ALL: a column name with two types in two tables would
    # break it on the first page that holds both kinds.
    statement = pull_module._visits_union(tuple(sorted(FAST)), office)
    sql = str(statement.compile(dialect=postgresql.psycopg.dialect()))
    assert sql.count("UNION ALL") == len(FAST) - 1
    assert ("viewer_id" in sql) is not office  # a technician's access conditions take their id


def test_a_pulls_statements_stay_prepared_from_page_to_page(app, db, people, world, backend):
    if backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    tech = people["tech1"]
    with db.engine.connect() as connection:
        session = Session(bind=connection)
        for _ in range(7):  # psycopg prepares a statement on its fifth run on a connection
            page = pull_module.pull(session, tech, None, 500)
            end_read(session)
            assert page.changes
        prepared = connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
        session.close()
    # A rollback would have dropped them all (psycopg deallocates at every rollback), and the
    # server would plan every page's statements again.
    assert any("FROM change_log" in text for text in prepared)


def test_a_pull_opens_no_transaction_on_postgresql_and_a_push_still_does(app, client_for, db, world, backend):
    # A pull only reads: BEGIN and COMMIT would be two of a plain page's four round trips. The
    # sign-in's look-up runs the same way (the pull's hook comes first).
    if backend != "postgresql":
        pytest.skip("SQLite's BEGIN is no round trip")
    import sqlalchemy as sa
    from psycopg.pq import TransactionStatus

    from .device import SimDevice

    seen: list = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(conn.connection.dbapi_connection.info.transaction_status)

    phone, wo_id = SimDevice(client_for("tech1")), world["wo1"].id
    db.session.remove()  # each request its own session, as in production (not the test's)
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        changes = phone.pull_all()
        pulled, seen[:] = list(seen), []
        answer = phone.push([phone.mutation("visit_event", {"work_order_id": wo_id, "kind": "departed"})])
        pushed = list(seen)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert changes and answer.status_code == 200
    assert pulled and set(pulled) == {TransactionStatus.IDLE}  # no statement ran inside a transaction
    assert TransactionStatus.INTRANS in pushed  # (the first statement of a transaction sends its BEGIN)
