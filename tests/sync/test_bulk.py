"""The push fast path's bulk insert stores exactly what a plain Core INSERT stores.

On PostgreSQL it is a binary COPY, which sends each value in the column's own binary
format; on SQLite an executemany. Every column type of the tables it writes is covered,
with values that are easy to get wrong (non-ASCII text, microseconds and a non-UTC zone,
an exact decimal, JSON that is itself a string, NULLs).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.models import ChangeLogEntry, Device, MutationRecord, utcnow
from server.services.work_orders import create_work_order
from server.sync.bulk import insert_rows
from server.sync.names import MODEL_BY_ENTITY, VISIT_ENTITIES

TABLES = [MODEL_BY_ENTITY[e].__table__ for e in VISIT_ENTITIES] + [MutationRecord.__table__, ChangeLogEntry.__table__]
CST = timezone(timedelta(hours=8))


def _value(column: sa.Column, n: int, refs: dict, nulls: bool, json_value):
    if column.name == "id":
        return str(uuid.uuid4())
    if column.name == "work_order_id":
        return refs["work_orders"][n]  # a sign-off is one per work order
    if column.foreign_keys:
        return refs[next(iter(column.foreign_keys)).column.table.name]
    if column.name == "seq":
        return 1000 + n
    if nulls and column.nullable:
        return None
    type_ = column.type.impl_instance if isinstance(column.type, sa.TypeDecorator) else column.type
    if isinstance(type_, sa.JSON):
        return json_value
    if isinstance(type_, sa.DateTime):
        return datetime(2026, 11, 26, 21, 5, 9, 123456, tzinfo=CST)
    if isinstance(type_, sa.Date):
        return date(2026, 2, 28)
    if isinstance(type_, sa.Boolean):
        return True
    if isinstance(type_, sa.Integer):
        return 2**40 + 7 if isinstance(type_, sa.BigInteger) else 7
    if isinstance(type_, sa.Numeric):
        return Decimal("180.05")
    if isinstance(type_, sa.String):
        text = "压缩机电容 ‘quoted’ \\ \t tab"
        return text[: type_.length] if type_.length else text + " 和更多的文字"
    raise AssertionError(f"no sample value for {column.table.name}.{column.name} ({column.type})")


def _read(db, table, key):
    return dict(
        db.session.execute(sa.select(table).where(table.c.id == key if "id" in table.c else table.c.seq == key))
        .mappings()
        .one()
    )


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
@pytest.mark.parametrize("nulls", [False, True], ids=["values", "nulls"])
def test_bulk_insert_stores_what_a_plain_insert_stores(db, world, people, table, nulls):
    device = Device(id=str(uuid.uuid4()), user_id=people["tech1"].id, last_seq=0, user_agent="t", created_at=utcnow())
    db.session.add(device)
    db.session.flush()
    wo = world["wo1"]
    orders = [
        create_work_order(
            {
                "channel": "phone",
                "type": "repair",
                "priority": "normal",
                "fault_description": "不制冷",
                "customer_id": wo.customer_id,
                "product_id": wo.product_id,
            },
            people["dispatcher"],
        )
        for _ in range(4)
    ]
    db.session.flush()
    refs = {"work_orders": [o.id for o in orders], "users": people["tech1"].id, "devices": device.id}
    keys = []
    for n, json_value in enumerate([{"a": [1, "二", None, 2.5], "b": {"c": True}}, "just a string"]):
        plain = {c.name: _value(c, 2 * n, refs, nulls, json_value) for c in table.columns}
        bulk = {**{c.name: _value(c, 2 * n + 1, refs, nulls, json_value) for c in table.columns}}
        bulk.update({k: v for k, v in plain.items() if k not in ("id", "seq", "work_order_id")})
        db.session.execute(table.insert(), plain)
        insert_rows(db.session, table, [dict(bulk)])
        key = "id" if "id" in table.c else "seq"
        keys.append((plain[key], bulk[key]))
    db.session.commit()

    for plain_key, bulk_key in keys:
        stored_plain, stored_bulk = _read(db, table, plain_key), _read(db, table, bulk_key)
        for row in (stored_plain, stored_bulk):
            row.pop("id", None), row.pop("seq", None), row.pop("work_order_id", None)
        assert stored_bulk == stored_plain
    if not nulls and "payload" in table.c:
        assert stored_bulk["payload"] == "just a string"  # JSON text stays a JSON string, not re-encoded


def test_a_taken_key_in_a_bulk_insert_raises_an_integrity_error(db, world, people):
    """push() redoes a batch one savepoint per mutation on IntegrityError: a clash must raise that."""
    count = lambda: db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry))
    row = dict(
        seq=10**9,
        entity="visit_event",
        entity_id=str(uuid.uuid4()),
        op="put",
        audience_user_id=None,
        changed_at=utcnow(),
    )
    insert_rows(db.session, ChangeLogEntry.__table__, [dict(row)])
    db.session.commit()
    before = count()
    with pytest.raises(IntegrityError):
        insert_rows(db.session, ChangeLogEntry.__table__, [dict(row, entity_id=str(uuid.uuid4())), dict(row)])
    db.session.rollback()
    assert count() == before  # the row before the clash went too


def test_a_connection_lost_during_a_bulk_insert_is_dropped_and_the_next_one_works(db, world, backend):
    if backend != "postgresql":
        pytest.skip("a SQLite file cannot lose its connection")
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    with db.engine.connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    row = dict(
        seq=10**9,
        entity="visit_event",
        entity_id=str(uuid.uuid4()),
        op="put",
        audience_user_id=None,
        changed_at=utcnow(),
    )
    with pytest.raises(sa.exc.DBAPIError) as raised:
        insert_rows(db.session, ChangeLogEntry.__table__, [row])
    assert raised.value.connection_invalidated
    db.session.rollback()
    insert_rows(db.session, ChangeLogEntry.__table__, [row])  # on a fresh connection from the pool
    db.session.commit()
    assert db.session.get(ChangeLogEntry, 10**9).entity_id == row["entity_id"]
