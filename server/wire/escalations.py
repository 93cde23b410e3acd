"""What the office sends to take and decide an escalation (issue #14)."""

from ..domain.escalations import DECISIONS
from .fields import Choice, Id, StrictSchema, Text


class EscalationTakeIn(StrictSchema):
    owner_id = Id(required=True)


class EscalationDecideIn(StrictSchema):
    decision = Choice(DECISIONS, required=True)
    # Required by the service (a decision the technician can follow is written out).
    text = Text(2000, load_default=None, allow_none=True)
