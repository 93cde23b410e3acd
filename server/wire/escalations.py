"""What the office sends to take and decide an escalation (issue #14)."""

from marshmallow import fields

from ..domain.escalations import DECISIONS, KINDS, SEVERITIES, STATUSES, is_overdue
from ..models import utcnow
from .fields import Choice, Id, StrictSchema, Text


class EscalationTakeIn(StrictSchema):
    owner_id = Id(required=True)


class EscalationDecideIn(StrictSchema):
    decision = Choice(DECISIONS, required=True)
    # Required by the service (a decision the technician can follow is written out).
    text = Text(2000, load_default=None, allow_none=True)


class EscalationQuery(StrictSchema):
    status = Choice((*STATUSES, "all"), load_default="open")
    kind = Choice(KINDS, load_default=None)
    severity = Choice(SEVERITIES, load_default=None)
    owner_id = fields.String(load_default=None, metadata={"description": "A user id, or 'none' for unowned cases"})


class EscalationOut(StrictSchema):
    id = fields.String()
    work_order_id = fields.String()
    ticket_no = fields.Function(lambda c: c.work_order.ticket_no)
    kind = fields.String()
    source_event_id = fields.String()
    technician_note = fields.String(allow_none=True)
    reported_by_id = fields.String(allow_none=True)
    severity = fields.String()
    due_at = fields.DateTime()
    overdue = fields.Function(lambda c: is_overdue(c.status, c.due_at, utcnow()))
    status = fields.String()
    owner_id = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    decision_text = fields.String(allow_none=True)
    decided_by_id = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
