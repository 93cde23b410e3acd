"""The review of what sync could not take as sent: one input and one output per use case.

The sync API's review endpoints (`/api/sync/conflicts…`, `/api/sync/rejected…`), the
office's (`/api/office/conflicts/<id>/settle`) and the office's conflicts page all load
these and call server/services/review.py, so the rules, names and order are the same
whichever way a dispatcher settles.
"""

from __future__ import annotations

from marshmallow import fields, post_load, validate

from ..extensions import db
from ..models import WorkOrder
from .fields import Choice, StrictSchema, Text


class ReviewQuery(StrictSchema):
    open = fields.Boolean(load_default=True, metadata={"description": "Only those not yet settled"})
    # Bounded here: PostgreSQL rejects a negative LIMIT (a 500), SQLite reads it as "no limit".
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class _Note(StrictSchema):
    note = Text(2000, load_default=None, allow_none=True, metadata={"description": "What was decided, in words"})
    resolution = Text(
        2000,
        load_default=None,
        allow_none=True,
        metadata={"description": "Deprecated: the old name of `note`", "deprecated": True},
    )

    @post_load
    def _one_note(self, data, **kwargs):
        resolution = data.pop("resolution", None)
        data["note"] = data.get("note") if (data.get("note") or "").strip() else resolution
        return data


class ConflictSettleIn(_Note):
    """`keep`: the value in force stays; `apply_other`: the value that lost is put in force;
    no action: the decision is recorded as written in `note` (then required)."""

    action = Choice(["keep", "apply_other"], load_default=None, allow_none=True)


class RejectedSettleIn(_Note):
    """How the rejected entry was dealt with (`note` required)."""


class ConflictOut(StrictSchema):
    id = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    ticket_no = fields.Method("_ticket")
    field = fields.String()
    rule = fields.String()
    losing_value = fields.Raw(attribute="losing_value.value")
    winning_value = fields.Raw(attribute="winning_value.value")
    user_id = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    mutation_id = fields.String(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    server_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by_id = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)

    def _ticket(self, c):
        wo = db.session.get(WorkOrder, c.entity_id) if c.entity == "work_order" else None
        return wo.ticket_no if wo else None


class RejectedOut(StrictSchema):
    id = fields.String()
    device_id = fields.String()
    seq = fields.Integer()
    user_id = fields.String()
    entity = fields.String(allow_none=True)
    entity_id = fields.String(allow_none=True)
    op = fields.String(allow_none=True)
    payload = fields.Dict()
    error = fields.Raw(
        attribute="result.error", metadata={"description": "code, params, message, errors (as in the push result)"}
    )
    device_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime()
    settled_at = fields.DateTime(allow_none=True)
    settled_by_id = fields.String(allow_none=True)
    settlement = fields.String(allow_none=True)
