"""Validate and apply one mutation: schema, permission, lifecycle, references, seal.

Every check runs before anything is written, so a rejection leaves the session clean
even when the batch runs without savepoints.

Raises MutationRejected (server/sync/reasons.py: a stable code, params, field errors); the caller records the
rejection and moves on, so one bad entry never blocks the queue.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.orm import Session, joinedload

from ..auth import permissions
from ..domain import checklists, device_time
from ..domain.errors import DomainError
from ..domain.lifecycle import Status
from ..domain.merge import merge_work_order
from ..domain.signed_summary import summary_sha256
from ..domain.sync_reasons import REASONS
from ..domain.warranty import VOID_NEEDS_PHOTO
from ..models import (
    UUID_RE,
    Blob,
    Conflict,
    CustomerSignOff,
    Device,
    MutationRecord,
    Part,
    Photo,
    User,
    VanStock,
    WorkOrder,
    utcnow,
)
from ..services import escalations, followup_queue, notifications, recovery, work_orders
from ..services.coverage import WARRANTY_VOID, void_reasons_of
from ..services.sign_off import compute_summary, sign_off_of
from ..services.work_orders import note_contact
from . import changelog, money
from .bulk import insert_rows
from .isolation import text_keys
from .names import MODEL_BY_ENTITY, VISIT_ENTITIES
from .reasons import MutationRejected
from .schemas import CREATE_SCHEMAS, WorkOrderChange

log = logging.getLogger(__name__)

READ_ONLY_ENTITIES = ("customer", "product", "part", "van_stock", "fee_schedule", "job_checklist")
# Records whose content the customer's signature covers.
SEALED_ENTITIES = ("part_fitted", "fee_quote")
_work_order_change = WorkOrderChange()
_create_schemas = {name: cls() for name, cls in CREATE_SCHEMAS.items()}


BATCH = "onsite_push_batch"
CLOCK = "onsite_push_clock"


@dataclass(frozen=True)
class PushClock:
    """The device's clock as measured at this push (server/domain/device_time.py)."""

    offset: timedelta  # device_time - received_at
    received_at: datetime
    tolerance: timedelta  # server/config.py DEVICE_TIME_TOLERANCE_SECONDS, read once per push

    @classmethod
    def measured(cls, device_time_: datetime, received_at: datetime) -> PushClock:
        tolerance = timedelta(seconds=current_app.config["DEVICE_TIME_TOLERANCE_SECONDS"])
        return cls(device_time.clock_offset(device_time_, received_at), received_at, tolerance)


_UUID = re.compile(UUID_RE)


class BatchCache:
    """State shared by the mutations of one push on the fast path (autoflush off).

    Look-ups are made once per batch, and new visit records and mutation records are
    kept as rows and inserted together (`flush`, bulk.py), not built as ORM objects one
    by one: the ORM's unit of work cost more than the rest of a push together.
    Ids are not checked against the database first: a clash breaks the insert, and
    push() then redoes the batch one savepoint per mutation, which rejects the one
    entry that clashed.
    """

    def __init__(self, session: Session, user: User, mutations: list[dict]):
        self.work_orders: dict[str, WorkOrder | None] = {}
        self.signed: dict[str, bool] = {}
        self.money = money.MoneyCache()  # fee schedule, prices, coverage and each order's money state
        self.van: dict[tuple[str, str], VanStock | None] = {}
        self.taken: set[tuple[str, str]] = set()  # records created earlier in this batch
        self.rows: dict[str, list[dict]] = {}  # entity -> new visit records, not yet inserted
        self.mutation_rows: list[dict] = []
        envelopes = [m["mutation"] for m in mutations if m["mutation"]]
        wanted = {
            m["fields"]["work_order_id"]
            for m in envelopes
            if m["op"] == "create"
            and m["entity"] in VISIT_ENTITIES
            and isinstance(m["fields"].get("work_order_id"), str)
            and _UUID.match(m["fields"]["work_order_id"])
        }
        if wanted:
            # The orders and whether each is signed off, in one query.
            signed = sa.exists().where(
                CustomerSignOff.work_order_id == WorkOrder.id, CustomerSignOff.deleted.is_(False)
            )
            # With each order's customer and product: the messages and the coverage read them.
            found = session.execute(
                sa.select(WorkOrder, signed)
                .where(WorkOrder.id.in_(wanted), permissions.work_order_filter(user))
                .options(joinedload(WorkOrder.customer), joinedload(WorkOrder.product))
            ).all()
            self.work_orders = {**dict.fromkeys(wanted), **{wo.id: wo for wo, _ in found}}
            self.signed = {wo.id: is_signed for wo, is_signed in found}

    def add(self, entity: str, row: dict) -> None:
        self.rows.setdefault(entity, []).append(row)
        self.taken.add((entity, row["id"]))

    def flush(self, session: Session) -> None:
        """Insert the rows kept so far (visit records, then mutation records) and note the changes."""
        for entity, rows in self.rows.items():
            insert_rows(session, MODEL_BY_ENTITY[entity].__table__, rows)
            for row in rows:
                changelog.note_inserted(session, entity, row)
        self.rows.clear()
        insert_rows(session, MutationRecord.__table__, self.mutation_rows)
        self.mutation_rows.clear()


