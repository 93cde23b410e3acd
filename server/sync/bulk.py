"""Inserting many rows at once: the push fast path's records and the change log.

One executemany per table, handed to the driver as plain tuples: psycopg 3 pipelines the
rows in one round trip, and SQLAlchemy's per-row parameter machinery (a third of the
insert's client time) is skipped. Values still go through each column type's own bind
processor, so they are stored exactly as Core or the ORM would store them.
(Measured on PostgreSQL 15: a multi-row VALUES list and `INSERT ... SELECT FROM
unnest(arrays)` were both slower than the pipeline for a hundred mutation rows.)
"""
from __future__ import annotations

import json
import operator

import sqlalchemy as sa
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
    sql, processors = _statement(table, names, connection.dialect)
    values = operator.itemgetter(*names) if len(names) > 1 else (lambda row, name=names[0]: (row[name],))
    params = [values(row) for row in rows]
    if processors:
        for i, row in enumerate(params):
            row = list(row)
            for at, process in processors:
                if row[at] is not None:
                    row[at] = process(row[at])
            params[i] = tuple(row)
    connection.exec_driver_sql(sql, params)


_statements: dict[tuple, tuple[str, tuple]] = {}


def _statement(table: sa.Table, names: tuple, dialect) -> tuple[str, tuple]:
    """The INSERT for these columns, in the driver's own parameter style, and the bind
    processors of those columns that have one (by position)."""
    key = (dialect.name, table.name, names)
    if key not in _statements:
        quote = dialect.identifier_preparer.quote
        mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}[dialect.paramstyle]
        sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
               f"VALUES ({', '.join([mark] * len(names))})")
        processors = ((at, _processor(table.c[name].type, dialect)) for at, name in enumerate(names))
        _statements[key] = (sql, tuple((at, process) for at, process in processors if process is not None))
    return _statements[key]


def _processor(type_, dialect):
    # psycopg's dialect leaves JSON to the driver's adapter, which a raw executemany
    # does not engage: send the text (the server parses it into the json column).
    return json.dumps if isinstance(type_, sa.JSON) else type_.bind_processor(dialect)


def insert_ignore(session: Session, table: sa.Table):
    """An INSERT that does nothing where the key is taken (PostgreSQL and SQLite alike)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()
