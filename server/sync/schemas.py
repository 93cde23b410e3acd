"""Wire format of the sync API (sync.md Part 1): envelopes and each entity's fields.

These schemas are the one definition of the payloads; the OpenAPI document is built from them.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain.photos import DEFAULT_PHOTO_SET, PHOTO_SETS
from ..models import Outcome
from ..wire.errors import ErrorBody
from ..wire.fields import UUID_RE, Choice, Id, Moment, Money, Required, StrictSchema, Text
from . import event_data

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="Not a lowercase hex SHA-256.")
OPS = ("create", "update", "delete")

# ---------------------------------------------------------------- envelopes


class MutationIn(Schema):
    """One entry of a device's outbox: its envelope. `fields` are checked per entity."""

    class Meta:
        unknown = "exclude"  # later clients may send more; a mutation is judged on what we know

    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    id = Id(required=True)
    entity = fields.String(
        required=True, validate=validate.Length(max=40), metadata={"description": "An entity of the vocabulary"}
    )
    entity_id = fields.String(required=True, validate=validate.Regexp(UUID_RE, error="Not a valid UUID."))
    op = Choice(OPS, required=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", load_default=dict)
    base_version = fields.Integer(allow_none=True, load_default=None, strict=True)
    at = Moment(required=True)


# What a device sent of an entry, kept with the entry's result (rejected ones included).
SENT = ("entity", "entity_id", "op", "base_version", "at", "fields")


class OutboxEntry(fields.Nested):
    """A mutation in a push, checked once against MutationIn.

    One bad entry never blocks the queue: an entry whose envelope fails its checks is
    kept with its errors, and push rejects it on its own. Only an entry without a usable
    seq and id fails the whole request (422), since no result could name it.
    Loads as {"seq", "id", "sent" (the device's values as sent), "mutation" (the loaded
    envelope, or None), "errors" (field errors, or None)}.
    """

    def __init__(self, **kwargs):
        super().__init__(MutationIn, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        try:
            mutation, errors = super()._deserialize(value, attr, data, partial=partial, **kwargs), None
        except ValidationError as exc:
            errors = exc.messages
            if not isinstance(value, dict) or not isinstance(errors, dict) or {"seq", "id", "_schema"} & errors.keys():
                raise
            mutation = None
        refused = getattr(value, "refused", None)  # values over the request limits (server/request_limits.py)
        if refused:
            mutation, errors = None, {**(errors or {}), **refused}
        return {
            "seq": value["seq"],
            "id": value["id"],
            "sent": {k: value.get(k) for k in SENT},
            "mutation": mutation,
            "errors": errors,
        }


class PushIn(StrictSchema):
    # An outbox entry that breaks a request limit (server/request_limits.py) outside its
    # seq and id is rejected on its own, like one that fails MutationIn.
    REFUSE_ENTRIES_ALONE = ("mutations", ("seq", "id"))

    device_id = Id(required=True)
    device_time = Moment(required=True)
    mutations = fields.List(
        OutboxEntry(),
        required=True,
        metadata={
            "description": (
                "Outbox entries. An entry whose seq or id is unusable fails the request (422); one failing any other "
                "check is answered `rejected` in its own result, with the reason field by field, and the rest apply."
            )
        },
    )

    pull_cursor = Text(
        200,
        allow_none=True,
        metadata={
            "description": (
                "Optional: the device's pull cursor (null: from the start). The answer then carries `pull`, the "
                "page of changes after it, read once the push committed, as `GET /api/sync/pull?cursor=…"
                "&device_id=…` would answer: no second request for the pull that follows a push (issue #17)."
            )
        },
    )

    @validates_schema
    def _unique_seqs(self, data, **kwargs):
        seqs = [m["seq"] for m in data.get("mutations", [])]
        if len(seqs) != len(set(seqs)):
            raise ValidationError("Each seq may appear once in a batch.", "mutations")


class MutationError(Schema):
    """Why an entry was rejected. `code` (stable, e.g. `sync.sealed`; server/domain/sync_reasons.py) and
    `params` let the phone word the reason itself; `message` is the server's English wording."""

    code = fields.String(metadata={"description": "Stable reason code (absent on entries stored before codes)"})
    params = fields.Dict(metadata={"description": 'Values the reason\'s wording names, e.g. {"entity": "diagnosis"}'})
    message = fields.String()
    errors = fields.Dict()


class MutationResult(Schema):
    seq = fields.Integer()
    id = fields.String()
    status = fields.String(metadata={"enum": ["applied", "duplicate", "merged", "rejected"]})
    original_status = fields.String(metadata={"description": "For a duplicate: the first result's status"})
    version = fields.Integer(allow_none=True)
    error = fields.Nested(MutationError, allow_none=True)
    conflict = fields.Dict(allow_none=True)


class PushOut(Schema):
    last_seq = fields.Integer()
    results = fields.List(fields.Nested(MutationResult))
    pull = fields.Nested(
        lambda: PullOut(),
        metadata={"description": "Only when the push sent `pull_cursor`: the pull page after it (see PullOut)."},
    )


class SequenceGapError(ErrorBody):
    """The error body of push's 409, plus the seq the device must resend from."""

    expected_seq = fields.Integer()


class PullQuery(StrictSchema):
    cursor = Text(200, load_default=None, allow_none=True)
    device_id = Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": (
                "The pulling device (optional). Records this device created and was told about in its push "
                "answer (status and version) are not sent back to it; everything else is. A pull without a cursor "
                "sends everything; after a reset, name the device again only once the pull from the start is done."
            )
        },
    )
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class ChangeOut(Schema):
    entity = fields.String()
    id = fields.String()
    op = fields.String(metadata={"enum": ["put", "delete"]})
    version = fields.Integer()
    fields_ = fields.Dict(data_key="fields", attribute="fields")


