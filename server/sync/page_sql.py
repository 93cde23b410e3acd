"""The statements a pull page runs, built once per shape and run with the page's values.

A page runs the same few statements over and over (its log window, its records, their work
orders' addresses), each differing only in values: the viewer, the window, the ids. Built
with SQLAlchemy for every page, a page's statements cost ~4 ms of Python to construct and to
compute their cache keys before a row was read (the visit records' `UNION ALL` alone
has some 180 columns). Here each is built once per shape (`key`) with named parameters; on
PostgreSQL it is compiled to SQL text once and run straight on psycopg's cursor (whose
statements are prepared after a few runs, so the server plans each once per connection too).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models.base import EncryptedText, UTCDateTime
from .bulk import driver_errors

# Column types (exactly these, no subclass) whose values psycopg hands over as SQLAlchemy would
# (UTCDateTime only fixes naive values, which timestamptz never gives); EncryptedText hands over
# its stored text either way, which serialize._opened opens.
_AS_STORED = (
    *(sa.String, sa.Text, sa.Integer, sa.BigInteger, sa.Boolean, sa.Numeric, sa.Date, sa.JSON),
    *(UTCDateTime, EncryptedText),
)
# (dialect, key) -> (SQL text, its parameters' own values, every column read as stored)
_SQL: dict[Hashable, tuple[str, dict, bool]] = {}
_STATEMENTS: dict[Hashable, sa.Select] = {}
_ROW_TYPES: dict[tuple[str, ...], type] = {}


def rows(session: Session, key: Hashable, build: Callable[[], sa.Select], params: dict) -> list:
    """The rows of `build()` (called once per `key` in this process) run with `params`.

    On PostgreSQL, as the driver's named tuples; a page reads ~1,000 rows, and fetching
    SQLAlchemy's rows and reading them by name cost ~1.6 times what these do. Elsewhere, or when
    a column's type converts what the driver hands over, SQLAlchemy's rows.
    """
    connection = session.connection()
    dialect = connection.dialect
    key = (dialect.name, key)  # a statement's shape can differ by database (services/id_lists.among)
    if dialect.name != "postgresql":
        return session.execute(_statement(key, build), params).all()
    found = _SQL.get(key)
    if found is None:
        statement = _statement(key, build)
        plain = all(type(c.type) in _AS_STORED for c in statement.selected_columns)
        # Lists given in the statement itself (`IN` a tuple of statuses) rendered as their items.
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        found = _SQL.setdefault(key, (str(compiled), dict(compiled.params), plain))
    sql, own, plain = found
    if not plain:
        return session.execute(_statement(key, build), params).all()
    session.flush()  # what session.execute's autoflush would do (nothing, on a read-only pull)
    with driver_errors(connection, sql), connection.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(sql, {**own, **params})
        names = tuple(d.name for d in cursor.description)
        row_type = _ROW_TYPES.get(names) or _ROW_TYPES.setdefault(names, namedtuple("PlainRow", names))
        return list(map(row_type._make, cursor.fetchall()))


def param(name: str, **kw) -> sa.BindParameter:
    """A parameter whose value each run gives (`rows(params=...)`)."""
    return sa.bindparam(name, required=False, **kw)


def _statement(key: Hashable, build: Callable[[], sa.Select]) -> sa.Select:
    found = _STATEMENTS.get(key)
    return found if found is not None else _STATEMENTS.setdefault(key, build())
