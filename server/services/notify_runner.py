"""Who delivers an outbox after a commit (NOTIFY_QUEUE): customer notifications and
technicians' Web Push messages share these runners (each outbox is an `Outbox`).

- ``inline`` (the embedded default): one daemon thread per outbox in this process delivers
  the rows just committed, and wakes again when the earliest retry or quiet-hour wait falls
  due. Nothing else to run; fine for one process.
- ``rq`` (production, several workers): each row becomes an RQ job on Redis (REDIS_URL,
  else 127.0.0.1:6379), queue NOTIFY_RQ_QUEUE; `flask --app server notify worker` runs the
  workers (with RQ's scheduler, which runs the retries and quiet-hour waits at their time).
- ``manual``: nobody; `flask --app server notify deliver-due` / `push deliver-due` (cron)
  send what is due.

Whatever the runner, the sweep is safe: a row is claimed by one sender only
(delivery.claim).
"""

from __future__ import annotations

import logging
import queue as queue_mod
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from .. import shared_state
from ..extensions import db
from . import delivery

log = logging.getLogger(__name__)
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PENDING = "onsite_outbox_rows_to_deliver"


@dataclass(frozen=True)
class Outbox:
    """One outbox table, as the runners see it."""

    name: str  # the thread's name and the RQ job ids' prefix
    deliver: Callable[[str], tuple[str, datetime | None]]  # one row now: (outcome, retry at)
    deliver_due: Callable[[], object]  # the sweep
    next_due: Callable[[datetime], datetime | None]  # the earliest wait, for the inline timer
    job: Callable[[str], str]  # the RQ job: a module-level function, so RQ can import it


# ---------------------------------------------------------------- after the commit


def real_session(session: Session) -> Session:
    """The Session itself, not db.session's proxy: listening on the proxy would add class-wide
    listeners, and its `info` is the session's."""
    return session.registry() if isinstance(session, scoped_session) else session


def note(session: Session, outbox: Outbox, row_id: str) -> None:
    """A row was added in this transaction: hand it to the runner once the outermost commit is done
    (nothing is sent for a change that rolled back)."""
    real = real_session(session)
    real.info.setdefault(PENDING, {}).setdefault(outbox.name, (outbox, []))[1].append(row_id)
    if not event.contains(real, "after_commit", _after_commit):
        event.listen(real, "after_commit", _after_commit)
        event.listen(real, "after_soft_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    # SQLAlchemy fires after_commit when a savepoint is released too: rows noted before it are not
    # committed yet, and a runner handed them now would find nothing to claim (then nobody would
    # send them until a sweep). Only the outermost commit hands them over.
    if session.in_nested_transaction():
        return
    for outbox, ids in (session.info.pop(PENDING, None) or {}).values():
        committed(current_app._get_current_object(), outbox, ids)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing it queued exists
        session.info.pop(PENDING, None)


def committed(app: Flask, outbox: Outbox, ids: list[str]) -> None:
    """New outbox rows were committed: hand them to the configured runner."""
    mode = app.config["NOTIFY_QUEUE"]
    if mode == "inline":
        InlineRunner.of(app, outbox).submit(ids)
    elif mode == "rq":
        try:
            # All of a commit's rows in one pipelined round trip, on the process's pooled client:
            # a connection and a queue per row cost ~2 ms each, inside the request that committed.
            queue = rq_queue(app)
            queue.enqueue_many(
                [queue.prepare_data(outbox.job, (row_id,), job_id=f"{outbox.name}-{row_id}") for row_id in ids]
            )
        except Exception as exc:  # Redis down: the rows wait for the sweep, nothing is lost
            log.warning("%s rows not enqueued (%s); the deliver-due sweep will send them", outbox.name, exc)


# ---------------------------------------------------------------- RQ


def redis_connection(app: Flask):
    """The process's client for the queue's Redis (without shared_state.redis()'s short socket
    timeout, which would cut a worker's blocking wait for jobs)."""
    return shared_state.client(app.config.get("REDIS_URL") or DEFAULT_REDIS)


def rq_queue(app: Flask):
    from rq import Queue

    return Queue(app.config["NOTIFY_RQ_QUEUE"], connection=redis_connection(app))


def run_job(outbox: Outbox, row_id: str) -> str:
    """An RQ job's body: deliver one row; a retry or a quiet-hour wait is scheduled for its time."""
    app = current_app._get_current_object()  # the worker runs inside the app (flask notify worker)
    try:
        outcome, retry_at = outbox.deliver(row_id)
    except Exception:
        db.session.rollback()  # the worker's session serves the next job; the row waits for the sweep
        raise
    if retry_at is not None:
        rq_queue(app).enqueue_at(retry_at, outbox.job, row_id)
    return outcome


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker in this process and app context (no fork: the app's connections stay valid)."""
    from rq import SimpleWorker

    queue = rq_queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


# ---------------------------------------------------------------- inline


class InlineRunner:
    """One background thread per app and outbox: delivers committed rows, then whatever falls due."""

    _runners: dict[tuple[int, str], InlineRunner] = {}
    _lock = threading.Lock()

    def __init__(self, app: Flask, outbox: Outbox):
        self.app, self.outbox = app, outbox
        self.inbox: queue_mod.Queue = queue_mod.Queue()
        self.timer: threading.Timer | None = None
        self.thread = threading.Thread(target=self._run, name=f"onsite-{outbox.name}", daemon=True)
        self.thread.start()

    @classmethod
    def of(cls, app: Flask, outbox: Outbox) -> InlineRunner:
        with cls._lock:
            runner = cls._runners.get((id(app), outbox.name))
            if runner is None or runner.app is not app:  # (an id is reused once an app is gone)
                runner = cls._runners[(id(app), outbox.name)] = cls(app, outbox)
            return runner

    def submit(self, ids: list[str] | None) -> None:
        """Deliver these rows (None: sweep whatever is due)."""
        self.inbox.put(ids)

    def wait(self) -> None:
        """Until everything submitted so far is handled (tests)."""
        self.inbox.join()

    def _run(self) -> None:
        while True:
            ids = self.inbox.get()
            try:
                with self.app.app_context():
                    if ids is None:
                        self.outbox.deliver_due()
                    else:
                        for row_id in ids:
                            self.outbox.deliver(row_id)
                    self._wake_at(self.outbox.next_due(delivery.utcnow()))
                    db.session.remove()
            except Exception:
                log.exception("%s delivery failed; the rows wait for the next sweep", self.outbox.name)
            finally:
                self.inbox.task_done()

    def _wake_at(self, when: datetime | None) -> None:
        if when is None:
            return
        if self.timer is not None:
            self.timer.cancel()
        delay = max((when - delivery.utcnow()).total_seconds(), 0) + 1
        self.timer = threading.Timer(delay, self.submit, args=(None,))
        self.timer.daemon = True
        self.timer.start()


# ---------------------------------------------------------------- the customer notifications' outbox


def _deliver_notification(notification_id: str) -> tuple[str, datetime | None]:
    result = delivery.deliver(notification_id)
    return result.outcome, result.retry_at


def deliver_job(notification_id: str) -> str:
    """The RQ job for a customer notification."""
    return run_job(NOTIFICATIONS, notification_id)


NOTIFICATIONS = Outbox("notify", _deliver_notification, delivery.deliver_due, delivery.next_due, deliver_job)
