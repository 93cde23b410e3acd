"""What the office sends to take in and work a complaint / recovery case (issue #14, seed 002)."""

from marshmallow import fields, validate

from ..domain.recovery import CHANNELS, SCORE_MAX, SCORE_MIN, SEVERITIES
from .fields import Choice, Id, Money, Required, StrictSchema, Text


class RecoveryOpenIn(StrictSchema):
    ticket_no = Required(32)
    description = Required(2000)
    channel = Choice(CHANNELS, required=True)
    severity = Choice(SEVERITIES, required=True)
    owner_id = Id(load_default=None)


class RecoveryOwnerIn(StrictSchema):
    owner_id = Id(required=True)


class RecoveryContactIn(StrictSchema):
    note = Required(2000)


class RecoveryInvestigationIn(StrictSchema):
    notes = Required(4000)


class RecoveryRemedyIn(StrictSchema):
    root_cause = Required(2000)
    solution = Required(2000)
    compensation = Text(500, load_default=None)
    compensation_amount = Money(100_000, load_default=None)


class RecoveryReratingIn(StrictSchema):
    score = fields.Integer(required=True, strict=False, validate=validate.Range(min=SCORE_MIN, max=SCORE_MAX))
    note = Text(2000, load_default=None)
