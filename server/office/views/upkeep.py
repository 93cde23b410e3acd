"""Upkeep of a work order from its page: cancel, re-prioritise, edit, close, each with a reason.

Every action goes through services/work_orders.py (role, lifecycle and reconciliation checked
there); a refusal shows the order's page again with the form's errors and the error's status.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...domain import lifecycle, upkeep
from ...domain.lifecycle import Status
from ...domain.sla import LEVELS
from ...models import WorkOrder
from ...services import work_orders as service
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit
from . import dispatch as order_page


def upkeep_for(wo: WorkOrder) -> dict:
    """What the order page's upkeep card shows: the actions open now, the audit log, a refused form."""
    role = current_user.role if current_user.is_authenticated else None
    state = g.get("upkeep_refused") or {}
    return {
        "can_cancel": lifecycle.can_transition(wo.status, Status.CANCELLED.value, role),
        "can_change": upkeep.may_change(wo.status),
        "can_close": upkeep.may_close(wo.status),
        "open_flags": service.unreviewed_flags(wo) if upkeep.may_close(wo.status) else [],
        "priorities": LEVELS,
        "editable": upkeep.EDITABLE_FIELDS,
        "log": service.upkeep_log(wo),
        "form": state.get("form"),
        "errors": state.get("errors", {}),
        "typed": state.get("typed", {}),
    }


bp.context_processor(lambda: {"upkeep_for": upkeep_for})


def _version(data: dict) -> int | None:
    """The version the page showed (a hidden field): a change made meanwhile is refused, not overwritten."""
    try:
        return int(data["version"])
    except (KeyError, ValueError):
        return None


def _act(wo_id: str, form: str, action, message: str):
    wo = record_or_404(WorkOrder, wo_id)

    def refused(errors, status, _error):
        g.upkeep_refused = {"form": form, "errors": errors, "typed": request.form.to_dict()}
        body, _ = order_page.work_order(wo_id)
        return body, status

    return submit(
        None,
        form_payload(request.form),
        lambda data: action(wo, data),
        render=refused,
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo_id) + "#upkeep"),
        message=message,
    )


@bp.route("/work-orders/<wo_id>/cancel", methods=["POST"])
def cancel_order(wo_id: str):
    """Cancel (a duplicate, a withdrawn request) with the reason."""
    return _act(
        wo_id,
        "cancel",
        lambda wo, data: service.cancel_order(wo, current_user, data.get("reason"), _version(data)),
        gettext("Work order cancelled; it leaves the technician's phone on the next sync."),
    )


@bp.route("/work-orders/<wo_id>/priority", methods=["POST"])
def change_priority(wo_id: str):
    """Re-prioritise with the reason; the SLA deadlines move with it."""
    return _act(
        wo_id,
        "priority",
        lambda wo, data: service.change_priority(
            wo, data.get("priority"), current_user, data.get("reason"), _version(data)
        ),
        gettext("Priority changed; the SLA deadlines moved with it."),
    )


@bp.route("/work-orders/<wo_id>/edit", methods=["POST"])
def edit_order(wo_id: str):
    """Correct the fault description or the customer's requirements, with the reason."""
    return _act(
        wo_id,
        "edit",
        lambda wo, data: service.edit_order(
            wo,
            {name: request.form[name] for name in upkeep.EDITABLE_FIELDS if name in request.form},
            current_user,
            data.get("reason"),
            _version(data),
        ),
        gettext("Saved; the technician sees the change on the next sync."),
    )


@bp.route("/work-orders/<wo_id>/close", methods=["POST"])
def close_order(wo_id: str):
    """Close a completed, reconciled order: it leaves the technician's phone on the next sync."""
    return _act(
        wo_id,
        "close",
        lambda wo, data: service.close_order(wo, current_user, data.get("reason"), _version(data)),
        gettext("Work order closed; it leaves the technician's phone on the next sync."),
    )
