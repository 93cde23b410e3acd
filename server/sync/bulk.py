"""Inserting many rows at once: the push fast path's records and the change log.

Core's executemany, one statement per table: psycopg 3 pipelines the rows in one round
trip. (Measured against it on PostgreSQL 15: a multi-row VALUES list and
`INSERT ... SELECT FROM unnest(arrays)` were both slower for a hundred mutation rows.)
"""
from __future__ import annotations

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
    session.execute(table.insert(), rows)
