"""The office's form to book a follow-up visit asked for from the field (issue #15)."""

from __future__ import annotations

from marshmallow import fields, validate

from .fields import StrictSchema


class FollowUpBookIn(StrictSchema):
    # Which of the customer's preferred times (0-based, in the order the technician gave them).
    window = fields.Integer(required=True, validate=validate.Range(min=0, max=4))
