"""The work-order lifecycle: every status and every allowed transition, in one place.

Plain data and functions, no Flask: the API, the sync engine and the tests all ask here.
"""

from __future__ import annotations

import enum

from .errors import M_


class Status(str, enum.Enum):
    NEW = "new"  # taken in, nobody assigned yet
    ASSIGNED = "assigned"  # a technician has it, appointment not yet confirmed
    SCHEDULED = "scheduled"  # appointment confirmed with the customer
    EN_ROUTE = "en_route"  # technician departed
    ON_SITE = "on_site"  # technician arrived
    AWAITING_PARTS = "awaiting_parts"  # diagnosed, a part must be fetched or ordered
    RETURNED_TO_FACTORY = "returned_to_factory"  # 返厂: product taken back for repair
    COMPLETED = "completed"  # visit finished (customer signed, or flagged if not)
    CLOSED = "closed"  # reconciled and followed up by the office
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.CLOSED, Status.CANCELLED})
# Statuses in which the assigned technician still holds the job (and sees its customer).
TECHNICIAN_HOLDS = frozenset(Status) - TERMINAL

T, D, M = "technician", "dispatcher", "manager"
OFFICE = frozenset({D, M})
ANYONE = frozenset({T, D, M})

# (from, to) -> roles that may make that move.
TRANSITIONS: dict[tuple[Status, Status], frozenset[str]] = {
    (Status.NEW, Status.ASSIGNED): OFFICE,
    (Status.NEW, Status.CANCELLED): OFFICE,
    (Status.ASSIGNED, Status.SCHEDULED): ANYONE,  # appointment confirmed
    (Status.ASSIGNED, Status.EN_ROUTE): ANYONE,  # urgent job, no call-ahead needed
    (Status.ASSIGNED, Status.NEW): OFFICE,  # unassigned (改派 pending)
    (Status.ASSIGNED, Status.CANCELLED): OFFICE,
    (Status.SCHEDULED, Status.EN_ROUTE): ANYONE,
    (Status.SCHEDULED, Status.ASSIGNED): OFFICE,  # appointment withdrawn / reassigned
    (Status.SCHEDULED, Status.NEW): OFFICE,
    (Status.SCHEDULED, Status.CANCELLED): OFFICE,
    (Status.EN_ROUTE, Status.ON_SITE): ANYONE,
    (Status.EN_ROUTE, Status.SCHEDULED): ANYONE,  # delayed on the way: rescheduled (改约)
    (Status.EN_ROUTE, Status.ASSIGNED): OFFICE,  # reassigned while on the way
    (Status.ON_SITE, Status.COMPLETED): ANYONE,
    (Status.ON_SITE, Status.AWAITING_PARTS): ANYONE,
    (Status.ON_SITE, Status.RETURNED_TO_FACTORY): ANYONE,
    (Status.ON_SITE, Status.SCHEDULED): ANYONE,  # no one home, customer busy, power cut
    (Status.AWAITING_PARTS, Status.SCHEDULED): ANYONE,
    (Status.AWAITING_PARTS, Status.EN_ROUTE): ANYONE,
    (Status.AWAITING_PARTS, Status.CANCELLED): OFFICE,
    (Status.RETURNED_TO_FACTORY, Status.SCHEDULED): ANYONE,  # repaired unit to bring back
    (Status.RETURNED_TO_FACTORY, Status.COMPLETED): OFFICE,  # exchanged or refunded by the office
    (Status.COMPLETED, Status.CLOSED): OFFICE,
    (Status.COMPLETED, Status.ASSIGNED): OFFICE,  # reopened after a failed follow-up
}


class TransitionError(ValueError):
    """A status change the lifecycle does not allow (for this role): a code, an English msgid, params."""

    def __init__(self, code: str, message: str, params: dict):
        self.code, self.message, self.params = code, message, params
        super().__init__(message % params)


def allowed_targets(current: str, role: str | None = None) -> list[str]:
    """Statuses reachable from `current`, optionally only those `role` may choose."""
    return [
        to.value for (frm, to), roles in TRANSITIONS.items() if frm.value == current and (role is None or role in roles)
    ]


def can_transition(current: str, target: str, role: str | None = None) -> bool:
    """True when `current` -> `target` is a lifecycle move (and `role` may make it)."""
    try:
        roles = TRANSITIONS[(Status(current), Status(target))]
    except (KeyError, ValueError):
        return False
    return role is None or role in roles


def check_transition(current: str, target: str, role: str) -> None:
    """Raise TransitionError with a readable reason unless the move is allowed for `role`."""
    if current == target:
        return
    if not can_transition(current, target):
        allowed = ", ".join(allowed_targets(current)) or "none (final status)"
        raise TransitionError(
            "work_order.status_not_allowed",
            M_("cannot go from '%(current)s' to '%(target)s'; allowed: %(allowed)s"),
            {"current": current, "target": target, "allowed": allowed},
        )
    if not can_transition(current, target, role):
        raise TransitionError(
            "work_order.status_not_for_role",
            M_("a %(role)s cannot move a work order from '%(current)s' to '%(target)s'"),
            {"role": role, "current": current, "target": target},
        )


# ---------------------------------------------------------------- phone resolution
# Seed 003 §三(一)3: for a consultation or a simple fault the office first guides the customer
# by phone and checks back within 2 hours; a request solved that way needs no visit. These
# two moves are not in TRANSITIONS on purpose: they are made only by the office's phone
# resolution and its check-back (services/work_orders.py resolve_by_phone / reopen_for_dispatch),
# never by a plain status change.
RESOLVED_REMOTELY = "resolved_remotely"  # the outcome of such a request
# No visit has started: nobody is on the way or at the door yet.
REMOTE_RESOLUTION_FROM = frozenset({Status.NEW, Status.ASSIGNED, Status.SCHEDULED})
# A check-back that finds the problem not solved sends the request back for dispatch.
REMOTE_REOPEN = (Status.COMPLETED, Status.NEW)


class RemoteRefusal(TransitionError):
    """A refused phone resolution: only the office's action raises it, never a sync push."""


def check_remote_resolution(current: str, role: str) -> None:
    """Raise RemoteRefusal unless the office may end a request resolved by phone from `current`."""
    if role not in OFFICE:
        raise RemoteRefusal(
            "work_order.remote_office_only",
            M_("Only the office resolves a request by phone."),
            {},
        )
    if current not in {s.value for s in REMOTE_RESOLUTION_FROM}:
        raise RemoteRefusal(
            "work_order.remote_not_now",
            M_("Work order is %(status)s: a request is resolved by phone only before any visit starts."),
            {"status": current},
        )


_HOLDING_VALUES = frozenset(s.value for s in TECHNICIAN_HOLDS)


def technician_holds(status: str) -> bool:
    """True while the assigned technician still holds the job and may see it."""
    return status in _HOLDING_VALUES
