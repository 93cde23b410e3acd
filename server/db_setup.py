"""Database engine tweaks per dialect."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from . import file_modes
from .extensions import db


def is_sqlite(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def configure(app: Flask) -> None:
    """Engine options that must be set before the engine is made."""
    if is_sqlite(app):
        file_modes.create_private_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
        opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts["connect_args"] = {**opts.get("connect_args", {}), "timeout": 30}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts


def init_app(app: Flask) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""
    if not is_sqlite(app):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A deferred transaction that reads then writes can fail at once with
            # "database is locked"; taking the write lock up front makes writers wait.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
