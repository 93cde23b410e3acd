"""Back-office payloads the REST API and the office pages both validate and send:
intake, board, dispatch, follow-ups, reconciliation, KPIs, reports."""

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models import Channel, CustomerTier, Priority, WorkOrderType
from .errors import ErrorBody
from .fields import EARLIEST, LATEST, Choice, Day, Id, Moment, Required, StrictSchema, Text, not_in_future

# What a difference between the typed customer and the record found by phone is (issue #14).
CUSTOMER_DETAILS = ("update_customer", "this_order")
PHONE = validate.Regexp(r"^\+?[0-9][0-9 \-]{5,30}$", error="Not a phone number.")


class IntakeIn(StrictSchema):
    """A request from any channel; the customer and product are found or created from these."""

    channel = Choice(Channel, required=True)
    type = Choice(WorkOrderType, required=True)
    priority = Choice(Priority, required=True)
    customer_name = Required(120)
    phone = fields.String(required=True, validate=PHONE)
    address = Required(300)
    tier = Choice(CustomerTier, load_default=None, allow_none=True)
    model = Required(80)
    # Seed 000 §三(一)2: the serial "if applicable"; without it the order is flagged to complete the record.
    serial_no = Text(80, load_default=None, allow_none=True)
    product_name = Text(120, allow_none=True)
    purchase_date = Day(validate_also=(not_in_future,), allow_none=True)
    proof_of_purchase = Text(80, allow_none=True)
    warranty_months = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=240))
    fault_description = Required(2000)
    customer_requirements = Text(2000, allow_none=True)
    technician_id = Id(allow_none=True)
    appointment_start = Moment(allow_none=True)
    appointment_end = Moment(allow_none=True)
    customer_details = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(CUSTOMER_DETAILS),
        metadata={
            "enum": list(CUSTOMER_DETAILS),
            "description": "When the phone finds a customer whose name, address or tier on record differ from "
            "those typed: `update_customer` changes the customer's record; `this_order` keeps the record and "
            "makes the typed address this order's service address. Missing then: 409 `intake.customer_differs`.",
        },
    )
    confirm_duplicate = fields.Boolean(
        load_default=False,
        metadata={"description": "Take in even though the product has an open work order (answered 409 otherwise)"},
    )
    # Solved by the intake call's phone guidance [seed 003 §三(一)3]: ended at once, no visit.
    resolved_by_phone = fields.Boolean(
        load_default=False, metadata={"description": "Resolved by phone guidance: no visit, a check-back in 2 h"}
    )
    advice = Text(
        2000, allow_none=True, metadata={"description": "What the customer was advised (with resolved_by_phone)"}
    )

    @validates_schema
    def _window(self, data, **kwargs):
        start, end = data.get("appointment_start"), data.get("appointment_end")
        if end and not start:
            raise ValidationError("Give appointment_start too.", "appointment_start")
        if start and end and end <= start:
            raise ValidationError("Must be after appointment_start.", "appointment_end")
        if start and not data.get("technician_id"):
            raise ValidationError("An appointment needs a technician.", "technician_id")


class PhoneResolutionIn(StrictSchema):
    """The office's 'Resolved by phone' action on a work order no visit has started for."""

    advice = Text(2000, allow_none=True)


class IntakeCheckQuery(StrictSchema):
    serial_no = Text(80, load_default=None)
    phone = Text(40, load_default=None)


class OpenOrderOut(StrictSchema):
    id = fields.String()
    ticket_no = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class DuplicateIntakeError(ErrorBody):
    """The error body of intake's 409, plus the open work orders to confirm against."""

    open_work_orders = fields.List(fields.Nested(OpenOrderOut))
    customer = fields.Dict(metadata={"description": "intake.customer_differs: the customer on record"})
    differs = fields.List(fields.String(), metadata={"description": "intake.customer_differs: name, address, tier"})


class IntakeCheckOut(StrictSchema):
    """What intake would find: the customer by phone, the product by serial, open work orders."""

    customer = fields.Dict(allow_none=True)
    product = fields.Dict(allow_none=True)
    in_warranty = fields.Boolean(allow_none=True)
    warranty_end = fields.Date(allow_none=True)
    open_work_orders = fields.List(fields.Nested(OpenOrderOut))


