"""Local providers started by the tests: an HTTP receiver (SMS/WeChat) and a real SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa

from server.extensions import db
from server.models import Notification


class Receiver:
    """An HTTP endpoint answering with the given statuses in turn (then 200), keeping what it got."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(
                    {"status": status, "json": json.loads(body), "headers": dict(self.headers.items())}
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def accepted(self) -> list[dict]:
        return [r["json"] for r in self.requests if r["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notifications(template: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = sa.select(Notification).order_by(Notification.created_at)
    if template:
        query = query.where(Notification.template == template)
    return list(db.session.scalars(query))


def drop_queue(queue) -> None:
    """Remove a test's RQ queue from the shared Redis: its jobs, and the retries scheduled for later."""
    scheduled = queue.scheduled_job_registry
    for job_id in scheduled.get_job_ids():
        scheduled.remove(job_id, delete_job=True)
    queue.empty()
    queue.delete(delete_jobs=True)
