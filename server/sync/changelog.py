"""The change log: every change to a synced record, appended in server order.

Session hooks do the bookkeeping so no write path can forget it (`init_app` puts them on
the app's session factory, so every write through `db.session` goes through them: views,
services, the push fast path, CLI commands and the demo seed):
- before_flush bumps the version of each changed record (and, on work orders, the
  version at which each field last changed) and notes the change;
- before_commit takes the row lock on the single `sync_state` row (the UPDATE that
  hands out the sequence numbers) and inserts the log rows. The lock is held until
  commit, so change sequences commit in order and a pull cursor can never step over a
  change that commits later (the PostgreSQL sequence pitfall of sync.md Part 2). It
  is taken last, at commit, so it is held as briefly as possible.

Each logical change becomes one staff-wide row plus one row per technician who may
see the record; a work order changing hands adds revoke rows (op delete) for the
technician who lost it and grant rows for the one who gained it.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..auth.permissions import HOLDING, held_by
from ..dialect_sql import insert_ignore
from ..domain.lifecycle import technician_holds
from ..extensions import db
from ..models import (
    ChangeLogEntry,
    FollowUp,
    Product,
    SyncState,
    Versioned,
    WorkOrder,
    utcnow,
)
from . import planner_stats
from .bulk import insert_rows
from .names import JOB_RECORDS, MODEL_BY_ENTITY, TECHNICIAN_TASKS, entity_of
from .serialize import FAST, stored_change

PENDING = "onsite_pending_changes"
# session.info key: the device whose mutation is being flushed (absent: the office, a service).
WRITER = "onsite_writer_device"
# session.info key: {(entity, id): device} for records a pushed entry created exactly as its
# device holds them; their log rows name the device, whose pulls leave the echo out (issue #17).
ECHOES = "onsite_echoes"
# Work-order fields whose concurrent edits the merge rules arbitrate.
TRACKED_FIELDS = (
    "status",
    "priority",
    "type",
    "appointment_start",
    "appointment_end",
    "technician_notes",
    "outcome",
    "technician_id",
    "fault_description",
    "customer_requirements",
)


def init_app(app: Flask) -> None:
    """Put the change-log hooks on the sessions `db.session` makes (once: the factory is shared by apps)."""
    for name, hook in HOOKS:
        if not event.contains(db.session, name, hook):
            event.listen(db.session, name, hook)


def _pending(session: Session) -> list:
    return session.info.setdefault(PENDING, [])


def mark(session: Session) -> int:
    """A point to roll pending changes back to when a savepoint is rolled back."""
    return len(_pending(session))


def rollback_to(session: Session, point: int) -> None:
    """Forget changes noted after `point` (their savepoint was rolled back)."""
    del _pending(session)[point:]


def note_inserted(session: Session, entity: str, row: dict) -> None:
    """Note a new visit record that was inserted without the ORM (so before_flush never saw it):
    `row`, the column values it was inserted with, stands in for the record."""
    _pending(session).append(("put", entity, SimpleNamespace(**row), None))


def note_echo(session: Session, entity: str, record_id: str, device_id: str) -> None:
    """`device_id` holds this record as stored (its push answer carried the version): no echo for it."""
    session.info.setdefault(ECHOES, {})[(entity, record_id)] = device_id


def _holder(technician_id, status) -> str | None:
    return technician_id if technician_id and status and technician_holds(status) else None


def _version_and_note(session: Session, flush_context, instances) -> None:
    pending = _pending(session)
    for obj in list(session.new):
        if isinstance(obj, Versioned) and entity_of(obj):
            obj.version = obj.version or 1
            if isinstance(obj, WorkOrder):
                obj.field_versions = {f: obj.version for f in TRACKED_FIELDS}
                obj.field_writers = {}
            pending.append(("put", entity_of(obj), obj, None))
            if isinstance(obj, WorkOrder) and _holder(obj.technician_id, obj.status):
                pending.append(("grant", "work_order", obj, obj.technician_id))
    for obj in list(session.dirty):
        if not (isinstance(obj, Versioned) and entity_of(obj)):
            continue
        if not session.is_modified(obj, include_collections=False):
            continue
        obj.version = (obj.version or 0) + 1
        op = "delete" if getattr(obj, "deleted", False) else "put"
        pending.append((op, entity_of(obj), obj, None))
        if isinstance(obj, WorkOrder):
            _note_work_order_fields(obj, pending, session.info.get(WRITER))


@contextmanager
def writing_device(session: Session, device_id: str):
    """Work-order fields changed by flushes inside this block are recorded as `device_id`'s writes."""
    session.info[WRITER] = device_id
    try:
        yield
    finally:
        session.info.pop(WRITER, None)


def _note_work_order_fields(wo: WorkOrder, pending: list, writer: str | None) -> None:
    insp = sa.inspect(wo)
    versions = dict(wo.field_versions or {})
    writers = dict(wo.field_writers or {})
    for field in TRACKED_FIELDS:
        if insp.attrs[field].history.has_changes():
            versions[field] = wo.version
            if writer:
                writers[field] = writer
            else:
                writers.pop(field, None)
    wo.field_versions = versions
    wo.field_writers = writers
    tech, status = insp.attrs.technician_id.history, insp.attrs.status.history
    old_tech = tech.deleted[0] if tech.deleted else wo.technician_id
    old_status = status.deleted[0] if status.deleted else wo.status
    before, after = _holder(old_tech, old_status), _holder(wo.technician_id, wo.status)
    if before != after:
        if before:
            pending.append(("revoke", "work_order", wo, before))
        if after:
            pending.append(("grant", "work_order", wo, after))