class ClockOut(StrictSchema):
    kind = fields.String()
    due = fields.DateTime()
    left_seconds = fields.Integer()
    state = fields.String()


class BoardRowOut(StrictSchema):
    id = fields.String(attribute="work_order.id")
    ticket_no = fields.String(attribute="work_order.ticket_no")
    status = fields.String(attribute="work_order.status")
    priority = fields.String(attribute="work_order.priority")
    effective_priority = fields.String()
    customer_name = fields.String(attribute="work_order.customer.name")
    customer_tier = fields.String(attribute="work_order.customer.tier")
    technician_id = fields.String(attribute="work_order.technician_id", allow_none=True)
    technician_name = fields.Function(lambda r: r.work_order.technician.name if r.work_order.technician else None)
    appointment_start = fields.DateTime(attribute="work_order.appointment_start", allow_none=True)
    response_due = fields.DateTime(attribute="work_order.response_due")
    resolution_due = fields.DateTime(attribute="work_order.resolution_due")
    clock = fields.Nested(ClockOut)


class BoardOut(StrictSchema):
    now = fields.DateTime()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rows = fields.List(fields.Nested(BoardRowOut))


class BoardQuery(StrictSchema):
    technician_id = Id(load_default=None)


def _hours():
    levels = [p.value for p in Priority]
    hours = {"type": "number", "minimum": 0.25, "maximum": 24 * 30}
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(levels)),
        values=fields.Float(validate=validate.Range(min=0.25, max=24 * 30)),
        required=True,
        # Documented key by key: every priority must be given (checked in _complete below).
        metadata={"properties": {level: hours for level in levels}, "required": levels},
    )


class SlaSettingsIO(StrictSchema):
    """Deadlines per priority in hours, and the rating (of 5) at or below which a case opens."""

    response_hours = _hours()
    resolution_hours = _hours()
    low_rating_threshold = fields.Integer(required=True, validate=validate.Range(min=1, max=4))

    @validates_schema
    def _complete(self, data, **kwargs):
        levels = {p.value for p in Priority}
        for name in ("response_hours", "resolution_hours"):
            missing = levels - set(data.get(name) or {})
            if missing:
                raise ValidationError(f"Give hours for: {', '.join(sorted(missing))}.", name)
        for level in levels:
            if data["resolution_hours"][level] < data["response_hours"][level]:
                raise ValidationError(f"Resolution for '{level}' cannot be sooner than response.", "resolution_hours")


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", error="Give the time as HH:MM.")


class WorkCalendarIO(StrictSchema):
    """Working hours per weekday (a day left out or null is closed), holidays, and the response
    time for a non-urgent request taken in outside working hours (hours of working time from the next opening)."""

    hours = fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.List(fields.String(validate=CLOCK), validate=validate.Length(equal=2), allow_none=True),
        required=True,
        metadata={"description": 'e.g. {"mon": ["08:30", "18:00"], "sat": null}'},
    )
    holidays = fields.List(Day(), load_default=list, validate=validate.Length(max=400))
    after_hours_response_hours = fields.Float(required=True, validate=validate.Range(min=0.25, max=24 * 30))


class DispatchAssignIn(StrictSchema):
    technician_id = Id(required=True)
    reason = Text(
        500, load_default=None, allow_none=True, metadata={"description": "Required for a reassignment (改派)"}
    )
    customer_consent = fields.Boolean(load_default=None, allow_none=True)


class RescheduleIn(StrictSchema):
    appointment_start = Moment(required=True)
    appointment_end = Moment(load_default=None, allow_none=True)
    reason = Required(500)
    customer_consent = fields.Boolean(required=True)


class ContactIn(StrictSchema):
    """The office reached the customer (a call logged in the office): a first response [seed 000 §二(二)1]."""

    note = Text(500, load_default=None, allow_none=True)


class DayQuery(StrictSchema):
    date = Day(load_default=None, metadata={"description": "Local day (default today)"})


