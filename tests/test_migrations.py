"""The migrations build the whole schema on an empty database and match the models exactly.

On PostgreSQL (a database created for this test and dropped after) and on a fresh
SQLite file. "Match" is what `flask db migrate` would see: if a model changes
without a migration, autogenerate finds a difference and this test fails.
"""

from __future__ import annotations

import os
import secrets

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import PG_URL, pg_admin_url
from conftest import test_config as app_config  # (a plain import would be collected as a test)

from server import create_app
from server.extensions import db as _db


@pytest.fixture
def empty_postgres():
    """The URL of a brand-new PostgreSQL database, dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"onsite_migrations_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'migrated.db'}"


def schema_differences() -> list:
    """What autogenerate would put in a new migration (types included); [] when none."""
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, _db.metadata)


def migrate_and_check(url: str, tmp_path) -> None:
    app = create_app({**app_config(tmp_path, "sqlite"), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            assert sa.inspect(_db.engine).get_table_names() == []  # truly empty to start with
            flask_migrate.upgrade()
            tables = set(sa.inspect(_db.engine).get_table_names())
            assert {t.name for t in _db.metadata.sorted_tables} | {"alembic_version"} == tables
            assert schema_differences() == []

            # Every migration can be undone, and redone.
            flask_migrate.downgrade(revision="base")
            assert set(sa.inspect(_db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade()
            assert schema_differences() == []

            # The migrated schema works: the app can store and read a record through it.
            from server.models import Customer

            _db.session.add(Customer(name="迁移测试", phone="13800000000", address="测试路 1 号"))
            _db.session.commit()
            assert _db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_migrations_build_the_schema_on_an_empty_postgresql_database(empty_postgres, tmp_path):
    migrate_and_check(empty_postgres, tmp_path)


def test_migrations_build_the_schema_on_a_fresh_sqlite_file(empty_sqlite, tmp_path):
    migrate_and_check(empty_sqlite, tmp_path)


def test_there_is_a_single_head(tmp_path):
    """Two helpers adding migrations at once must not leave two heads (upgrade would refuse)."""
    from alembic.script import ScriptDirectory

    app = create_app(app_config(tmp_path, "sqlite"))
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
        _db.engine.dispose()
    assert len(heads) == 1, heads