class SkippedOut(Schema):
    entity = fields.String()
    id = fields.String()
    version = fields.Integer(allow_none=True)


class PullOut(Schema):
    cursor = fields.String()
    has_more = fields.Boolean()
    reset = fields.Boolean()
    changes = fields.List(fields.Nested(ChangeOut))
    skipped = fields.List(
        fields.Nested(SkippedOut),
        metadata={
            "description": "Only when some record could not be serialised: the changes left out of this page "
            "(the server logged them). A change sent with some fields unreadable names them in "
            "its fields' `unreadable` list and sends them as null."
        },
    )


class BlobOut(Schema):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()


# ---------------------------------------------------------------- entity fields a device sends


class WorkOrderChange(StrictSchema):
    """`update` of a work order by a device: the fields a technician changes on a visit."""

    status = Choice(
        ["assigned", "scheduled", "en_route", "on_site", "awaiting_parts", "returned_to_factory", "completed"]
    )
    technician_notes = Text(4000, allow_none=True)
    outcome = Choice(Outcome, allow_none=True)
    appointment_start = Moment(allow_none=True)
    appointment_end = Moment(allow_none=True)


class VisitFields(StrictSchema):
    work_order_id = Id(required=True)


CHECKLIST_STEP = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="A step name like 'kit_tools'.")


class ChecklistAnswerFields(VisitFields):
    step = fields.String(required=True, validate=CHECKLIST_STEP)
    value = Required(200)
    note = Text(2000, allow_none=True)


VISIT_EVENT_KINDS = (
    "accepted",
    "appointment_confirmed",
    "reschedule_requested",
    "rescheduled",
    "reassignment_requested",
    "reassigned",
    "kit_checked",
    "departed",
    "arrived",
    "late_apology",
    "knock_started",
    "door_answered",
    "phoned_customer",
    "neighbour_asked",
    "no_one_home",
    "note_left",
    "entered",
    "special_case",
    "fee_consented",
    "fee_refused",
    "three_guarantees_explained",
    "escalated",
    "test_run_ok",
    "training_done",
    "fixed",
    "returned_to_factory",
    "awaiting_parts",
    "refused",
    "not_fixed",
    "new_problem_reported",
    "follow_up_flagged",
    "service_card_given",
    "sign_off_declined",
    "completed",
    "warranty_void",  # human damage / consumable: not covered after all (seed 000 §二(一)1)
    "warranty_overridden",  # the office's decision on who pays (office only)
    "call_back_done",  # the technician's 3-hour call-back, made (seed 003 §三(九)1)
    "follow_up_requested",  # a follow-up visit asked of the office from the field (issue #15)
    "follow_up_booked",  # the office booked it (office only)
)


class VisitEventFields(VisitFields):
    kind = Choice(VISIT_EVENT_KINDS, required=True)
    note = Text(2000, allow_none=True)
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        allow_none=True,
        metadata={
            "description": "The kind's own fields (server/sync/event_data.py); a key the kind does not have is refused."
        },
    )

    @validates_schema
    def _data_fits_the_kind(self, data, **kwargs):
        event_data.check(data.get("kind"), data.get("data"))


class DiagnosisFields(VisitFields):
    fault_cause = Required(2000)
    repair_method = Text(2000, allow_none=True)
    customer_visible = fields.Boolean(required=True)


class PartFittedFields(VisitFields):
    part_number = Required(40)
    serial_fitted = Text(80, allow_none=True)
    serial_removed = Text(80, allow_none=True)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100))
    unit_price = Money(required=True)
    under_warranty = fields.Boolean(required=True)


FEE_LINE_KINDS = ("call_out", "labour", "part", "trade_in", "waiver", "discount")
PAYMENT_METHODS = ("cash", "wechat", "alipay", "card", "bank_transfer", "not_collected")
RECEIPTS = ("none", "receipt", "invoice")


