"""Changes since a cursor, filtered by what the user may see.

The cursor is the server's change-log sequence (never a device clock), wrapped so
clients treat it as opaque. Rows commit in sequence order (see changelog), so a
cursor never steps over a change that has yet to commit.

A visit record's change comes from its log row, encoded when the record was written
(ChangeLogEntry.wire: visit records are append-only). Every other record is read now, in its
current state, with the viewer's access checked again.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..auth import permissions
from ..dialect_sql import is_postgres
from ..errors import ApiError
from ..models import ChangeLogEntry, Role, SyncState, User, WorkOrder
from ..services.id_lists import among, id_among, ids_value, select_among
from . import page_sql
from .isolation import isolate_changes
from .names import JOB_RECORDS, MODEL_BY_ENTITY
from .serialize import COLUMNS, FAST, PLAIN_ROWS, customer_address, record_fields

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
    changes: list[dict | orjson.Fragment]  # a visit record's change may come encoded as stored
    skipped: list[dict] = field(default_factory=list)  # changes that could not be serialised (isolation.py)
    encoded: orjson.Fragment | None = None  # the changes as the answer sends them, when already encoded

    def decoded_changes(self) -> list[dict]:
        """The changes as a client reads them (stored ones decoded), for callers that look inside."""
        return orjson.loads(orjson.dumps(self.changes))


def pull(session: Session, user: User, cursor: str | None, limit: int, device_id: str | None = None) -> PullPage:
    """One page of changes after `cursor` that `user` may see.

    With `device_id`, the records that device created and was told about in its push answer
    are left out (no echo, issue #17): unless something else changed them in the same page,
    the device holds them exactly as stored. The cursor moves past them all the same. A pull
    from no cursor sends everything; a device that dropped its copy (a reset) names itself
    again only once it has pulled to the end.
    """
    after = decode_cursor(cursor)
    state = page_sql.rows(session, ("state",), _state_query, {})
    last, oldest = (state[0].last_seq, state[0].oldest_seq) if state else (0, 0)
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
    changes, skipped, encoded = isolate_changes(_materialise(session, user, rows))
    return PullPage(next_cursor, has_more, False, changes, skipped, encoded)


def _state_query() -> sa.Select:
    """The log's last sequence and the oldest a cursor may hold (read by every page: a prepared
    statement on the driver's cursor, not an ORM load)."""
    return sa.select(SyncState.last_seq, SyncState.oldest_seq).where(SyncState.id == 1)


def _log_rows(session: Session, user: User, after: int, last: int, wanted: int) -> list:
    """The first `wanted` log rows in (after, last] that `user` may see, in order.

    Read in windows of the sequence, each twice as wide as the one before, so that one
    query's work is bounded by its window whatever plan the database picks: on a log
    that grew fast since it was last analysed, PostgreSQL's planner, expecting a few
    rows, otherwise fetches every matching row and sorts them all for one page.
    """
    office = permissions.is_office(user)
    rows: list = []
    low, window = after, 4 * wanted
    while len(rows) < wanted and low < last:
        high = min(low + window, last)
        params = {"low": low, "high": high, "wanted": wanted - len(rows), "viewer_id": user.id}
        rows += page_sql.rows(session, ("log", office), lambda: _log_query(office), params)
        low, window = high, window * 2
    return rows


def _log_query(office: bool) -> sa.Select:
    log = ChangeLogEntry
    return (
        sa.select(log.seq, log.entity, log.entity_id, log.op, log.origin_device_id, log.wire)
        .where(log.seq > page_sql.param("low"), log.seq <= page_sql.param("high"), _audience(office))
        .order_by(log.seq)
        .limit(page_sql.param("wanted", type_=sa.Integer))
    )


def _without_echoes(rows: list, device_id: str) -> list:
    """The rows less the records whose every row in them is an echo of `device_id`'s push."""
    others = {(r.entity, r.entity_id) for r in rows if r.origin_device_id != device_id}
    return [r for r in rows if (r.entity, r.entity_id) in others]


def _audience(office: bool):
    log = ChangeLogEntry
    if office:
        return log.audience_user_id.is_(None)
    return sa.or_(
        sa.and_(
            log.audience_user_id == VIEWER,
            # A stored change goes only to the technician who still holds its job (access may
            # have changed since it was written: the revoke row that says so comes later).
            sa.or_(
                log.wire.is_(None), log.work_order_id.in_(sa.select(WorkOrder.id).where(permissions.held_by(VIEWER)))
            ),
        ),
        # The catalogue and the fee schedule: everyone reads the staff-wide rows.
        sa.and_(log.audience_user_id.is_(None), log.entity.in_(CATALOGUE)),
    )


def _materialise(session: Session, user: User, rows) -> list[dict | orjson.Fragment]:
    """Turn log rows into changes (last word per record): a visit record's change as stored when
    it was written (ChangeLogEntry.wire), any other record's current state, read now."""
    last: dict[tuple[str, str], tuple[str, str | None]] = {}
    for row in rows:
        key = (row.entity, row.entity_id)
        last.pop(key, None)
        last[key] = (row.op, row.wire)
    wanted: dict[str, list[str]] = defaultdict(list)
    removed: dict[str, list[str]] = defaultdict(list)
    for (entity, rid), (op, wire) in last.items():
        if wire is None:
            (wanted if op == "put" else removed)[entity].append(rid)
    records = {}
    postgres, office = is_postgres(session), permissions.is_office(user)
    for entity, ids in removed.items():
        model = MODEL_BY_ENTITY[entity]
        for rid, version in session.execute(sa.select(model.id, model.version).where(id_among(session)(model.id, ids))):
            records[(entity, rid)] = (version, None)
    visits = _visit_rows(session, user, {e: ids for e, ids in wanted.items() if e in FAST}) if postgres else {}
    for entity, ids in wanted.items():
        if entity in visits:
            found = visits[entity]
        elif entity in PLAIN_ROWS:
            # Visit records, customers, work orders and products are dumped column by column
            # (serialize.PLAIN_ROWS): plain rows will do, without the cost of building ORM objects.
            params = {"ids": ids_value(postgres, ids), "viewer_id": user.id}
            found = page_sql.rows(
                session, ("records", entity, office), lambda e=entity: _records(e, office, postgres), params
            )
        else:
            model = MODEL_BY_ENTITY[entity]
            query = sa.select(model).where(id_among(session)(model.id, ids), _visible(office, entity))
            found = session.scalars(query, {"viewer_id": user.id}).all()
        data = record_fields(session, entity, found, user)
        for rec in found:
            gone = getattr(rec, "deleted", False)
            records[(entity, rec.id)] = (rec.version, None if gone else data[rec.id])
    changes: list[dict | orjson.Fragment] = []
    for (entity, rid), (op, wire) in last.items():
        if wire is not None:
            changes.append(orjson.Fragment(wire))
            continue
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


def _records(entity: str, office: bool, postgres: bool) -> sa.Select:
    """A page's rows of one entity (ids in the parameter `ids`) that the viewer may see."""
    table = MODEL_BY_ENTITY[entity].__table__
    ids = page_sql.param("ids", expanding=not postgres)
    read = COLUMNS.get(entity)
    columns = [c for c in table.columns if read is None or c.name in read]
    if entity == "work_order":
        columns.append(customer_address())  # the visit's address when the order has none of its own
    if entity in FAST:  # a few hundred of a large table: one index probe per id
        return select_among(columns, table.c.id, ids, postgres, _visible(office, entity))
    # Customers, work orders and products: a first pull reads many of them, a large share of a
    # small table or a few of a large one, so the planner chooses: a probe per id into 160 products
    # scanned the table each time (1.2 ms where a hash join takes 0.1 ms).
    return sa.select(*columns).where(among(table.c.id, ids, postgres), _visible(office, entity))


def _visit_rows(session: Session, user: User, wanted: dict[str, list[str]]) -> dict[str, list]:
    """entity -> rows of a page's visit records, read in one query (PostgreSQL).

    A page of visit records spans up to eight tables; one `UNION ALL` of them (the columns
    their dumpers read, typed NULLs for another table's, each with its own access condition)
    is one round trip and one statement instead of one per table.
    """
    if not wanted:
        return {}
    entities = tuple(sorted(wanted))
    office = permissions.is_office(user)
    params = {f"ids_{entity}": ids_value(True, ids) for entity, ids in wanted.items()} | {"viewer_id": user.id}
    out: dict[str, list] = {entity: [] for entity in entities}
    for row in page_sql.rows(session, ("visits", entities, office), lambda: _visits_union(entities, office), params):
        out[row.entity_].append(row)
    return out


def _visits_union(entities: tuple[str, ...], office: bool) -> sa.Select:
    tables = {entity: MODEL_BY_ENTITY[entity].__table__ for entity in entities}
    read = {entity: {c.name: c for c in table.columns if c.name in COLUMNS[entity]} for entity, table in tables.items()}
    types: dict[str, sa.types.TypeEngine] = {}
    for entity, columns in read.items():
        for name, column in sorted(columns.items()):
            if type(types.setdefault(name, column.type)) is not type(column.type):
                raise TypeError(f"{entity}.{name}: another type than the column of that name in another visit table")
    selects = [
        select_among(
            [
                sa.literal_column(f"'{entity}'", sa.String).label("entity_"),
                *(
                    read[entity][n] if n in read[entity] else sa.cast(sa.null(), kind).label(n)
                    for n, kind in types.items()
                ),
            ],
            tables[entity].c.id,
            page_sql.param(f"ids_{entity}"),
            True,
            _visible(office, entity),
        )
        for entity in entities
    ]
    return sa.union_all(*selects)


class _Technician:
    """A technician as the access conditions see one, their id the parameter `viewer_id`."""

    id = page_sql.param("viewer_id", type_=sa.String)

    @staticmethod
    def has_role(*roles) -> bool:
        return Role.TECHNICIAN in roles  # a str enum: equal to its value too


VIEWER = _Technician.id


def _version(records: dict, entity: str, rid: str) -> int | None:
    found = records.get((entity, rid))
    return found[0] if found else None


def _visible(office: bool, entity: str):
    """Checked again at read time: access may have changed since the row was written. The
    technician is the statement's parameter `viewer_id`, so that one statement serves them all."""
    if office:
        return sa.true()
    model = MODEL_BY_ENTITY[entity]
    user = _Technician
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
