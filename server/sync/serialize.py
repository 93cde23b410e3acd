"""The `fields` of a pulled record, per entity (dumped with the shared representations where they exist)."""

from __future__ import annotations

import keyword
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from ..crypto import Place, app_ring, open_or_unreadable
from ..dialect_sql import is_postgres
from ..domain.lifecycle import allowed_targets
from ..domain.service_day import today as service_today
from ..domain.signed_summary import money
from ..domain.warranty import in_warranty, warranty_end
from ..json_provider import encode_compact
from ..models import Customer, PartFitted, Product, User, WorkOrder
from ..services.coverage import fit_day, fitted_query, part_end
from ..services.id_lists import among, ids_value
from ..wire.records import CustomerOut, PartOut, VanStockOut, WorkOrderOut
from . import page_sql
from .names import MODEL_BY_ENTITY


class VisitRecordOut(Schema):
    work_order_id = fields.String()
    at = fields.DateTime(attribute="device_at", allow_none=True)
    created_by_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ChecklistAnswerOut(VisitRecordOut):
    step, value, note = fields.String(), fields.String(), fields.String(allow_none=True)


class VisitEventOut(VisitRecordOut):
    kind, note, data = fields.String(), fields.String(allow_none=True), fields.Dict(allow_none=True)


class DiagnosisOut(VisitRecordOut):
    fault_cause = fields.String()
    repair_method = fields.String(allow_none=True)
    customer_visible = fields.Boolean()


class PartFittedOut(VisitRecordOut):
    part_number = fields.String()
    serial_fitted = fields.String(allow_none=True)
    serial_removed = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price = fields.Function(lambda r: money(r.unit_price))
    under_warranty = fields.Boolean()


class FeeQuoteOut(VisitRecordOut):
    schedule_revision = fields.Integer(allow_none=True)
    work_minutes = fields.Integer()
    travel_minutes = fields.Integer()
    parts = fields.List(fields.Dict())
    adjustments = fields.List(fields.Dict())
    lines = fields.List(fields.Dict())
    total = fields.Function(lambda r: money(r.total))
    consented = fields.Boolean()
    consented_at = fields.DateTime(allow_none=True)


class PaymentOut(VisitRecordOut):
    method = fields.String()
    amount = fields.Function(lambda r: money(r.amount))
    receipt = fields.String()
    invoice_title = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    receipt_no = fields.String(allow_none=True)  # given by the server: the phone learns it from the pull


class FeeScheduleOut(Schema):
    """The fee schedule as phones copy it (read-only); parts carry their own price and credit."""

    revision = fields.Integer()
    call_out = fields.Function(lambda r: money(r.call_out))
    labour_per_hour = fields.Function(lambda r: money(r.labour_per_hour))


class ChecklistOut(Schema):
    """One job type's checklists as phones copy them (read-only; server/domain/checklists.json)."""

    job_type, revision = fields.String(), fields.Integer()
    kit, entry, checks = (fields.List(fields.String()) for _ in range(3))


class PhotoOut(VisitRecordOut):
    blob_sha256, caption = fields.String(), fields.String(allow_none=True)
    photo_set, original_sha256 = fields.String(), fields.String(allow_none=True)


class SignOffOut(VisitRecordOut):
    signer_name = fields.String()
    rating_quality = fields.Integer()
    rating_attitude = fields.Integer()
    comment = fields.String(allow_none=True)
    signature_sha256 = fields.String()
    summary_sha256 = fields.String()


class EscalationOut(Schema):
    """The office's answer to a technician's escalation (issue #14): read-only on the phone."""

    work_order_id = fields.String()
    source_event_id = fields.String()
    kind = fields.String()
    severity = fields.String()
    status = fields.String()
    owner_name = fields.Function(lambda r: r.owner.name if r.owner else None)
    decision = fields.String(allow_none=True)
    decision_text = fields.String(allow_none=True)
    decided_by_name = fields.Function(lambda r: r.decided_by.name if r.decided_by else None)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class CallBackOut(Schema):
    """A 3-hour call-back the technician owes (seed 003 §三(九)1): read-only on the phone."""

    work_order_id = fields.String()
    due_at = fields.DateTime()
    status = fields.String()
    attempts = fields.Integer()
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