class DayJobOut(StrictSchema):
    id = fields.String()
    ticket_no = fields.String()
    status = fields.String()
    priority = fields.String()
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    customer_name = fields.String(attribute="customer.name")
    address = fields.Function(
        lambda wo: wo.service_address or wo.customer.address,
        metadata={
            "type": "string",
            "description": "Where the visit goes (the order's service address, else the customer's)",
        },
    )


class TechnicianDayOut(StrictSchema):
    technician_id = fields.String()
    technician_name = fields.String()
    date = fields.Date()
    appointments = fields.List(fields.Nested(DayJobOut))
    unscheduled = fields.List(fields.Nested(DayJobOut))


class TechnicianOut(StrictSchema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)


class DispatchEventOut(StrictSchema):
    id = fields.String()
    kind = fields.String()
    note = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)
    created_by_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


# --- follow-ups ---------------------------------------------------------------------------


class FollowUpQuery(StrictSchema):
    include_done = fields.Boolean(load_default=False)


class FollowUpOut(StrictSchema):
    id = fields.String()
    work_order_id = fields.String()
    ticket_no = fields.String(attribute="work_order.ticket_no")
    customer_name = fields.String(attribute="work_order.customer.name")
    customer_phone = fields.String(attribute="work_order.customer.phone")
    technician_name = fields.Function(lambda f: f.work_order.technician.name if f.work_order.technician else None)
    recovery_case_id = fields.String(allow_none=True)
    kind = fields.String()
    reason = fields.String()
    due_at = fields.DateTime()
    latest_at = fields.DateTime(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    score = fields.Integer(allow_none=True)
    # A call-back on the repairing technician's phone (seed 003 §三(九)1): whose it is.
    on_phone_of = fields.Function(lambda f: f.technician.name if f.technician else None)


class FollowUpOutcomeIn(StrictSchema):
    # solved / not_solved: a check-back after a phone resolution [seed 003 §三(一)3]
    outcome = Choice(["satisfied", "dissatisfied", "unreachable", "resolved", "solved", "not_solved"], required=True)
    note = Text(2000, load_default=None, allow_none=True)
    # A satisfaction call's score, 1-5 (services/followup_queue.py refuses it on other calls).
    score = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))

    @validates_schema
    def _reason_when_dissatisfied(self, data, **kwargs):
        if data.get("outcome") == "dissatisfied" and not (data.get("note") or "").strip():
            raise ValidationError("Record why the customer is dissatisfied.", "note")


class ComplaintIn(StrictSchema):
    work_order_id = Id(load_default=None)
    ticket_no = Text(32, load_default=None)
    description = Required(2000)

    @validates_schema
    def _which_order(self, data, **kwargs):
        if not data.get("work_order_id") and not data.get("ticket_no"):
            raise ValidationError("Give the work order id or its ticket number.", "ticket_no")


class RecoveryCaseOut(StrictSchema):
    id = fields.String()
    work_order_id = fields.String()
    trigger = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    # Seed 002 grading and steps (services/recovery.py); worked on the office pages /office/recovery.
    channel = fields.String(allow_none=True)
    severity = fields.String()
    owner_id = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "First contact due"})
    contacted_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    rerating_score = fields.Integer(allow_none=True, metadata={"description": "1-5; target 4 (8 of 10)"})
    follow_ups = fields.List(fields.Nested(FollowUpOut))


# --- reconciliation ------------------------------------------------------------------------


class ReconciliationQuery(StrictSchema):
    date = Day(load_default=None, metadata={"description": "Local day (default today)"})


class FlagOut(StrictSchema):
    work_order_id = fields.String()
    ticket_no = fields.String()
    technician_name = fields.String(allow_none=True)
    code = fields.String()
    detail = fields.Dict()
    reviewed = fields.Boolean()
    review_note = fields.String(allow_none=True)


class ReconciliationOut(StrictSchema):
    date = fields.Date()
    checked = fields.Integer(metadata={"description": "Work orders closed out that day"})
    flags = fields.List(fields.Nested(FlagOut))


