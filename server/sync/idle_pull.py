"""The no-change pull, answered in one database round trip.

Most pulls are up-to-date phones asking whether anything changed, every few seconds
each. The full pull view spends a transaction, an ORM token lookup, a read of the sync
state and a rollback on that question, inside Flask's request machinery. This lane, a
WSGI middleware in front of the app, answers it with one autocommit query that checks
the bearer token and reads the log's last sequence together. Any other request (a
cookie session, a cursor behind the log, an unknown or revoked token, bad parameters,
a database error) goes on to the app, which answers exactly as it always has.

The answer carries the same body and the same security headers as the full view's
(tests/sync/test_idle_pull.py compares them); the rate limiter sets no limit on sync
and a GET needs no CSRF token, so skipping Flask's hooks skips nothing that applies.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs

import sqlalchemy as sa
from flask import Flask
from marshmallow import ValidationError

from .. import security_headers
from ..auth.session import parse_bearer, token_digest
from ..errors import ApiError
from ..json_provider import encode
from ..models import utcnow
from ..models.base import UTCDateTime
from .pull import decode_cursor, encode_cursor
from .schemas import PullQuery

PATH = "/api/sync/pull"
# The caller's token, and the log's last sequence (0 before the first change), in one row.
# Inactive users, unknown, revoked (deleted) and expired tokens get no row, nor does a token
# whose last use is due to be noted (over AUTH_TOUCH_SECONDS ago): the full view notes it,
# so `last_used_at` stays as true as the app's own check keeps it (server/auth/sign_ins.py).
_UP_TO = sa.text(
    "SELECT COALESCE((SELECT last_seq FROM sync_state WHERE id = 1), 0) "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_sha256 = :digest AND u.active AND t.expires_at > :now "
    "AND t.last_used_at IS NOT NULL AND t.last_used_at > :stale"
).bindparams(sa.bindparam("now", type_=UTCDateTime), sa.bindparam("stale", type_=UTCDateTime))
_QUERY = PullQuery()


def init_app(app: Flask) -> None:
    """Put the lane in front of the app's WSGI callable (after the database is configured)."""
    app.wsgi_app = IdlePullLane(
        app.wsgi_app,
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        float(app.config["AUTH_TOUCH_SECONDS"]),
    )


class IdlePullLane:
    """WSGI middleware: an empty page for an up-to-date bearer-token pull, else the app."""

    def __init__(self, wsgi_app, database_uri: str, engine_options: dict, touch_seconds: float = 60):
        self.wsgi_app = wsgi_app
        self._touch = timedelta(seconds=touch_seconds)
        self._uri = database_uri
        self._options = {k: v for k, v in engine_options.items() if k != "pool_pre_ping"}
        self._engine = None
        self._statement = None
        self._order: list[str] | None = None  # parameter names in order, for positional drivers
        self._processors: dict = {}
        self._lock = threading.Lock()
        # The highest last sequence this lane has read: the log only grows, so a cursor below
        # it is behind (a phone paging through a pull) and needs no query to say so. (After a
        # restore to an older database such polls take the full view, which answers them right.)
        self._seen_last = 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET":
            body = self._up_to_date_page(environ)
            if body is not None:
                secure = environ.get("wsgi.url_scheme") == "https"
                headers = {
                    "Content-Type": "application/json",
                    "Content-Length": str(len(body)),
                    **security_headers.headers_for(PATH, secure),
                }
                start_response("200 OK", list(headers.items()))
                return [body]
        return self.wsgi_app(environ, start_response)

    def _up_to_date_page(self, environ) -> bytes | None:
        token = parse_bearer(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None:
            return None
        args = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if any(len(values) != 1 for values in args.values()):
            return None
        try:
            query = _QUERY.load({name: values[0] for name, values in args.items()})
            after = decode_cursor(query["cursor"])
        except (ValidationError, ApiError):
            return None  # the full view says what is wrong
        if not query["cursor"]:
            return None  # a first pull always has changes to send (or a cursor to hand out)
        if after < self._seen_last:
            return None  # behind the log: the full view sends the next page (and checks the token)
        last = self._last_seq_for(token_digest(token))
        if last is None or after != last:
            if last is not None:
                self._seen_last = max(self._seen_last, last)
            return None
        page = {"changes": [], "cursor": encode_cursor(after), "has_more": False, "reset": False}
        return encode(page)  # byte for byte what the full view sends

    def _last_seq_for(self, digest: str) -> int | None:
        """The log's last sequence if `digest` is an active user's token, in one round trip.

        A raw pooled connection and SQL compiled once: no per-request Core work.
        """
        engine = self._engine or self._make_engine()
        try:
            conn = engine.raw_connection()
        except sa.exc.DBAPIError:
            return None  # the database is away: the full view reports it
        try:
            cursor = conn.cursor()
            cursor.execute(self._statement, self._params(digest))
            row = cursor.fetchone()
            cursor.close()
        except engine.dialect.loaded_dbapi.Error:
            conn.invalidate()  # stale or broken: never hand it to the next poll
            return None  # the full view copes (it pings and reconnects)
        finally:
            conn.close()
        return row[0] if row else None

    def _params(self, digest: str):
        now = utcnow()
        values = {"digest": digest, "now": now, "stale": now - self._touch}
        values = {k: (self._processors[k](v) if self._processors.get(k) else v) for k, v in values.items()}
        return [values[name] for name in self._order] if self._order is not None else values

    def dispose(self) -> None:
        """Close the lane's connections (tests, and anything that drops the database)."""
        if self._engine is not None:
            self._engine.dispose()

    def _make_engine(self):
        """A small engine of its own, made in the worker process on first use.

        Autocommit: a single SELECT reads a consistent snapshot by itself, so no BEGIN and
        ROLLBACK round trips. No ping before each use either (a round trip as dear as the
        query): a stale connection fails the poll over to the full view, and the pool
        replaces it.
        """
        options = dict(self._options)
        if not self._uri.startswith("sqlite"):  # SQLite's default pool suits a file already
            options.update(pool_size=2, max_overflow=8)
        with self._lock:  # threaded servers: one engine per process
            if self._engine is None:
                engine = sa.create_engine(self._uri, isolation_level="AUTOCOMMIT", **options)
                compiled = _UP_TO.compile(dialect=engine.dialect)
                self._statement = str(compiled)
                self._order = list(compiled.positiontup) if compiled.positional else None
                self._processors = {
                    name: bind.type._cached_bind_processor(engine.dialect) for name, bind in compiled.binds.items()
                }
                self._engine = engine
        return self._engine