SCHEMAS = {
    "customer": CustomerOut(),
    "part": PartOut(),
    "fee_schedule": FeeScheduleOut(),
    "job_checklist": ChecklistOut(),
    "van_stock": VanStockOut(),
    "checklist_answer": ChecklistAnswerOut(),
    "visit_event": VisitEventOut(),
    "diagnosis": DiagnosisOut(),
    "part_fitted": PartFittedOut(),
    "fee_quote": FeeQuoteOut(),
    "payment": PaymentOut(),
    "photo": PhotoOut(),
    "sign_off": SignOffOut(),
    "escalation": EscalationOut(),
    "call_back": CallBackOut(),
}
ENVELOPE_KEYS = ("id", "version")


_AS_IS = (fields.Dict, fields.List)
_CONVERT = {fields.String: str, fields.Integer: int, fields.Boolean: bool}


def _plain_dumper(schema: Schema, skip: tuple[str, ...] = ()):
    """schema.dump without marshmallow's per-field machinery, for ORM objects and plain rows alike.

    Text, numbers, flags, ISO moments, dicts and lists are read straight off the record (what
    marshmallow's own fields make of them); any other field (money, a function, a method, a
    dotted attribute) is left to that field's own `serialize`. Fields named in `skip` are left out.
    """
    namespace: dict = {}
    items = []
    for i, (name, f) in enumerate(schema.dump_fields.items()):
        key, attr = f.data_key or name, f.attribute or name
        if key in skip:
            continue
        plain = attr.isidentifier() and not keyword.iskeyword(attr)
        if plain and type(f) is fields.DateTime and f.format in (None, "iso"):
            value = f"None if (v := r.{attr}) is None else v.isoformat()"
        elif plain and type(f) in _CONVERT:
            value = f"None if (v := r.{attr}) is None else {_CONVERT[type(f)].__name__}(v)"
        elif plain and type(f) in _AS_IS:
            value = f"r.{attr}"
        else:
            namespace[f"field{i}"] = lambda obj, f=f, name=name: f.serialize(name, obj)
            value = f"field{i}(r)"
        items.append(f"{key!r}: {value}")
    # One dict display per record, compiled once per schema (keys quoted by repr, attributes
    # checked to be plain names): a loop over the fields cost a fifth more per record.
    exec(f"def dump(r):\n    return {{{', '.join(items)}}}\n", namespace)
    return namespace["dump"]


FAST = {name: _plain_dumper(schema) for name, schema in SCHEMAS.items() if isinstance(schema, VisitRecordOut)}
_DUMPERS = {name: _plain_dumper(schema, ENVELOPE_KEYS) for name, schema in SCHEMAS.items()}
# Entities pull.py reads as plain rows (no ORM objects): the visit records, the records of a
# first pull's bulk (customers, work orders, products), whose encrypted columns are opened
# here, column by column, instead of by the ORM's load event for every encrypted column, and
# the catalogue, whose schemas read nothing but columns (a van's stock and an escalation read
# related records, and stay ORM objects).
PLAIN_ROWS = {*FAST, "customer", "work_order", "product", "part", "fee_schedule", "job_checklist"}


def _read_by(schema: Schema) -> frozenset[str]:
    return frozenset({"id", "version", "deleted", *(f.attribute or key for key, f in schema.dump_fields.items())})


# The columns a change is made of, where fewer than the table's: what pull.py reads (a work
# order's merge bookkeeping, for one, is two JSON columns that would be parsed for nothing).
COLUMNS = {name: _read_by(SCHEMAS[name]) for name in FAST} | {"work_order": _read_by(WorkOrderOut())}


_UNSET = object()
# entity -> {column: its scale}, for the money columns a visit record stores rounded.
_SCALES = {
    name: {
        c.name: c.type.scale
        for c in MODEL_BY_ENTITY[name].__table__.columns
        if isinstance(c.type, sa.Numeric) and c.type.scale is not None
    }
    for name in FAST
}


