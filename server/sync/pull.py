"""Changes since a cursor, filtered by what the user may see.

The cursor is the server's change-log sequence (never a device clock), wrapped so
clients treat it as opaque. Rows commit in sequence order (see changelog), so a
cursor never steps over a change that has yet to commit.
"""

from __future__ import annotations

import base64
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..auth import permissions
from ..errors import ApiError
from ..models import ChangeLogEntry, SyncState, User, WorkOrder
from ..models.base import UTCDateTime
from ..services.id_lists import id_among
from .isolation import isolate_changes
from .names import JOB_RECORDS, MODEL_BY_ENTITY
from .serialize import FAST, PLAIN_ROWS, record_fields

CURSOR_PREFIX = "v1:"
CATALOGUE = ("part", "fee_schedule", "job_checklist")  # read by every signed-in user


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The sequence inside a cursor; 400 for one this server never made."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(CURSOR_PREFIX) and (seq := int(raw[len(CURSOR_PREFIX) :])) >= 0:
            return seq
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError(
        400,
        "Invalid cursor: pass back the cursor of a previous pull, or none.",
        {"cursor": ["Not a cursor of this server."]},
    )


@dataclass
class PullPage:
    cursor: str
    has_more: bool
    reset: bool
    changes: list[dict]
    skipped: list[dict] = field(default_factory=list)  # changes that could not be serialised (isolation.py)


def pull(session: Session, user: User, cursor: str | None, limit: int, device_id: str | None = None) -> PullPage:
    """One page of changes after `cursor` that `user` may see.

    With `device_id`, the records that device created and was told about in its push answer
    are left out (no echo, issue #17): unless something else changed them in the same page,
    the device holds them exactly as stored. The cursor moves past them all the same. A pull
    from no cursor sends everything; a device that dropped its copy (a reset) names itself
    again only once it has pulled to the end.
    """
    after = decode_cursor(cursor)
    state = session.get(SyncState, 1)
    last, oldest = (state.last_seq, state.oldest_seq) if state else (0, 0)
    if (after and after < oldest) or after > last:
        # Pruned history, or a cursor from before a database rebuild: start over.
        return PullPage(encode_cursor(0), True, True, [])
    if after == last:  # the caller is up to date: nothing to look for
        return PullPage(encode_cursor(after), False, False, [])
    rows = _log_rows(session, user, after, last, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_seq = rows[-1].seq if rows else after
    if not has_more:
        # Every change up to `last` had committed when the state row was read (they commit
        # with it), so none this user may see is left before it: the cursor can move up.
        next_seq = max(next_seq, last)
    next_cursor = encode_cursor(next_seq)
    if device_id and after:  # from the start (a new phone, a reset) the device gets everything
        rows = _without_echoes(rows, device_id)
    changes, skipped = isolate_changes(_materialise(session, user, rows))
    return PullPage(next_cursor, has_more, False, changes, skipped)


def _log_rows(session: Session, user: User, after: int, last: int, wanted: int) -> list:
    """The first `wanted` log rows in (after, last] that `user` may see, in order.

    Read in windows of the sequence, each twice as wide as the one before, so that one
    query's work is bounded by its window whatever plan the database picks: on a log
    that grew fast since it was last analysed, PostgreSQL's planner, expecting a few
    rows, otherwise fetches every matching row and sorts them all for one page.
    """
    columns = (
        ChangeLogEntry.seq,
        ChangeLogEntry.entity,
        ChangeLogEntry.entity_id,
        ChangeLogEntry.op,
        ChangeLogEntry.origin_device_id,
    )
    rows: list = []
    low, window = after, 4 * wanted
    while len(rows) < wanted and low < last:
        high = min(low + window, last)
        rows += _rows(
            session,
            sa.select(*columns)
            .where(ChangeLogEntry.seq > low, ChangeLogEntry.seq <= high, _audience(user))
            .order_by(ChangeLogEntry.seq)
            .limit(wanted - len(rows)),
        )
        low, window = high, window * 2
    return rows


# Column types (exactly these, no subclass) whose values psycopg hands over as SQLAlchemy would
# (UTCDateTime only fixes naive values, which timestamptz never gives); EncryptedText, for one, is not.
_AS_STORED = (sa.String, sa.Text, sa.Integer, sa.BigInteger, sa.Boolean, sa.Numeric, sa.Date, sa.JSON, UTCDateTime)
_ROW_TYPES: dict[tuple[str, ...], type] = {}


def _rows(session: Session, query: sa.Select) -> list:
    """The rows of a Core select, as named tuples read straight off psycopg's cursor when every
    column is of a type SQLAlchemy would hand over unchanged (PostgreSQL).

    A pull page reads ~1,000 rows (its log rows and its records); fetching SQLAlchemy's rows and
    reading them by name cost ~1.6 times what the driver's named tuples do (440 visit records:
    4.8 ms against 2.9 ms of CPU). The statement is still built, cached and run by SQLAlchemy,
    access conditions and all.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql" or not all(type(c.type) in _AS_STORED for c in query.selected_columns):
        return session.execute(query).all()
    session.flush()  # what session.execute's autoflush would do (nothing, on a read-only pull)
    result = connection.execute(query)
    try:
        cursor = result.cursor
        names = tuple(d.name for d in cursor.description)
        row_type = _ROW_TYPES.get(names) or _ROW_TYPES.setdefault(names, namedtuple("PlainRow", names))
        return list(map(row_type._make, cursor.fetchall()))
    finally:
        result.close()


def _without_echoes(rows: list, device_id: str) -> list:
    """The rows less the records whose every row in them is an echo of `device_id`'s push."""
    others = {(r.entity, r.entity_id) for r in rows if r.origin_device_id != device_id}
    return [r for r in rows if (r.entity, r.entity_id) in others]


def _audience(user: User):
    if permissions.is_office(user):
        return ChangeLogEntry.audience_user_id.is_(None)
    return sa.or_(
        ChangeLogEntry.audience_user_id == user.id,
        # The catalogue and the fee schedule: everyone reads the staff-wide rows.
        sa.and_(ChangeLogEntry.audience_user_id.is_(None), ChangeLogEntry.entity.in_(CATALOGUE)),
    )


def _materialise(session: Session, user: User, rows) -> list[dict]:
    """Turn log rows into changes carrying each record's current state (last word per record)."""
    last: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row.entity, row.entity_id)
        last.pop(key, None)
        last[key] = row.op
    wanted: dict[str, list[str]] = defaultdict(list)
    removed: dict[str, list[str]] = defaultdict(list)
    for (entity, rid), op in last.items():
        (wanted if op == "put" else removed)[entity].append(rid)
    records = {}
    among = id_among(session)
    for entity, ids in removed.items():
        model = MODEL_BY_ENTITY[entity]
        for rid, version in session.execute(sa.select(model.id, model.version).where(among(model.id, ids))):
            records[(entity, rid)] = (version, None)
    visits = _visit_rows(session, user, {e: ids for e, ids in wanted.items() if e in FAST}, among)
    for entity, ids in wanted.items():
        model = MODEL_BY_ENTITY[entity]
        # Visit records, customers, work orders and products are dumped column by column
        # (serialize.PLAIN_ROWS): plain rows will do, without the cost of building ORM objects.
        target = model.__table__ if entity in PLAIN_ROWS else model
        if visits is not None and entity in FAST:
            found = visits.get(entity, [])
        else:
            query = sa.select(target).where(among(model.id, ids), _visible(user, entity))
            found = _rows(session, query) if target is not model else session.scalars(query).all()
        data = record_fields(session, entity, found, user)
        for rec in found:
            gone = getattr(rec, "deleted", False)
            records[(entity, rec.id)] = (rec.version, None if gone else data[rec.id])
    changes = []
    for (entity, rid), op in last.items():
        if op == "delete":
            changes.append({"entity": entity, "id": rid, "op": "delete", "version": _version(records, entity, rid)})
            continue
        if (entity, rid) not in records:
            continue  # no longer visible: the revoke row that says so comes later in the log
        version, fields = records[(entity, rid)]
        if fields is None:
            changes.append({"entity": entity, "id": rid, "op": "delete", "version": version})
        else:
            changes.append({"entity": entity, "id": rid, "op": "put", "version": version, "fields": fields})
    return changes


