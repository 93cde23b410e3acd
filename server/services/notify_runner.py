"""Who delivers the outbox after a commit (NOTIFY_QUEUE).

- ``inline`` (the embedded default): one daemon thread in this process delivers the rows
  just committed, and wakes again when the earliest retry or quiet-hour wait falls due.
  Nothing else to run; fine for one process.
- ``rq`` (production, several workers): each row becomes an RQ job on Redis (REDIS_URL,
  else 127.0.0.1:6379), queue NOTIFY_RQ_QUEUE; `flask --app server notify worker` runs the
  workers (with RQ's scheduler, which runs the retries and quiet-hour waits at their time).
- ``manual``: nobody; `flask --app server notify deliver-due` (cron) sends what is due.

Whatever the runner, `deliver-due` is a safe sweep: a row is claimed by one sender only.
"""

from __future__ import annotations

import logging
import queue as queue_mod
import threading
from datetime import datetime

from flask import Flask, current_app

from . import delivery

log = logging.getLogger(__name__)
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def committed(app: Flask, ids: list[str]) -> None:
    """New outbox rows were committed: hand them to the configured runner."""
    mode = app.config["NOTIFY_QUEUE"]
    if mode == "inline":
        InlineRunner.of(app).submit(ids)
    elif mode == "rq":
        try:
            for notification_id in ids:
                rq_queue(app).enqueue(deliver_job, notification_id, job_id=f"notify-{notification_id}")
        except Exception as exc:  # Redis down: the rows wait for `deliver-due`, nothing is lost
            log.warning("notifications not enqueued (%s); `flask notify deliver-due` will send them", exc)


# ---------------------------------------------------------------- RQ


def redis_connection(app: Flask):
    from redis import Redis

    return Redis.from_url(app.config.get("REDIS_URL") or DEFAULT_REDIS)


def rq_queue(app: Flask):
    from rq import Queue

    return Queue(app.config["NOTIFY_RQ_QUEUE"], connection=redis_connection(app))


def deliver_job(notification_id: str) -> str:
    """The RQ job: deliver one row; a retry or a quiet-hour wait is scheduled for its time."""
    from ..extensions import db

    app = current_app._get_current_object()  # the worker runs inside the app (flask notify worker)
    try:
        result = delivery.deliver(notification_id)
    except Exception:
        db.session.rollback()  # the worker's session serves the next job; the row waits for the sweep
        raise
    if result.retry_at is not None:
        rq_queue(app).enqueue_at(result.retry_at, deliver_job, notification_id)
    return result.outcome


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker in this process and app context (no fork: the app's connections stay valid)."""
    from rq import SimpleWorker

    queue = rq_queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


# ---------------------------------------------------------------- inline


class InlineRunner:
    """One background thread per app: delivers committed rows, then whatever falls due."""

    _runners: dict[int, InlineRunner] = {}
    _lock = threading.Lock()

    def __init__(self, app: Flask):
        self.app = app
        self.inbox: queue_mod.Queue = queue_mod.Queue()
        self.timer: threading.Timer | None = None
        self.thread = threading.Thread(target=self._run, name="onsite-notify", daemon=True)
        self.thread.start()

    @classmethod
    def of(cls, app: Flask) -> InlineRunner:
        with cls._lock:
            runner = cls._runners.get(id(app))
            if runner is None:
                runner = cls._runners[id(app)] = cls(app)
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
                        delivery.deliver_due()
                    else:
                        for notification_id in ids:
                            delivery.deliver(notification_id)
                    self._wake_at(delivery.next_due(delivery.utcnow()))
                    from ..extensions import db

                    db.session.remove()
            except Exception:
                log.exception("notification delivery failed; the rows wait for the next sweep")
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