def _absent(column: sa.Column):
    """What a row inserted without `column` holds (bulk.insert_rows gave it the column's default if
    another row of its batch named the column): NULL when nullable and without a server default."""
    return None if column.nullable and column.server_default is None else _UNSET


_ABSENT = {name: {c.name: _absent(c) for c in MODEL_BY_ENTITY[name].__table__.columns} for name in FAST}


def stored_change(entity: str, record) -> bytes | None:
    """A new or changed visit record's change, encoded as a pull sends it (the change log keeps
    it for pull.py to send as it is), or None if it does not encode (the pull then reads the
    record again, and isolates what cannot be sent).

    Made from the record as written, with its values as the database gives them back: moments
    in UTC (a device's time keeps its own offset until then) and amounts rounded to their
    column's scale, so that the stored change is the one a read of the row would make.
    """
    scales = _SCALES[entity]
    values = {}
    for name in COLUMNS[entity]:
        value = getattr(record, name, _UNSET)
        if value is _UNSET and (value := _ABSENT[entity].get(name, _UNSET)) is _UNSET:
            return None  # a row inserted without a column whose database default is not known here
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
        elif name in scales and value is not None:
            value = Decimal(str(value)).quantize(Decimal(1).scaleb(-scales[name]), ROUND_HALF_UP)
        values[name] = value
    change = {"entity": entity, "id": record.id, "op": "put", "version": record.version}
    try:
        change["fields"] = FAST[entity](SimpleNamespace(**values))
        return encode_compact(change)
    except Exception:  # as isolation.encodes: whatever the encoder or a field refuses
        return None


def record_fields(session: Session, entity: str, records: list, viewer: User) -> dict[str, dict]:
    """id -> fields for records of one entity, as `viewer` is sent them (products get warranty and
    repair history, work orders the statuses `viewer` may set next)."""
    if entity == "product":
        return _products(session, records)
    if entity in FAST:
        dump = FAST[entity]
        return {rec.id: dump(rec) for rec in records}
    if entity == "work_order":
        return _work_orders(records, viewer)
    if entity == "customer":
        return _customers(records)
    dump = _DUMPERS[entity]
    return {rec.id: dump(rec) for rec in records}


def _opened(table: str, column: str, pairs) -> dict[str, str | None]:
    """id -> plain text of an encrypted column read as a plain row (EncryptedText hands it over
    sealed), opened at its place as the ORM's load event opens it (crypto.open_or_unreadable)."""
    ring = app_ring()
    return {
        rid: None if stored is None else open_or_unreadable(ring, str.__str__(stored), Place(table, column, str(rid)))
        for rid, stored in pairs
    }


_CUSTOMER = _plain_dumper(CustomerOut(), (*ENVELOPE_KEYS, "phone", "address"))


def _customers(rows: list) -> dict[str, dict]:
    phones = _opened("customers", "phone", ((r.id, r.phone) for r in rows))
    addresses = _opened("customers", "address", ((r.id, r.address) for r in rows))
    return {r.id: {**_CUSTOMER(r), "phone": phones[r.id], "address": addresses[r.id]} for r in rows}


# The viewer's part (allowed_statuses) and the address are filled in by _work_orders.
_WORK_ORDER = _plain_dumper(WorkOrderOut(), (*ENVELOPE_KEYS, "service_address", "allowed_statuses"))


def customer_address():
    """The column pull.py reads with each work order: its customer's stored address."""
    customers = Customer.__table__
    return (
        sa.select(customers.c.address)
        .where(customers.c.id == WorkOrder.__table__.c.customer_id)
        .scalar_subquery()
        .label("customer_address")
    )


