"""Inserting many rows at once: the push fast path's records and the change log.

On PostgreSQL the rows go in with one binary `COPY ... FROM STDIN` per table; elsewhere
with one executemany of plain tuples. Either way SQLAlchemy's per-row parameter
machinery is skipped, and values still go through each column type's own bind
processor, so they are stored exactly as Core or the ORM would store them.

Why COPY: psycopg's executemany (pipelined) spends ~15 µs of Python per row; its binary
COPY writer is C code, about a tenth of that. A push writes ~4 rows per mutation, so on
a batch of 100 that is ~5 ms of a ~30 ms request (measured on PostgreSQL 15; a
multi-row VALUES list and `INSERT ... SELECT FROM unnest(arrays)` were both slower
than the pipeline). COPY runs the same constraints and triggers as INSERT.
JSON columns are serialised by orjson there: ~0.3 µs for a mutation's payload and
result against ~7 µs with the standard library.
"""

from __future__ import annotations

import json
import operator
from contextlib import contextmanager
from decimal import Decimal

import orjson
import sqlalchemy as sa
from psycopg.types.json import set_json_dumps
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts of column values) into `table` in one statement.

    Every row must name the same columns for that, so a column some rows leave out is
    filled in: from its default, or NULL if it is nullable and has none.
    """
    if not rows:
        return
    given = set().union(*rows)
    fill = {}
    for column in table.columns:
        if column.name not in given:
            continue
        if column.default is not None:
            arg = column.default.arg
            fill[column.name] = (lambda fn=arg: fn(None)) if column.default.is_callable else (lambda value=arg: value)
        elif column.nullable and column.server_default is None:
            fill[column.name] = lambda: None
    for row in rows:
        if len(row) != len(given):
            for name in given - row.keys():
                if name not in fill:
                    raise ValueError(f"{table.name}: a row leaves out {name}, which has no default")
                row[name] = fill[name]()
    connection = session.connection()
    names = tuple(rows[0])
    sql, processors, copy_types = _statement(table, names, connection.dialect)
    values = operator.itemgetter(*names) if len(names) > 1 else (lambda row, name=names[0]: (row[name],))
    params = [values(row) for row in rows]
    if processors:
        for i, row in enumerate(params):
            row = list(row)
            for at, process in processors:
                if row[at] is not None:
                    row[at] = process(row[at])
            params[i] = tuple(row)
    if copy_types is None:
        connection.exec_driver_sql(sql, params)
    else:
        _copy(connection, sql, copy_types, params)


def _copy(connection: sa.Connection, sql: str, types: tuple[str, ...], params: list[tuple]) -> None:
    """COPY the rows in binary through the session's own psycopg connection (same transaction).

    Driver errors are raised as SQLAlchemy's (an IntegrityError sends push() down its
    savepoint path; see driver_errors).
    """
    with driver_errors(connection, sql), connection.connection.driver_connection.cursor() as cursor:
        set_json_dumps(orjson.dumps, cursor)
        with cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in params:
                copy.write_row(row)


@contextmanager
def driver_errors(connection: sa.Connection, sql: str):
    """Around work on the session's own psycopg connection: its errors raised as SQLAlchemy's, as
    exec_driver_sql would raise them, and a lost connection invalidated so the pool does not
    hand it out again."""
    dialect = connection.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, connection.connection.driver_connection, None)
        if lost:
            connection.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
        ) from exc


_statements: dict[tuple, tuple[str, tuple, tuple | None]] = {}


def _statement(table: sa.Table, names: tuple, dialect) -> tuple[str, tuple, tuple | None]:
    """The statement for these columns, the bind processors of those columns that have
    one (by position), and the PostgreSQL types to COPY them as (None: use an INSERT)."""
    key = (dialect.name, table.name, names)
    if key not in _statements:
        quote = dialect.identifier_preparer.quote
        target = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)})"
        types = tuple(_copy_type(table.c[name].type) for name in names) if dialect.driver == "psycopg" else None
        if types is None or None in types:
            mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}[dialect.paramstyle]
            sql, types = f"INSERT INTO {target} VALUES ({', '.join([mark] * len(names))})", None
        else:
            sql = f"COPY {target} FROM STDIN (FORMAT BINARY)"
        processors = (
            (at, _processor(table.c[name].type, dialect, types and types[at])) for at, name in enumerate(names)
        )
        _statements[key] = (sql, tuple((at, process) for at, process in processors if process is not None), types)
    return _statements[key]


def _copy_type(type_) -> str | None:
    """The name psycopg dumps a column's (bind-processed) values as in a binary COPY, or
    None for a type not covered here. Binary COPY sends no type ids: each value must be
    in the column's own binary format, which for every string type is the text."""
    if isinstance(type_, sa.TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.JSON):
        return "json"
    if isinstance(type_, sa.DateTime):
        return "timestamptz" if type_.timezone else "timestamp"
    for kind, name in (
        (sa.Date, "date"),
        (sa.Boolean, "bool"),
        (sa.BigInteger, "int8"),
        (sa.SmallInteger, "int2"),
        (sa.Integer, "int4"),
        (sa.Numeric, "numeric"),
        (sa.LargeBinary, "bytea"),
    ):
        if isinstance(type_, kind):
            return name
    if isinstance(type_, sa.String) and not isinstance(type_, sa.Enum):
        return "text"
    return None


def _processor(type_, dialect, copy_type: str | None = None):
    # psycopg's dialect leaves JSON to the driver's adapter, which a raw executemany
    # does not engage: send the text (the server parses it into the json column).
    if isinstance(type_, sa.JSON):
        return None if copy_type else json.dumps  # psycopg's COPY dumper serialises it itself
    if copy_type == "numeric":
        # The dialect's processor makes floats for the driver to convert; binary COPY
        # takes exact Decimals only.
        return lambda value: value if isinstance(value, Decimal) else Decimal(str(value))
    return type_.bind_processor(dialect)