def LineAmount(**kw) -> fields.Decimal:
    """A quote line's amount: like Money, but credits, waivers and discounts are negative."""

    def in_range(value) -> None:
        if not -1_000_000 <= value <= 1_000_000:
            raise ValidationError("Must be between -1000000 and 1000000.")

    metadata = {"minimum": -1_000_000, "maximum": 1_000_000, **kw.pop("metadata", {})}
    return fields.Decimal(places=2, as_string=True, validate=in_range, metadata=metadata, **kw)


class QuotedPart(StrictSchema):
    """A part the customer is asked to pay for, quoted before the repair (planned)."""

    part_number = Required(40)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    trade_in = fields.Boolean(load_default=False)
    serial_removed = Text(80, allow_none=True, load_default=None)


class FeeAdjustment(StrictSchema):
    """A waiver (of the call-out or labour) or a discount, with the reason the office reviews."""

    kind = Choice(["waiver", "discount"], required=True)
    line = Choice(["call_out", "labour"], allow_none=True, load_default=None)
    amount = Money(allow_none=True, load_default=None)
    reason = Required(200)


class FeeLine(StrictSchema):
    """One line of server/domain/fees.compute_quote, plus the words shown to the customer."""

    kind = Choice(FEE_LINE_KINDS, required=True)
    ref = Text(40, required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    amount = LineAmount(required=True)
    description = Text(200, required=True)
    reason = Text(200)  # on waiver and discount lines only


class FeeQuoteFields(VisitFields):
    """A quote priced on the phone from its copy of the fee schedule; the server recomputes it."""

    schedule_revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    work_minutes = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1440))
    travel_minutes = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1440))
    parts = fields.List(fields.Nested(QuotedPart), load_default=list, validate=validate.Length(max=50))
    adjustments = fields.List(fields.Nested(FeeAdjustment), load_default=list, validate=validate.Length(max=5))
    lines = fields.List(fields.Nested(FeeLine), required=True, validate=validate.Length(max=60))
    total = Money(required=True)
    consented = fields.Boolean(required=True)
    consented_at = Moment(allow_none=True)

    @validates_schema
    def _consent_has_a_time(self, data, **kwargs):
        if data.get("consented") and not data.get("consented_at"):
            raise ValidationError("Required when consented is true.", "consented_at")


class PaymentFields(VisitFields):
    """How the customer paid the consented quote, and whether they want a receipt or an invoice."""

    method = Choice(PAYMENT_METHODS, required=True)
    amount = Money(required=True)
    receipt = Choice(RECEIPTS, load_default="none")
    invoice_title = Text(200, allow_none=True, load_default=None)
    note = Text(2000, allow_none=True, load_default=None)

    @validates_schema
    def _not_collected_says_why(self, data, **kwargs):
        if data.get("method") == "not_collected":
            if data.get("amount") not in (None, 0):
                raise ValidationError("Must be 0.00 when nothing was collected.", "amount")
            if not (data.get("note") or "").strip():
                raise ValidationError("Say why nothing was collected.", "note")


class PhotoFields(VisitFields):
    """A photo: its set (before / after / other) and, when marked up, the original as taken."""

    blob_sha256 = fields.String(required=True, validate=SHA256)
    caption = Text(200, allow_none=True)
    photo_set = Choice(PHOTO_SETS, load_default=DEFAULT_PHOTO_SET)
    original_sha256 = fields.String(allow_none=True, load_default=None, validate=SHA256)

    @validates_schema
    def _original_differs(self, data, **kwargs):
        if data.get("original_sha256") and data["original_sha256"] == data.get("blob_sha256"):
            raise ValidationError("Only for a marked-up photo: must differ from blob_sha256.", "original_sha256")


class SignOffFields(VisitFields):
    signer_name = Required(120)
    rating_quality = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    rating_attitude = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = Text(2000, allow_none=True)
    signature_sha256 = fields.String(required=True, validate=SHA256)
    summary_sha256 = fields.String(required=True, validate=SHA256)


CREATE_SCHEMAS: dict[str, type[Schema]] = {
    "checklist_answer": ChecklistAnswerFields,
    "visit_event": VisitEventFields,
    "diagnosis": DiagnosisFields,
    "part_fitted": PartFittedFields,
    "fee_quote": FeeQuoteFields,
    "payment": PaymentFields,
    "photo": PhotoFields,
    "sign_off": SignOffFields,
}


def register_entity_schemas(spec) -> None:
    """Put each entity's field schema into the OpenAPI components, for client writers."""
    spec.components.schema("WorkOrderChange", schema=WorkOrderChange)
    for entity, schema in CREATE_SCHEMAS.items():
        name = "".join(part.title() for part in entity.split("_")) + "Fields"
        spec.components.schema(name, schema=schema)
