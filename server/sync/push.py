"""Applying a device's push: exactly once, one result per mutation, nothing lost.

The device row is locked for the whole push, so two copies of the same request
queue up instead of racing; each mutation and the `last_seq` bump commit together.
Mutations this device sent before (by seq or by id) are answered from the stored result.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..dialect_sql import insert_ignore
from ..domain.errors import M_, Conflict, Forbidden
from ..error_bodies import ENTRY_MAX_MESSAGES, bound_errors, clip
from ..extensions import db
from ..models import Device, MutationRecord, User, WorkOrder, utcnow
from ..services import notifications
from . import changelog
from .apply import BATCH, CLOCK, BatchCache, PushClock, apply_mutation
from .names import VISIT_ENTITIES
from .reasons import MutationRejected

log = logging.getLogger(__name__)
RETRIES = 6
# Visit records the device holds exactly as the server stores them once created: the push
# answer's version is all it lacks, so its own pulls need not send them back (issue #17).
# Not payments (the server gives the receipt number, learnt from the pull), not work orders
# (the server may have changed other fields first; the phone takes their version from a pull),
# not voids (the phone keeps a voided record marked until the pull's delete removes it).
ECHO_FREE = frozenset(VISIT_ENTITIES) - {"payment"}


@dataclass
class PushOutcome:
    last_seq: int
    results: list[dict]


def push(user: User, body: dict, user_agent: str | None = None) -> PushOutcome:
    """Apply a validated push envelope for `user`, retrying on deadlock or serialisation failure."""
    for attempt in range(RETRIES):
        try:
            try:
                return _push_once(user, body, user_agent, savepoints=False)
            except (IntegrityError, _Unexpected):
                # Something slipped past validation: redo the batch with a savepoint per
                # mutation so the one bad entry is rejected and the others still apply.
                db.session.rollback()
                return _push_once(user, body, user_agent, savepoints=True)
        except OperationalError as exc:
            db.session.rollback()
            if not _retryable(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


class _Unexpected(Exception):
    """An unexpected error while applying one mutation without a savepoint."""


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in {"40P01", "40001", "55P03"} or "database is locked" in str(exc)


def _lock_device(user: User, device_id: str, user_agent: str | None) -> Device:
    device = db.session.execute(sa.select(Device).where(Device.id == device_id).with_for_update()).scalar_one_or_none()
    if device is None:
        # Two first pushes of a new device may race: the loser retries and finds the row.
        stmt = insert_ignore(db.session, Device.__table__).values(
            id=device_id, user_id=user.id, last_seq=0, user_agent=(user_agent or "")[:300], created_at=utcnow()
        )
        db.session.execute(stmt)
        device = db.session.execute(sa.select(Device).where(Device.id == device_id).with_for_update()).scalar_one()
    if device.user_id != user.id:
        raise Forbidden(
            "sync.device_of_another_user",
            M_("This device belongs to another user."),
            fields={"device_id": [M_("Registered to another user.")]},
        )
    return device


def _check_sequence(last_seq: int, seqs: list[int]) -> None:
    fresh = sorted(s for s in seqs if s > last_seq)
    expected = last_seq + 1
    for seq in fresh:
        if seq != expected:
            raise Conflict(
                "sync.sequence_gap",
                M_(
                    "Sequence gap: expected seq %(expected)s next, got %(seq)s. "
                    "Resend the outbox from seq %(expected)s."
                ),
                {"expected": expected, "seq": seq},
                {"mutations": [M_("seq %(seq)s skips %(expected)s")]},
                extra={"expected_seq": expected},
            )
        expected += 1


def _push_once(user: User, body: dict, user_agent: str | None, savepoints: bool) -> PushOutcome:
    received_at = utcnow()
    session = db.session()  # the session itself: the scoped proxy costs a look-up per use, per mutation
    device = _lock_device(user, body["device_id"], user_agent)
    mutations = sorted(body["mutations"], key=lambda m: m["seq"])
    _check_sequence(device.last_seq, [m["seq"] for m in mutations])
    _lock_work_orders(mutations, device.last_seq)
    if savepoints or mutations[:1] and mutations[0]["seq"] <= device.last_seq:
        seen = _seen(device.id, mutations)
    else:
        # All new: an id this device used before breaks the insert of its record (primary
        # key (device_id, id)), and the savepoint path then answers it from the stored result.
        seen = {"by_id": {}, "by_seq": {}}
    results = []
    # Fast path: no flush per mutation, per-batch look-ups, and new records inserted
    # together at the end; the savepoint path flushes each mutation so a bad one is isolated.
    batch = None if savepoints else BatchCache(session, user, mutations)
    session.info[BATCH] = batch
    # The device's clock, measured at this push: every device time in it is corrected by it.
    clock = session.info[CLOCK] = PushClock.measured(body["device_time"], received_at)
    try:
        with session.no_autoflush if batch else nullcontext():
            last_seq = device.last_seq
            # The customer messages the batch owes go in together at its end (the savepoint path
            # queues each with its mutation, so a rejected one's message goes with it).
            with notifications.batched(session) if batch else nullcontext():
                for raw in mutations:
                    if raw["seq"] <= last_seq or raw["id"] in seen["by_id"]:
                        results.append(_replay(raw, seen))
                    else:
                        result = _apply_one(session, user, device, raw, received_at, savepoints)
                        seen["by_id"][raw["id"]] = result
                        results.append(result["public"])
                    last_seq = max(last_seq, raw["seq"])
            device.last_seq = last_seq  # (returned from the local: reading the row after commit reloads it)
            if batch is not None:
                batch.flush(session)
        device.clock_offset_ms = int(clock.offset.total_seconds() * 1000)
        device.last_push_at = received_at
        session.commit()
    finally:
        session.info.pop(BATCH, None)
        session.info.pop(CLOCK, None)
    return PushOutcome(last_seq, results)


def _lock_work_orders(mutations: list[dict], last_seq: int) -> None:
    """Lock the work orders this batch updates, in id order, before touching anything else.

    Two phones updating the same orders in different orders would otherwise deadlock.
    FOR NO KEY UPDATE leaves the foreign-key checks of visit-record inserts unblocked.
    """
    ids = sorted(
        {
            m["mutation"]["entity_id"]
            for m in mutations
            if m["seq"] > last_seq and m["mutation"] and m["mutation"]["entity"] == "work_order"
        }
    )
    if ids:
        db.session.execute(
            sa.select(WorkOrder.id).where(WorkOrder.id.in_(ids)).order_by(WorkOrder.id).with_for_update(key_share=True)
        ).all()


def _seen(device_id: str, mutations: list[dict]) -> dict:
    """Stored results of this device's mutations in this batch seen before (by seq or by id).

    Only this device's: a mutation id is the phone's own, so the same id from another
    device is a new mutation of this one, never an answer with someone else's result.
    """
    ids = [m["id"] for m in mutations]
    seqs = [m["seq"] for m in mutations]
    rows = db.session.scalars(
        sa.select(MutationRecord).where(
            MutationRecord.device_id == device_id,
            sa.or_(MutationRecord.id.in_(ids), MutationRecord.seq.in_(seqs)),
        )
    ).all()
    return {
        "by_id": {r.id: {"public": r.result} for r in rows},
        "by_seq": {r.seq: r for r in rows},
    }


def _replay(raw: dict, seen: dict) -> dict:
    stored = seen["by_id"].get(raw["id"])
    if stored is None:
        prior = seen["by_seq"].get(raw["seq"])
        errors = {"seq": ["Already used by another mutation."]}
        used = (
            MutationRejected("sync.seq_used_by", {"seq": raw["seq"], "by": prior.id}, errors)
            if prior
            else MutationRejected("sync.seq_used", {"seq": raw["seq"]}, errors)
        )
        return _result(raw, "rejected", error=_error(used))
    first = stored["public"]
    return {
        **first,
        "seq": raw["seq"],
        "status": "duplicate",
        "original_status": first.get("original_status", first["status"]),
    }


def _bounded(errors: dict) -> dict:
    # A result echoes at most a few messages per entry (a batch of bad entries must not
    # answer, or store, megabytes); it says how many it left out.
    return bound_errors(errors, ENTRY_MAX_MESSAGES)


def _error(exc: MutationRejected) -> dict:
    # A rejected entry's error: a stable code and params for the phone to word, the
    # English message as a fallback, bounded field errors.
    error = exc.as_error()
    return {**error, "message": clip(error["message"]), "errors": _bounded(error["errors"])}


def _result(raw: dict, status: str, version=None, error=None, conflict=None) -> dict:
    return {
        "seq": raw["seq"],
        "id": raw["id"],
        "status": status,
        "version": version,
        "error": error,
        "conflict": conflict,
    }


def _apply_one(
    session: Session, user: User, device: Device, raw: dict, received_at: datetime, savepoints: bool
) -> dict:
    payload, mutation = raw["sent"], raw["mutation"]
    if mutation is None:  # its envelope failed the checks of schemas.MutationIn
        result = _result(raw, "rejected", error=_error(MutationRejected("sync.malformed", {}, raw["errors"])))
        return _record(session, user, device, raw, payload, result, None, received_at)
    mark = changelog.mark(session) if savepoints else None
    nested = session.begin_nested() if savepoints else None
    try:
        outcome = apply_mutation(session, user, device, raw["id"], mutation)
        if nested is not None:
            nested.commit()
        if outcome.status == "applied" and mutation["op"] == "create" and mutation["entity"] in ECHO_FREE:
            changelog.note_echo(session, mutation["entity"], mutation["entity_id"], device.id)
        result = _result(raw, outcome.status, outcome.version, conflict=outcome.conflict)
    except MutationRejected as exc:
        # Without a savepoint a rejection has written nothing (every check comes first),
        # and the notes pending are earlier mutations' changes: they must stay.
        if nested is not None:
            nested.rollback()
            changelog.rollback_to(session, mark)
        result = _result(raw, "rejected", error=_error(exc))
    except Exception as exc:
        if isinstance(exc, OperationalError) and _retryable(exc):
            raise  # a deadlock or serialisation failure: push() retries the whole batch
        if nested is None:
            raise _Unexpected() from exc
        nested.rollback()
        changelog.rollback_to(session, mark)
        log.exception("mutation %s could not be applied", raw["id"])
        result = _result(
            raw, "rejected", error=_error(MutationRejected("sync.server_error", {}, {"_server": [type(exc).__name__]}))
        )
    return _record(session, user, device, raw, payload, result, mutation.get("at"), received_at)


def _record(session: Session, user, device, raw, payload, result, device_at, received_at) -> dict:
    """Keep every mutation and its result (rejected ones too, with their payload)."""
    row = dict(
        id=raw["id"],
        device_id=device.id,
        seq=raw["seq"],
        user_id=user.id,
        entity=str(payload.get("entity"))[:40] if payload.get("entity") is not None else None,
        entity_id=str(payload.get("entity_id"))[:64] if payload.get("entity_id") is not None else None,
        op=str(payload.get("op"))[:10] if payload.get("op") is not None else None,
        status=result["status"],
        payload=payload,  # parsed from the request's JSON, so it stores as JSON as it is
        result=result,
        device_at=device_at,
        received_at=received_at,
    )
    batch = session.info.get(BATCH)
    if batch is not None:
        batch.mutation_rows.append(row)
    else:
        session.add(MutationRecord(**row))
    return {"public": result}