class ReviewIn(StrictSchema):
    work_order_id = Id(required=True)
    flag = Choice(
        [
            "unsigned_completion",
            "sign_off_declined",
            "rating_without_signature",
            "sign_off_mismatch",
            "late_record",
            "part_without_serial",
            "implausible_time",
        ],
        required=True,
    )
    note = Required(2000)


# --- KPIs -----------------------------------------------------------------------------------


class KpiQuery(StrictSchema):
    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("Must not be before 'from'.", "to")
        if start and end and (end - start).days > 366:
            raise ValidationError("At most a year at a time.", "to")


class KpiRowOut(StrictSchema):
    technician_id = fields.String(allow_none=True)
    technician_name = fields.String(allow_none=True)
    jobs = fields.Integer()
    completed = fields.Integer()
    first_response_hours_median = fields.Float(allow_none=True)
    first_response_hours_mean = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    on_time_judged = fields.Integer()
    first_time_fix_rate = fields.Float(allow_none=True)
    completion_rate = fields.Float(allow_none=True)
    csat_quality = fields.Float(allow_none=True)
    csat_attitude = fields.Float(allow_none=True)
    csat_satisfied_rate = fields.Float(allow_none=True)
    csat_count = fields.Integer()
    sla_response_rate = fields.Float(allow_none=True)
    sla_response_judged = fields.Integer()
    sla_resolution_rate = fields.Float(allow_none=True)
    sla_resolution_judged = fields.Integer()
    resolved_remotely = fields.Integer()
    resolved_remotely_share = fields.Float(allow_none=True)
    check_back_on_time_rate = fields.Float(allow_none=True)
    check_back_judged = fields.Integer()


class KpiGroupsOut(StrictSchema):
    overall = fields.Nested(KpiRowOut)
    technicians = fields.List(fields.Nested(KpiRowOut))


class KpiOut(KpiGroupsOut):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class VisitKpiRowOut(StrictSchema):
    """Handling time, utilisation and the reconciliation error rate (reports/visit_kpis.py)."""

    technician_id = fields.String(allow_none=True)
    technician_name = fields.String(allow_none=True)
    handling_hours_median = fields.Float(allow_none=True)
    handling_hours_mean = fields.Float(allow_none=True)
    handling_judged = fields.Integer()
    on_site_hours = fields.Float()
    working_hours = fields.Float(allow_none=True)
    utilisation = fields.Float(allow_none=True)
    reconciliation_error_rate = fields.Float(allow_none=True)
    reconciliation_judged = fields.Integer()


class VisitKpiOut(StrictSchema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    overall = fields.Nested(VisitKpiRowOut)
    technicians = fields.List(fields.Nested(VisitKpiRowOut))


def _month_in_span(value: str) -> None:
    # Year 0 or 9999 passes the pattern but breaks the date arithmetic (a 500, not a 422).
    # Runs after the pattern check even when that failed, so it reads the year warily.
    year = value[:4]
    if year.isascii() and year.isdigit() and not EARLIEST.year <= int(year) <= LATEST.year:
        raise ValidationError(f"Must be a month of {EARLIEST.year} to {LATEST.year}.")


class MonthQuery(StrictSchema):
    month = fields.String(
        load_default=None,
        validate=[validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Give a month as YYYY-MM."), _month_in_span],
    )


class MonthlyOut(StrictSchema):
    month = fields.String()
    date_from = fields.Date(data_key="from", attribute="from")
    date_to = fields.Date(data_key="to", attribute="to")
    kpis = fields.Nested(KpiGroupsOut)
    by_channel = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    follow_ups = fields.List(fields.Dict())
    reconciliation_flags = fields.Dict(keys=fields.String(), values=fields.Integer())


# --- service report -----------------------------------------------------------------------


class ReportQuery(StrictSchema):
    lang = Choice(["zh-CN", "en"], load_default=None)


class ShareIn(StrictSchema):
    channel = Choice(["sms", "wechat", "email"], required=True)
    recipient = Required(200)


class ShareOut(StrictSchema):
    id = fields.String()
    work_order_id = fields.String()
    channel = fields.String()
    recipient = fields.String()
    expires_at = fields.DateTime()
    url = fields.String()