def _visit_rows(session: Session, user: User, wanted: dict[str, list[str]], among) -> dict[str, list] | None:
    """entity -> rows of a page's visit records, read in one query on PostgreSQL (None: read them
    entity by entity).

    A page of visit records spans up to eight tables; one `UNION ALL` of them (each table's own
    columns, typed NULLs for the others', each with its own access condition) is one round trip
    and one statement instead of one per table.
    """
    if len(wanted) < 2 or session.get_bind().dialect.name != "postgresql":
        return None
    tables = {entity: MODEL_BY_ENTITY[entity].__table__ for entity in wanted}
    types: dict[str, sa.types.TypeEngine] = {}
    for table in tables.values():
        for column in table.columns:
            if type(types.setdefault(column.name, column.type)) is not type(column.type):
                return None  # a name with two types cannot share a column of the union
    selects = [
        sa.select(
            sa.literal_column(f"'{entity}'", sa.String).label("entity_"),
            *(table.c[n] if n in table.c else sa.cast(sa.null(), kind).label(n) for n, kind in types.items()),
        ).where(among(MODEL_BY_ENTITY[entity].id, wanted[entity]), _visible(user, entity))
        for entity, table in tables.items()
    ]
    out: dict[str, list] = {}
    for row in _rows(session, sa.union_all(*selects)):
        out.setdefault(row.entity_, []).append(row)
    return out


def _version(records: dict, entity: str, rid: str) -> int | None:
    found = records.get((entity, rid))
    return found[0] if found else None


def _visible(user: User, entity: str):
    """Checked again at read time: access may have changed since the row was written."""
    if permissions.is_office(user):
        return sa.true()
    model = MODEL_BY_ENTITY[entity]
    if entity == "work_order":
        return permissions.work_order_filter(user)
    if entity in JOB_RECORDS:
        return model.work_order_id.in_(sa.select(WorkOrder.id).where(permissions.held_by(user.id)))
    return {
        "customer": permissions.customer_filter,
        "product": permissions.product_filter,
        "van_stock": permissions.van_stock_filter,
        # the repairing technician's only, while they hold the job
        "call_back": lambda u: sa.and_(
            model.technician_id == u.id,
            model.work_order_id.in_(sa.select(WorkOrder.id).where(permissions.held_by(u.id))),
        ),
        "part": lambda u: sa.true(),
        "fee_schedule": lambda u: sa.true(),
        "job_checklist": lambda u: sa.true(),
    }[entity](user)
