"""`column is one of these ids`, as cheap as the database allows (pull pages, product histories)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_ID_ARRAY = postgresql.ARRAY(sa.String)


def id_among(session: Session):
    """(column, ids) -> the condition `column is one of ids`.

    On PostgreSQL one array parameter (`= ANY(%s)`): a page's `IN` list of up to 500 ids
    was rendered, cast and parsed as 500 parameters by SQLAlchemy, psycopg and the server
    on every query, and its text changed with the count, so no statement cache could keep it.
    """
    if session.get_bind().dialect.name == "postgresql":
        return lambda column, ids: column == sa.any_(sa.bindparam(None, list(ids), type_=_ID_ARRAY))
    return lambda column, ids: column.in_(ids)