def _batch(session: Session) -> BatchCache | None:
    return session.info.get(BATCH)


def flush(session: Session) -> None:
    """Write out everything so far, the batch's kept rows included (before reading them back)."""
    if (batch := _batch(session)) is not None:
        batch.flush(session)
    session.flush()


@dataclass
class Applied:
    status: str  # applied | merged
    version: int
    conflict: dict | None = None


def apply_mutation(session: Session, user: User, device: Device, mutation_id: str, m: dict) -> Applied:
    """Apply one validated-envelope mutation for `user`, or raise MutationRejected."""
    entity, op = m["entity"], m["op"]
    if entity == "work_order":
        if op != "update":
            raise MutationRejected("sync.op_not_allowed", {}, {"op": ["Only 'update' is allowed."]})
        return _update_work_order(session, user, device, mutation_id, m)
    if entity in VISIT_ENTITIES:
        if op == "create":
            return _create_visit_record(session, user, device, m)
        if op == "delete":
            return _void_visit_record(session, user, m)
        raise MutationRejected(
            "sync.append_only", {"entity": entity}, {"op": ["'update' is not allowed on visit records."]}
        )
    if entity in READ_ONLY_ENTITIES:
        raise MutationRejected("sync.read_only", {"entity": entity}, {"entity": ["Read-only for devices."]})
    known = ", ".join(sorted(["work_order", *VISIT_ENTITIES]))
    raise MutationRejected("sync.unknown_entity", {"entity": entity}, {"entity": [f"Must be one of: {known}."]})