def _work_orders(rows: list, viewer: User) -> dict[str, dict]:
    """Work orders as WorkOrderOut(viewer=viewer) dumps them; `service_address` is the order's own
    or else its customer's address (`customer_address`, read with the row), only that one opened."""
    dump = _WORK_ORDER
    own = _opened("work_orders", "service_address", ((r.id, r.service_address) for r in rows))
    pairs = {(r.customer_id, r.customer_address) for r in rows if not own[r.id]}
    addresses = _opened("customers", "address", pairs)
    # WorkOrderOut's allowed_statuses, once per status on the page rather than once per order.
    role, allowed = getattr(viewer, "role", None), {}
    for r in rows:
        if r.status not in allowed:
            allowed[r.status] = allowed_targets(r.status, role)
    return {
        r.id: {
            **dump(r),
            "service_address": own[r.id] or addresses.get(r.customer_id),
            "allowed_statuses": list(allowed[r.status]),
        }
        for r in rows
    }


def _ids(postgres: bool, ids: list[str]) -> dict:
    return {"ids": ids_value(postgres, ids)}


def _orders_of_products(postgres: bool) -> sa.Select:
    """The orders of the products in the parameter `ids`, newest first: their repair histories."""
    wo = WorkOrder
    columns = (wo.id, wo.product_id, wo.ticket_no, wo.created_at, wo.status, wo.fault_description)
    ids = page_sql.param("ids", expanding=not postgres)
    return sa.select(*columns).where(among(wo.product_id, ids, postgres)).order_by(wo.created_at.desc())


def _fitted_on_orders(postgres: bool) -> sa.Select:
    """Live fitted parts of the orders in the parameter `ids` (coverage.fitted_query's rows)."""
    ids = page_sql.param("ids", expanding=not postgres)
    return fitted_query().where(among(PartFitted.work_order_id, ids, postgres))


def _history_parts(rows) -> dict[str, list[dict]]:
    """Rows of coverage.fitted_query() as work order id -> its parts as a repair history lists them,
    in the rows' order. Each with its own warranty end (coverage's rule: fit day + the catalogue's
    warranty_months), which the phone needs to price a part replacing one still in warranty.

    Built straight from the rows, each end once per (day, months): a first pull's products list
    every part fitted on their orders, thousands of them, and FittedParts made first cost three
    times as much."""
    out: dict[str, list[dict]] = {}
    ends: dict[tuple, str | None] = {}
    for _id, work_order_id, part_number, serial_fitted, serial_removed, corrected_at, created_at, months in rows:
        key = (fit_day(corrected_at, created_at), months)
        if key not in ends:
            end = part_end(*key)
            ends[key] = end.isoformat() if end else None
        part = {
            "part_number": part_number,
            "serial_fitted": serial_fitted,
            "serial_removed": serial_removed,
            "warranty_end": ends[key],
        }
        out.setdefault(work_order_id, []).append(part)
    return out


def _products(session: Session, products: list[Product]) -> dict[str, dict]:
    today = service_today()
    ids = [p.id for p in products]
    postgres = is_postgres(session)
    # Plain rows, not ORM objects, by statements built once (page_sql): a product's history can
    # run to many orders and parts, and building objects for them cost more than the rest of a
    # pull page.
    orders = page_sql.rows(session, ("product_orders",), lambda: _orders_of_products(postgres), _ids(postgres, ids))
    order_ids = [o.id for o in orders]
    parts_of = _history_parts(
        page_sql.rows(session, ("orders_fitted",), lambda: _fitted_on_orders(postgres), _ids(postgres, order_ids))
    )
    orders_of: dict[str, list] = {}
    for o in orders:
        orders_of.setdefault(o.product_id, []).append(o)
    out = {}
    for p in products:
        out[p.id] = {
            "customer_id": p.customer_id,
            "model": p.model,
            "name": p.name,
            "serial_no": p.serial_no,
            "purchase_date": p.purchase_date.isoformat() if p.purchase_date else None,
            "warranty_months": p.warranty_months,
            "warranty_end": (e.isoformat() if (e := warranty_end(p.purchase_date, p.warranty_months)) else None),
            "in_warranty": in_warranty(p.purchase_date, p.warranty_months, today),
            "repair_history": [
                {
                    "ticket_no": o.ticket_no,
                    "created_at": o.created_at.isoformat(),
                    "status": o.status,
                    "fault_description": o.fault_description,
                    "parts": parts_of.get(o.id, []),
                }
                for o in orders_of.get(p.id, ())
            ],
        }
    return out
