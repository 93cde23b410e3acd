"""Payloads of the office schedule board (issue #16): a move (assign and/or reschedule) and its preview."""

from __future__ import annotations

from marshmallow import fields, validate

from .fields import Day, Id, Moment, StrictSchema, Text


class BoardQuery(StrictSchema):
    date = Day(load_default=None, metadata={"description": "First local day shown (default today)"})
    span = fields.String(load_default="day", validate=validate.OneOf(("day", "week")))


class MovePreviewQuery(StrictSchema):
    technician_id = Id(load_default=None, metadata={"description": "Default: the job's technician"})
    appointment_start = Moment(load_default=None, allow_none=True)
    appointment_end = Moment(load_default=None, allow_none=True)


class MoveIn(StrictSchema):
    """Put a job on a technician at a time: the reason and the customer's consent as the dispatch
    forms ask them (a new time needs both; a change of technician needs the reason)."""

    technician_id = Id(required=True)
    appointment_start = Moment(required=True)
    appointment_end = Moment(load_default=None, allow_none=True)
    reason = Text(500, load_default=None, allow_none=True)
    customer_consent = fields.Boolean(load_default=False)
