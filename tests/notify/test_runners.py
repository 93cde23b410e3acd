"""The runners: RQ on a real Redis (production), and the embedded in-process thread (the default)."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from server.models import Notification
from server.services import intake, notify_runner
from tests.office.test_intake import request_body

from .helpers import Receiver, drop_queue
from .helpers import notifications as rows

redis_mod = pytest.importorskip("redis")
rq = pytest.importorskip("rq")


@pytest.fixture
def receiver(app):
    receiver = Receiver()
    app.config.update(NOTIFY_CHANNELS=["sms"], SMS_URL=receiver.url, NOTIFY_QUIET_HOURS="")
    yield receiver
    receiver.close()


@pytest.fixture
def rq_app(app, receiver):
    """The app on RQ with a queue of this test's own (Redis at 127.0.0.1:6379, as in CI)."""
    app.config.update(NOTIFY_QUEUE="rq", NOTIFY_RQ_QUEUE=f"onsite-notify-test-{secrets.token_hex(6)}")
    try:
        notify_runner.redis_connection(app).ping()
    except redis_mod.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = notify_runner.rq_queue(app)
    yield queue
    drop_queue(queue)


def work(queue) -> None:
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_rq_delivers_what_was_committed(rq_app, client_for, db, receiver):
    response = client_for("dispatcher").post("/api/office/intake", json=request_body())
    assert response.status_code == 201
    assert rq_app.count == 1  # enqueued after the commit
    work(rq_app)
    (row,) = rows()
    assert row.status == "sent" and row.attempts == 1
    assert [r["template"] for r in receiver.accepted] == ["ticket_created"]


def test_rq_gets_every_row_a_commit_queued_once(rq_app, app, people, db, receiver):
    # Several messages committed together go to the queue in one round trip: each row once, by its id.
    intake.take_in({**request_body(), "purchase_date": None}, people["dispatcher"])
    intake.take_in({**request_body(), "purchase_date": None, "confirm_duplicate": True}, people["dispatcher"])
    db.session.commit()
    queued = rows()
    assert len(queued) == 2
    assert sorted(rq_app.job_ids) == sorted(f"notify-{row.id}" for row in queued)
    work(rq_app)
    assert [row.status for row in rows()] == ["sent", "sent"] and len(receiver.accepted) == 2


def test_rq_gets_nothing_for_a_change_that_rolled_back(rq_app, app, people, db, receiver):
    intake.take_in({**request_body(), "purchase_date": None}, people["dispatcher"])
    db.session.rollback()
    assert rq_app.count == 0 and rows() == []


def test_rq_schedules_the_retry_and_never_sends_twice(rq_app, client_for, db, receiver):
    receiver.statuses = [503]
    client_for("dispatcher").post("/api/office/intake", json=request_body())
    work(rq_app)
    (row,) = rows()
    assert row.status == "pending" and row.attempts == 1 and "HTTP 503" in row.last_error
    scheduled = rq.registry.ScheduledJobRegistry(queue=rq_app)
    assert scheduled.count == 1  # the retry, at its backoff time
    # The same job again (a duplicate delivery from the queue) is not due yet: nothing is sent.
    rq_app.enqueue(notify_runner.deliver_job, row.id)
    work(rq_app)
    assert len(receiver.requests) == 1
    # When it falls due the retry sends it once.
    db.session.execute(sa.update(Notification).values(next_attempt_at=None))
    db.session.commit()
    rq_app.enqueue(notify_runner.deliver_job, row.id)
    rq_app.enqueue(notify_runner.deliver_job, row.id)
    work(rq_app)
    assert rows()[0].status == "sent" and len(receiver.accepted) == 1


def test_the_embedded_default_delivers_in_process_after_commit(app, client_for, db, receiver):
    app.config["NOTIFY_QUEUE"] = "inline"
    response = client_for("dispatcher").post("/api/office/intake", json=request_body())
    assert response.status_code == 201
    db.session.remove()  # the test's long-lived session would hold SQLite's write lock (a request's ends with it)
    notify_runner.InlineRunner.of(app, notify_runner.NOTIFICATIONS).wait()
    (row,) = rows()
    assert row.status == "sent" and [r["template"] for r in receiver.accepted] == ["ticket_created"]


def test_manual_mode_leaves_rows_for_the_sweep(app, client_for, db, receiver):
    from click.testing import CliRunner  # noqa: F401  (the command is run through the app's runner)

    client_for("dispatcher").post("/api/office/intake", json=request_body())
    assert rows()[0].status == "pending" and receiver.requests == []
    result = app.test_cli_runner().invoke(args=["notify", "deliver-due"])
    assert result.exit_code == 0 and "sent: 1" in result.output
    assert rows()[0].status == "sent"


def test_the_worker_command_runs_the_queue(rq_app, app, client_for, db, receiver):
    client_for("dispatcher").post("/api/office/intake", json=request_body())
    result = app.test_cli_runner().invoke(args=["notify", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert rows()[0].status == "sent" and len(receiver.accepted) == 1