def _load(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = text_keys(exc.normalized_messages())
        names = sorted(map(str, errors))
        names = ", ".join(names[:10]) + (f" (+{len(names) - 10})" if len(names) > 10 else "")  # bounded, like errors
        raise MutationRejected("sync.invalid_fields", {"fields": names}, {"fields": errors}) from exc


def _visible_work_order(session: Session, user: User, wo_id: str, *, lock: bool = False) -> WorkOrder:
    batch = _batch(session)
    if batch is not None and not lock:
        if wo_id not in batch.work_orders:
            batch.work_orders[wo_id] = session.scalar(
                sa.select(WorkOrder).where(WorkOrder.id == wo_id, permissions.work_order_filter(user))
            )
        wo = batch.work_orders[wo_id]
        if wo is None:
            raise MutationRejected("sync.work_order_unavailable", {}, {"work_order_id": ["Unknown or not yours."]})
        return wo
    stmt = sa.select(WorkOrder).where(WorkOrder.id == wo_id, permissions.work_order_filter(user))
    if lock:
        stmt = stmt.with_for_update(key_share=True)  # FOR NO KEY UPDATE: visit inserts' FK checks pass
    wo = session.scalar(stmt)
    if wo is None:
        raise MutationRejected("sync.work_order_unavailable", {}, {"work_order_id": ["Unknown or not yours."]})
    return wo


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


# ---------------------------------------------------------------- work orders


def _update_work_order(session: Session, user: User, device: Device, mutation_id: str, m: dict) -> Applied:
    proposed = _load(_work_order_change, m["fields"])
    if (batch := _batch(session)) is not None:
        flush(session)
        batch.work_orders.clear()
    if m["base_version"] is None:
        raise MutationRejected("sync.base_version_required", {}, {"base_version": ["Required for update."]})
    wo = _visible_work_order(session, user, m["entity_id"], lock=True)
    current = {name: getattr(wo, name) for name in proposed}
    state = {"status": wo.status, "outcome": wo.outcome}
    facts = work_orders.VisitFacts()
    if work_orders.needs_facts(state, proposed):  # an outcome change or completing: two existence checks
        facts = work_orders.visit_facts(session, wo.id)
        # The seal first, on what the device sent (the merge below may settle it otherwise).
        if "outcome" in proposed and proposed["outcome"] != wo.outcome and facts.signed:
            raise MutationRejected("sync.outcome_sealed", {}, {"outcome": ["Sealed by the customer's signature."]})
    merged = merge_work_order(
        current, wo.field_versions or {}, m["base_version"], proposed, user.role, wo.field_writers or {}, device.id
    )
    if merged.errors:
        refusal = merged.refusal
        if refusal is not None and f"sync.{refusal.code.split('.', 1)[1]}" in REASONS:
            raise MutationRejected(f"sync.{refusal.code.split('.', 1)[1]}", refusal.params, merged.errors)
        reasons = "; ".join(e for errs in merged.errors.values() for e in errs)
        raise MutationRejected("sync.not_applied", {"reasons": reasons}, merged.errors)
    try:
        # The one set of work-order rules (services/work_orders.py), on what the merge keeps.
        work_orders.check_change(state, merged.changes, user.role, facts, rescheduling=True)
    except DomainError as exc:
        raise _rejection(exc) from exc
    if merged.changes.get("status") == Status.COMPLETED.value and wo.completed_at is None:
        wo.completed_at = utcnow()
    for name, value in merged.changes.items():
        setattr(wo, name, value)
    with changelog.writing_device(session, device.id):
        notifications.work_order_changed(session, wo, mutation_id)  # before the flush: it reads what changed
        session.flush()
    conflict = None
    if merged.conflicts:
        conflict = {}
        for c in merged.conflicts:
            entry = {k: _jsonable(v) for k, v in c.as_dict().items()}
            conflict[c.field] = entry
            session.add(
                Conflict(
                    id=str(uuid.uuid4()),
                    entity="work_order",
                    entity_id=wo.id,
                    field=c.field,
                    rule=c.rule,
                    losing_value={
                        "value": entry["server_value"]
                        if entry["kept"] == entry["device_value"]
                        else entry["device_value"]
                    },
                    winning_value={"value": entry["kept"]},
                    mutation_id=mutation_id,
                    device_id=device.id,
                    user_id=user.id,
                    base_version=m["base_version"],
                    server_version=wo.version,
                )
            )
    return Applied("merged" if conflict else "applied", wo.version, conflict)


# The work-order service's refusals (services/work_orders.py) as sync reason codes.
FROM_SERVICE = {
    "work_order.outcome_sealed": "sync.outcome_sealed",
    "work_order.status_not_allowed": "sync.status_not_allowed",
    "work_order.status_not_for_role": "sync.status_not_for_role",
    "work_order.sign_off_required": "sync.sign_off_required",
    "work_order.outcome_not_completing": "sync.outcome_not_completing",
    "visit_event.office_only": "sync.office_only",
    "work_order.remote_office_only": "sync.remote_office_only",
}


def _rejection(exc: DomainError) -> MutationRejected:
    """A service's domain error as a sync rejection with its reason code (else `sync.not_applied`)."""
    code = FROM_SERVICE.get(exc.code)
    if code is not None:
        return MutationRejected(code, exc.params, exc.fields or {})
    return MutationRejected("sync.not_applied", {"reasons": exc.text()}, exc.fields or {})


# ---------------------------------------------------------------- visit records


def _create_visit_record(session: Session, user: User, device: Device, m: dict) -> Applied:
    entity = m["entity"]
    data = _load(_create_schemas[entity], m["fields"])
    if entity == "visit_event":
        try:
            work_orders.check_visit_event(data["kind"], user.role)  # office-only kinds (dispatch.py's)
        except DomainError as exc:
            raise _rejection(exc) from exc
    model = MODEL_BY_ENTITY[entity]
    batch = _batch(session)
    # On the fast path only this batch is checked here: a clash with an older record breaks the insert.
    exists = (entity, m["entity_id"]) in batch.taken if batch else session.get(model, m["entity_id"]) is not None
    if exists:
        raise MutationRejected(
            "sync.record_exists", {"entity": entity, "id": m["entity_id"]}, {"entity_id": ["Already exists."]}
        )
    wo = _visible_work_order(session, user, data["work_order_id"])
    judged = _trusted_time(session, m["at"], wo)
    if batch is None:
        signed = sign_off_of(session, wo.id)
    else:
        if wo.id not in batch.signed:
            batch.signed[wo.id] = sign_off_of(session, wo.id) is not None
        signed = batch.signed[wo.id] or None
    if signed and (entity in SEALED_ENTITIES or (entity == "diagnosis" and data["customer_visible"])):
        raise MutationRejected("sync.sealed", {}, {"work_order_id": ["Sealed by the customer's signature."]})
    if signed and entity == "visit_event" and data["kind"] == work_orders.SIGN_OFF_DECLINED:
        raise MutationRejected("sync.already_signed", {}, {"work_order_id": ["Already signed off."]})
    _check_references(session, user, entity, data)
    _check_checklist(wo, entity, data, judged.corrected)
    if entity == "visit_event" and data["kind"] == work_orders.WARRANTY_VOID:
        if signed:  # who pays is part of what the customer signed
            raise MutationRejected("sync.sealed", {}, {"work_order_id": ["Sealed by the customer's signature."]})
        _check_void_photo(session, wo, data["data"])
    if entity == "sign_off":
        if batch is not None:
            flush(session)  # the seal is checked against this batch's records too
        _check_seal(session, wo, data["summary_sha256"], signed)
    chargeable = _check_money(session, wo, entity, data, judged.corrected)
    if entity == "fee_quote":
        data["lines"] = money.stored_lines(data)
        money.stored_quote_inputs(data)
    if entity == "payment" and data["receipt"] != "none":
        data["receipt_no"] = f"R-{wo.ticket_no}"  # one live payment per order: the ticket makes it unique
    if entity == "part_fitted":
        _take_from_van(session, user.id, data["part_number"], data.get("quantity", 1))
    record = dict(
        id=m["entity_id"],
        created_by_id=user.id,
        device_id=device.id,
        device_at=m["at"],  # raw, for audit
        corrected_at=judged.corrected,
        time_flag=judged.flag,
        version=1,
        **data,
    )
    if batch is None:
        session.add(model(**record))
        session.flush()
    else:
        now = utcnow()
        batch.add(entity, {**record, "deleted": False, "created_at": now, "updated_at": now})
        if entity == "sign_off":
            batch.signed[wo.id] = True
        money.note_added(batch.money.orders.get(wo.id), entity, data, chargeable)
        if entity == "visit_event" and data["kind"] == WARRANTY_VOID:
            batch.money.forget_coverage(wo.id)  # decided again (with this row flushed first)
    if entity == "visit_event":
        escalations.open_for_event(session, wo, record)  # a report to the company becomes a case (issue #14)
        followup_queue.on_visit_event(wo, record)  # the 3-hour call-back: planned, or its outcome (issue #14)
    recovery.open_for_sign_off(session, wo, entity, record)  # a low rating opens a recovery case (seed 002)
    if entity == "visit_event" and data["kind"] in device_time.CONTACT_EVENTS:
        # First response is the first contact with the customer [seed 000 §二(二)1], at its trusted time.
        note_contact(wo, judged.corrected)
    notifications.visit_record(session, wo, entity, data, m["entity_id"], judged.corrected)  # on the way
    return Applied("applied", 1)


MONEY_ENTITIES = ("fee_quote", "part_fitted", "payment")


def _check_money(session: Session, wo: WorkOrder, entity: str, data: dict, at: datetime) -> bool:
    """The money and consent rules (sync/money.py); True for a chargeable fitted part."""
    if entity not in MONEY_ENTITIES:
        return False
    batch = _batch(session)
    cache = batch.money if batch else None
    if batch is not None and _coverage_reads_kept(batch, wo.id, entity, data):
        flush(session)
    if batch is not None and batch.money.void_reasons is None and wo.id not in batch.money.coverage:
        # Every order of the batch at once (after the flush above: a void kept for another order
        # is written first, see _coverage_reads_kept's rule, which then holds for all of them).
        if batch.rows.get("visit_event") and any(r["kind"] == WARRANTY_VOID for r in batch.rows["visit_event"]):
            flush(session)
        orders = [wo_id for wo_id, found in batch.work_orders.items() if found is not None]
        batch.money.void_reasons = void_reasons_of(session, {*orders, wo.id})
    if entity == "fee_quote":
        money.check_fee_quote(session, cache, wo, data, at)
        return False
    if entity == "payment":
        money.check_payment(_order_money(session, wo.id), data)
        return False
    return money.check_part_fitted(session, cache, lambda: _order_money(session, wo.id), wo, data, at)


def _coverage_reads_kept(batch: BatchCache, wo_id: str, entity: str, data: dict) -> bool:
    """Whether coverage would read a record this batch keeps but has not written yet.

    Coverage reads the order's live warranty voids (when it is decided) and the fitted parts
    whose serial a part in this record replaces: records earlier in the batch count, so those
    are written out first. Anything else kept cannot change the answer, and writing the batch
    out for each order cost a COPY per table.
    """
    if wo_id not in batch.money.coverage and any(
        row["work_order_id"] == wo_id and row["kind"] == WARRANTY_VOID for row in batch.rows.get("visit_event", ())
    ):
        return True
    parts = data["parts"] if entity == "fee_quote" else [data] if entity == "part_fitted" else []
    serials = {p.get("serial_removed") for p in parts} - {None, ""}
    return bool(serials) and any(row.get("serial_fitted") in serials for row in batch.rows.get("part_fitted", ()))


def _order_money(session: Session, wo_id: str) -> money.OrderMoney:
    """The order's consented quotes, chargeable parts fitted and payment, this batch's included."""
    batch = _batch(session)
    if batch is None:
        session.flush()
        return money.order_money(session, wo_id)
    if wo_id not in batch.money.orders:
        flush(session)  # records this batch kept for the order are read back with the rest
        batch.money.orders[wo_id] = money.order_money(session, wo_id)
    return batch.money.orders[wo_id]


def _trusted_time(session: Session, at: datetime, wo: WorkOrder) -> device_time.Judged:
    """The record's device time corrected by this push's clock offset; refused when in the future.

    Why refused after the receipt but flagged before the work order: server/domain/device_time.py.
    """
    clock: PushClock | None = session.info.get(CLOCK)
    if clock is None:  # applied outside a push (tests, tools): no offset measured
        now = utcnow()
        clock = PushClock.measured(now, now)
    judged = device_time.judge(at, clock.offset, wo.created_at, clock.received_at, clock.tolerance)
    if judged.in_future:
        raise MutationRejected(
            "sync.time_in_future",
            {"at": at.isoformat(), "corrected": judged.corrected.isoformat()},
            {"at": ["Later than the server received it, even after correcting for the phone's clock."]},
        )
    return judged


def _take_from_van(session: Session, technician_id: str, part_number: str, quantity: int) -> None:
    """A fitted part leaves the technician's van (a voided one goes back), by exact quantities.

    Fitting more than the van holds is refused, not clamped (issue #13): the phone prices
    and fits from its synced copy of the van, so a shortfall means a stale copy or a part
    that came from elsewhere, which the office must see in the rejected entries rather
    than as stock silently lost; and a void then puts back exactly what was taken.
    A part the van does not stock (no row) is not tracked, as before.
    """
    batch = _batch(session)
    key = (technician_id, part_number)
    if batch is not None and key in batch.van:
        stock = batch.van[key]
    else:
        stock = session.scalar(
            sa.select(VanStock)
            .join(Part, Part.id == VanStock.part_id)
            .where(VanStock.technician_id == technician_id, Part.part_number == part_number)
            .with_for_update()
        )
        if batch is not None:
            batch.van[key] = stock
    if stock is None:
        return
    if quantity > stock.quantity:
        raise MutationRejected(
            "sync.van_stock_short",
            {"part_number": part_number, "quantity": quantity, "in_van": stock.quantity},
            {"fields": {"quantity": [f"The van holds {stock.quantity}."]}},
        )
    stock.quantity -= quantity


def _check_references(session: Session, user: User, entity: str, data: dict) -> None:
    if entity == "part_fitted":
        batch = _batch(session)
        known = money.prices(session, batch.money if batch else None, [data["part_number"]])
        if not known:
            raise MutationRejected(
                "sync.unknown_part",
                {"part_number": data["part_number"]},
                {"fields": {"part_number": ["Unknown part number."]}},
            )
    for key in ("blob_sha256", "signature_sha256", "original_sha256"):
        # A blob not stored, or one this user never sent and may not see: the same answer,
        # so a record cannot be used to learn which hashes the server holds.
        if data.get(key) and (
            session.get(Blob, data[key]) is None or not permissions.may_use_blob(session, user, data[key])
        ):
            raise MutationRejected(
                "sync.blob_missing", {"field": key}, {"fields": {key: ["No blob with this hash has been uploaded."]}}
            )


def _check_checklist(wo: WorkOrder, entity: str, data: dict, at: datetime) -> None:
    """The kit check's missing items are items of the job type's kit list (server/domain/checklists.json,
    the list the phone shows), and a follow-up request's preferred times are windows still to come
    (issue #15). Checklist answers themselves stay free-form steps, as before."""
    if entity == "visit_event" and data["kind"] == "kit_checked":
        off = checklists.not_on_kit(wo.type, (data.get("data") or {}).get("missing") or [])
    elif entity == "visit_event" and data["kind"] == "follow_up_requested":
        for i, window in enumerate(data["data"]["windows"]):  # checked aware moments (event_data.py)
            start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
            if end <= start or end <= at:
                raise MutationRejected(
                    "sync.follow_up_window",
                    {"start": window["start"], "end": window["end"]},
                    {"fields": {"data": {"windows": {str(i): ["Must end after it starts, and later than now."]}}}},
                )
        return
    else:
        return
    if off:
        raise MutationRejected(
            "sync.not_on_checklist",
            {"items": ", ".join(off[:10])},
            {"fields": {"data": {"missing": [f"Not on the kit list of a {wo.type} job."]}}},
        )


def _check_void_photo(session: Session, wo: WorkOrder, data: dict) -> None:
    """Human damage needs its photo: a live photo record of this work order [seed 000 §二(一)1].

    The office decides on that evidence (it may override); a consumable needs none. The
    photo may come earlier in the same push (the phone records it first), so the batch's
    kept rows are written out before looking.
    """
    photo_id = data.get("photo_id")
    if data["reason"] not in VOID_NEEDS_PHOTO and photo_id is None:
        return
    if photo_id is not None and _batch(session) is not None:
        flush(session)
    photo = session.get(Photo, photo_id) if photo_id is not None else None
    if photo is None or photo.deleted or photo.work_order_id != wo.id:
        raise MutationRejected(
            "sync.photo_required",
            {"reason": data["reason"]},
            {"fields": {"data": {"photo_id": ["A live photo of this work order."]}}},
        )


def _check_seal(session: Session, wo: WorkOrder, summary_hash: str, existing) -> None:
    """A sign-off must be the first, and must match what the server's records add up to."""
    if existing is not None:
        raise MutationRejected("sync.already_signed", {}, {"work_order_id": ["Already signed off."]})
    expected = summary_sha256(compute_summary(session, wo))
    if summary_hash != expected:
        # The server's hash goes to the log only: told to the phone (and kept in the stored
        # result it replays), it would let a device sign whatever the server computes.
        log.warning(
            "sign-off for work order %s rejected: summary %s, server computes %s", wo.id, summary_hash, expected
        )
        raise MutationRejected(
            "sync.summary_mismatch",
            {},
            {"fields": {"summary_sha256": ["Does not match the summary the server computes from its records."]}},
        )


def _void_visit_record(session: Session, user: User, m: dict) -> Applied:
    entity = m["entity"]
    model = MODEL_BY_ENTITY[entity]
    if _batch(session) is not None:
        flush(session)  # the record may have been created earlier in this batch
    record = session.get(model, m["entity_id"])
    if record is None:
        raise MutationRejected(
            "sync.unknown_record", {"entity": entity, "id": m["entity_id"]}, {"entity_id": ["Unknown record."]}
        )
    wo = _visible_work_order(session, user, record.work_order_id)
    if (batch := _batch(session)) is not None:
        batch.money.orders.pop(wo.id, None)  # read again when next needed
        batch.money.forget_coverage(wo.id)
    if entity == "sign_off" or (
        sign_off_of(session, wo.id)
        and (
            entity in SEALED_ENTITIES
            or (entity == "diagnosis" and record.customer_visible)
            or (entity == "visit_event" and record.kind == work_orders.WARRANTY_VOID)
        )
    ):
        raise MutationRejected("sync.sealed", {}, {"entity_id": ["Sealed by the customer's signature."]})
    if not record.deleted:
        record.deleted = True
        if entity == "part_fitted" and record.created_by_id:
            _take_from_van(session, record.created_by_id, record.part_number, -record.quantity)
        session.flush()
    return Applied("applied", record.version)
