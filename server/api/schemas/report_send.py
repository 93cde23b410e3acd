"""Sending the signed service report from the phone, on the spot (issue #16)."""

from marshmallow import fields

from ...services.notifications import REPORT_CHANNELS
from ...wire.fields import Choice, Required, StrictSchema


class ReportSendIn(StrictSchema):
    channel = Choice(REPORT_CHANNELS, required=True)
    recipient = Required(254, metadata={"description": "The mobile number or e-mail address the customer gave"})


class ReportSendOut(StrictSchema):
    channel = fields.String()
    recipient = fields.String()
    queued = fields.Boolean(metadata={"description": "False: the report was already queued for this address"})
    status = fields.String(metadata={"description": "The message's delivery status (pending, sent, ...)"})
