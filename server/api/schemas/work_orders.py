"""Work-order payloads."""

from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates_schema

from ...domain.lifecycle import Status
from ...domain.sla import schedule_warnings
from ...models import Channel, Outcome, Priority, WorkOrderType
from ...wire import records
from ...wire.fields import Choice, Day, Id, Moment, PageQuery, Required, StrictSchema, Text
from ...wire.office import DispatchAssignIn


def _window_in_order(data: dict) -> None:
    start, end = data.get("appointment_start"), data.get("appointment_end")
    if start and end and end <= start:
        raise ValidationError("Must be after appointment_start.", "appointment_end")


class WorkOrderIn(StrictSchema):
    customer_id = Id(required=True)
    product_id = Id(allow_none=True)
    channel = Choice(Channel, required=True)
    type = Choice(WorkOrderType, required=True)
    priority = Choice(Priority, required=True)
    fault_description = Required(2000)
    customer_requirements = Text(2000, allow_none=True)
    technician_id = Id(allow_none=True)
    appointment_start = Moment(allow_none=True)
    appointment_end = Moment(allow_none=True)

    @validates_schema
    def _window(self, data, **kwargs):
        _window_in_order(data)


class WorkOrderPatch(StrictSchema):
    """Fields the office edits; `version` (optional) guards against overwriting a newer edit."""

    version = fields.Integer(validate=validate.Range(min=1))
    priority = Choice(Priority)
    type = Choice(WorkOrderType)
    status = Choice(Status)
    outcome = Choice(Outcome, allow_none=True)
    fault_description = Required(2000, required=False)
    customer_requirements = Text(2000, allow_none=True)
    technician_notes = Text(4000, allow_none=True)
    appointment_start = Moment(allow_none=True)
    appointment_end = Moment(allow_none=True)

    @validates_schema
    def _window(self, data, **kwargs):
        _window_in_order(data)


class AssignIn(DispatchAssignIn):
    """The same input as the office's assign (one use case, server/services/dispatch.py):
    `reason` is required for a reassignment (改派), `customer_consent` is recorded with it."""


class WarningOut(StrictSchema):
    code = fields.String()
    message = fields.String()
    params = fields.Dict()


CLOSED = (Status.COMPLETED.value, Status.CLOSED.value, Status.CANCELLED.value)


class WorkOrderOut(records.WorkOrderOut):
    """A work order as a REST answer: read by the caller of the request."""

    warnings = fields.Method(
        "_warnings",
        metadata={
            "description": "What the office may go ahead with but should know, e.g. "
            "`sla.appointment_after_resolution` (the appointment starts after the resolution deadline)",
            "type": "array",
            "items": {"type": "object"},
        },
    )

    def _warnings(self, wo) -> list[dict]:
        found = schedule_warnings(wo.appointment_start, wo.resolution_due, closed=wo.status in CLOSED)
        return [{"code": w.code, "message": w.text(gettext), "params": w.params} for w in found]

    def viewer(self):
        """The signed-in caller, unless the view named another reader with `viewer=`."""
        return self._viewer if self._viewer is not None else current_user._get_current_object()


class WorkOrderQuery(PageQuery):
    status = Choice(Status)
    priority = Choice(Priority)
    technician_id = Id()
    date_from = Day(data_key="from")
    date_to = Day(data_key="to")


class MyJobsQuery(StrictSchema):
    date_from = Day(data_key="from", metadata={"description": "First day (default today)"})
    date_to = Day(data_key="to", metadata={"description": "Last day (default = from)"})

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("Must not be before 'from'.", "to")
        if start and end and (end - start).days > 62:
            raise ValidationError("At most 62 days at a time.", "to")