def _append_log(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint's release fires before_commit too: its changes stay noted (a rolled-back
        # one's are forgotten with changelog.rollback_to) and go in with the outermost commit,
        # which takes the counter's lock last (a hook's savepoint mid-push took it for the
        # rest of the push, and wrote the log in pieces).
        return
    session.flush()  # commit flushes after this hook: flush now so every change is noted
    echoes = session.info.pop(ECHOES, None) or {}
    if not session.info.get(PENDING):
        return
    unique: dict[tuple, dict] = {}
    holders: dict[str, str | None] = {}  # work order -> its holder, looked up once per commit
    for op, entity, obj, who in session.info.pop(PENDING):
        for row in _rows_for(session, op, entity, obj, who, holders):
            key = (row["entity"], row["entity_id"], row["audience_user_id"])
            unique.pop(key, None)  # the last word on a record is the one that counts
            unique[key] = row
    rows = list(unique.values())
    if not rows:
        return
    if echoes:
        for row in rows:
            if row["op"] == "put":  # a void in the same push is sent: the phone removes its copy then
                row["origin_device_id"] = echoes.get((row["entity"], row["entity_id"]))
    last = _reserve(session, len(rows))
    now = utcnow()
    for i, row in enumerate(rows, start=last - len(rows) + 1):
        row.update(seq=i, changed_at=now)
    insert_rows(session, ChangeLogEntry.__table__, rows)


def _reserve(session: Session, n: int) -> int:
    """Take the next `n` sequence numbers; returns the last. Locks the counter row until commit."""
    state = SyncState.__table__
    take = state.update().where(state.c.id == 1).values(last_seq=state.c.last_seq + n).returning(state.c.last_seq)
    last = session.execute(take).scalar()
    if last is None:  # the very first change: make the counter (a racing first writer waits on its key)
        session.execute(insert_ignore(session, state).values(id=1, last_seq=0, oldest_seq=0))
        last = session.execute(take).scalar()
    planner_stats.note_growth(session, last - n, last)
    return last


def _after_commit(session: Session) -> None:
    planner_stats.analyze_if_due(session)


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction ended
        session.info.pop(PENDING, None)
        session.info.pop(ECHOES, None)


HOOKS = (
    ("before_flush", _version_and_note),
    ("before_commit", _append_log),
    ("after_commit", _after_commit),
    ("after_soft_rollback", _forget),
)


def _row(entity: str, entity_id: str, op: str, audience: str | None, wire=None, work_order_id=None) -> dict:
    return {
        "entity": entity,
        "entity_id": entity_id,
        "op": op,
        "audience_user_id": audience,
        "wire": wire,
        "work_order_id": work_order_id,
    }


def _rows_for(session: Session, op: str, entity: str, obj, who: str | None, holders: dict) -> list[dict]:
    """Log rows for one noted change: the staff row and each technician's row. A visit record's
    put carries the change as the pull sends it, and its job (ChangeLogEntry.wire)."""
    if op in ("grant", "revoke"):
        return _access_rows(session, obj, who, "put" if op == "grant" else "delete")
    wire = job = None
    if op == "put" and entity in FAST and (wire := stored_change(entity, obj)) is not None:
        wire, job = wire.decode(), obj.work_order_id
    rows = [_row(entity, obj.id, op, None, wire, job)]
    for tech in _technicians_who_see(session, entity, obj, holders):
        rows.append(_row(entity, obj.id, op, tech, wire, job))
    return rows


def _technicians_who_see(session: Session, entity: str, obj, holders: dict) -> set[str]:
    if entity == "work_order":
        holder = _holder(obj.technician_id, obj.status)
        return {holder} if holder else set()
    if entity in JOB_RECORDS:
        if obj.work_order_id not in holders:
            wo = session.get(WorkOrder, obj.work_order_id)
            holders[obj.work_order_id] = wo and _holder(wo.technician_id, wo.status)
        holder = holders[obj.work_order_id]
        return {holder} if holder else set()
    if entity == "van_stock" or entity in TECHNICIAN_TASKS:
        return {obj.technician_id}
    if entity in ("customer", "product"):
        customer_id = obj.id if entity == "customer" else obj.customer_id
        techs = session.scalars(
            sa.select(WorkOrder.technician_id)
            .where(
                WorkOrder.customer_id == customer_id,
                WorkOrder.technician_id.is_not(None),
                WorkOrder.status.in_(HOLDING),
            )
            .distinct()
        )
        return set(techs)
    return set()  # the catalogue: technicians read the staff-wide rows


def _access_rows(session: Session, wo: WorkOrder, tech: str, op: str) -> list[dict]:
    """Rows giving (put) or taking away (delete) a work order and all it brings."""
    rows = [_row("work_order", wo.id, op, tech)]
    for entity in JOB_RECORDS:
        model = MODEL_BY_ENTITY[entity]
        gone = model.deleted if hasattr(model, "deleted") else sa.false()  # escalations are never voided
        for rid, deleted in session.execute(sa.select(model.id, gone).where(model.work_order_id == wo.id)):
            rows.append(_row(entity, rid, "delete" if deleted else op, tech))
    # The technician's own call-backs on this job (issue #14) come and go with the job.
    mine = sa.select(FollowUp.id).where(FollowUp.work_order_id == wo.id, FollowUp.technician_id == tech)
    rows.extend(_row("call_back", rid, op, tech) for rid in session.scalars(mine))
    still_sees_customer = op == "put" or session.scalar(
        sa.select(sa.func.count()).select_from(WorkOrder).where(held_by(tech), WorkOrder.customer_id == wo.customer_id)
    )
    if op == "put" or not still_sees_customer:
        rows.append(_row("customer", wo.customer_id, op, tech))
        for pid in session.scalars(sa.select(Product.id).where(Product.customer_id == wo.customer_id)):
            rows.append(_row("product", pid, op, tech))
    return rows
