"""What a visit event's `data` may hold, kind by kind (issue #12, finding 2).

`data` used to take any JSON, and what went in had to come out again: in every pull of
the job's technician and of the office, in the review lists and on the office's pages.
Each kind now has its fields, typed and bounded, written the way the PWA's visit screens
(pwa/static/js/ui/*.js) and the office's dispatch service (server/services/dispatch.py)
write them; a key the kind does not have is refused, naming the key. A kind with no
fields takes no data (null or {}).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from ..domain.errors import M_
from ..domain.warranty import WARRANTY_DECISIONS, WARRANTY_VOID_REASONS
from ..models import Outcome
from ..reports.followups import CALL_BACK_OUTCOMES
from ..wire.fields import Choice, Id, Moment, Money, Required, StrictSchema, Text

UNKNOWN_KEY = M_("Not a field of this kind of event.")
NOT_AN_OBJECT = M_("Event data must be an object of the event kind's fields.")
NO_DATA = M_("This kind of event carries no data.")

_seconds = lambda: fields.Integer(strict=True, validate=validate.Range(min=0, max=7 * 24 * 3600))
_consent = lambda: fields.Boolean(allow_none=True)
_reason = lambda: Text(2000, allow_none=True)
_key = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="A name like 'dog_on_site'.")


class _Waited(StrictSchema):
    waited_s = _seconds()


class AppointmentConfirmed(StrictSchema):
    appointment_start = Moment(allow_none=True)


class Arrived(StrictSchema):
    late = fields.Boolean()
    minutes_late = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=-100_000, max=100_000))


class SpecialCase(StrictSchema):
    case = fields.String(validate=_key)


class KitChecked(StrictSchema):
    missing = fields.List(fields.String(validate=_key), validate=validate.Length(max=100))


class FeeDecision(StrictSchema):
    total = Money(100_000_000)


class ReassignmentRequested(StrictSchema):
    customer_consent = _consent()
    reason = _reason()


class Rescheduled(StrictSchema):
    reason = _reason()
    customer_consent = _consent()
    old_start = Moment(allow_none=True)
    old_end = Moment(allow_none=True)
    new_start = Moment(allow_none=True)
    new_end = Moment(allow_none=True)


class Reassigned(StrictSchema):
    reason = _reason()
    customer_consent = _consent()
    from_technician_id = Id(allow_none=True)
    to_technician_id = Id(allow_none=True)


class SignOffDeclined(StrictSchema):
    """The customer will not sign (seed 003 §三(十一)): the reason is required; the office reviews it."""

    reason = Required(2000)


class WarrantyVoid(StrictSchema):
    """In warranty, not covered after all: human damage (with a photo of it) or a consumable.

    Seed 000 §二(一)1: free replacement in warranty only for damage not caused by people;
    wearing parts (consumables) may be charged. Human damage needs the photo of a photo
    record on the same order (checked in server/sync/apply.py); the office may override.
    """

    reason = Choice(WARRANTY_VOID_REASONS, required=True)
    photo_id = Id(allow_none=True, load_default=None)


class WarrantyOverridden(StrictSchema):
    """The office's decision on who pays (services/work_orders.py `decide_warranty`)."""

    decision = Choice(WARRANTY_DECISIONS, allow_none=True)
    previous = Choice(WARRANTY_DECISIONS, allow_none=True)
    reason = Required(500)


class FollowUpFlagged(StrictSchema):
    due = Moment(allow_none=True)
    outcome = Choice(Outcome, allow_none=True)


class PreferredWindow(StrictSchema):
    start = Moment(required=True)
    end = Moment(required=True)


class FollowUpRequested(StrictSchema):
    """A follow-up visit asked of the office from the field (issue #15): why, and the times the
    customer would like (one or more windows; the sync engine checks each ends after it starts)."""

    reason = Required(500)
    windows = fields.List(fields.Nested(PreferredWindow), required=True, validate=validate.Length(min=1, max=5))


class FollowUpBooked(StrictSchema):
    """The office's answer to a request: the request and the visit it became (services/follow_up_requests.py)."""

    request_id = Id(required=True)
    booked_work_order_id = Id(required=True)
    start = Moment(required=True)
    end = Moment(allow_none=True)


class CallBackDone(StrictSchema):
    """The technician's 3-hour call-back, made (seed 003 §三(九)1); the event's note says why a
    customer is not satisfied (services/followup_queue.py applies it to the call)."""

    call_back_id = Id(required=True)
    outcome = Choice(CALL_BACK_OUTCOMES, required=True)


SCHEMAS: dict[str, Schema] = {
    "appointment_confirmed": AppointmentConfirmed(),
    "arrived": Arrived(),
    "phoned_customer": _Waited(),
    "door_answered": _Waited(),
    "no_one_home": _Waited(),
    "special_case": SpecialCase(),
    "kit_checked": KitChecked(),
    "fee_consented": FeeDecision(),
    "fee_refused": FeeDecision(),
    "reassignment_requested": ReassignmentRequested(),
    "rescheduled": Rescheduled(),
    "reassigned": Reassigned(),
    "follow_up_flagged": FollowUpFlagged(),
    "sign_off_declined": SignOffDeclined(),
    "warranty_void": WarrantyVoid(),
    "warranty_overridden": WarrantyOverridden(),
    "call_back_done": CallBackDone(),
    "follow_up_requested": FollowUpRequested(),
    "follow_up_booked": FollowUpBooked(),
}

# Kinds whose data must be there (the refusal to sign needs its reason).
DATA_REQUIRED = frozenset(
    {"sign_off_declined", "warranty_void", "warranty_overridden", "call_back_done", "follow_up_requested"}
)


def check(kind: str, data) -> None:
    """Raise ValidationError({"data": ...}) unless `data` fits the event `kind` (kind itself checked elsewhere)."""
    if data is None:
        if kind in DATA_REQUIRED:
            raise ValidationError({"data": {"reason": [M_("Missing data for required field.")]}})
        return
    if not isinstance(data, dict):
        raise ValidationError({"data": [NOT_AN_OBJECT]})
    schema = SCHEMAS.get(kind)
    if schema is None:
        if data:
            raise ValidationError({"data": [NO_DATA]})
        return
    errors = schema.validate(data)
    if errors:
        raise ValidationError(
            {
                "data": {
                    str(key): ([UNKNOWN_KEY] if msgs == ["Unknown field."] else _str_keys(msgs))
                    for key, msgs in errors.items()
                }
            }
        )


def _str_keys(errors):
    """Marshmallow keys a list's errors by index (int): JSON objects (and the stored result) need text."""
    if isinstance(errors, dict):
        return {str(k): _str_keys(v) for k, v in errors.items()}
    return errors
