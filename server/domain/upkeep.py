"""The office's upkeep of a work order (issue #14): cancel, re-prioritise, edit, close.

Each is an office decision kept as an audit entry (a visit event written by the office
user: who, when, what, the reason), so the order's page shows its history.
"""

from __future__ import annotations

from .lifecycle import Status

ORDER_CANCELLED = "order_cancelled"
ORDER_REPRIORITISED = "order_reprioritised"
ORDER_EDITED = "order_edited"
ORDER_CLOSED = "order_closed"
UPKEEP_EVENTS = (ORDER_CANCELLED, ORDER_REPRIORITISED, ORDER_EDITED, ORDER_CLOSED)

# What the office may correct on an order after intake (the technician's own notes and the
# outcome stay theirs; the appointment moves with 改约, services/dispatch.py).
EDITABLE_FIELDS = ("fault_description", "customer_requirements")
REASON_MAX = 2000
TEXT_MAX = 2000  # as at intake (wire/office.py)

# Once the visit is completed the order's details and priority are what the customer signed
# and the SLA was judged on; after closing or cancelling nothing changes at all.
FINISHED = frozenset({Status.COMPLETED.value, Status.CLOSED.value, Status.CANCELLED.value})


def may_change(status: str) -> bool:
    """Priority and details can still be corrected."""
    return status not in FINISHED


def may_close(status: str) -> bool:
    """Only a completed order closes (the lifecycle's completed -> closed)."""
    return status == Status.COMPLETED.value
