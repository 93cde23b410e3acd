"""SQL whose spelling differs between SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    """True when `session` talks to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def insert_ignore(session: Session, table: sa.Table):
    """An INSERT that does nothing where a unique key is taken (PostgreSQL and SQLite alike)."""
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()
