"""Warranty in the office: the decision on who pays for a visit, and the look-up by any serial."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.errors import NotFound
from ...extensions import db
from ...models import WorkOrder
from ...services import serials
from ...services import work_orders as service
from ...wire.warranty import WarrantyDecisionIn
from ..blueprint import bp
from ..forms import form_payload, submit
from .dispatch import _render_work_order, _work_order_or_404

RULE = "rule"  # the form's value for "no decision: the warranty rule decides"


@bp.route("/work-orders/<wo_id>/warranty", methods=["POST"])
def decide_warranty(wo_id: str):
    """The office decides who pays (seed 000 §二(一)1: human damage and consumables are reviewed here)."""
    wo = _work_order_or_404(wo_id)
    payload = form_payload(request.form)
    if payload.get("decision") == RULE:
        payload["decision"] = None
    return submit(
        WarrantyDecisionIn(),
        payload,
        lambda data: service.decide_warranty(wo, data["decision"], data["reason"], current_user),
        render=lambda errors, status, _: _render_work_order(
            db.session.get(WorkOrder, wo_id), warranty_errors=errors, values=request.form.to_dict(), status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo.id) + "#warranty"),
        message="saved",
    )


@bp.route("/serials")
def serial_look_up():
    """Find a product or fitted part by its serial: its warranty and every work order that touched it."""
    serial = (request.args.get("serial") or "").strip()
    found, missing = None, False
    if serial:
        try:
            found = serials.look_up(db.session, serial, current_user)
        except NotFound:
            missing = True
    return render_template("office/serials.html", serial=serial, found=found, missing=missing)
