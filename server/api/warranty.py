"""Warranty: look-up by any serial, and the office's decision on who pays for a visit."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth.access import get_or_404, require_office
from ..extensions import db
from ..models import WorkOrder
from ..services import serials
from ..services import work_orders as service
from ..wire.warranty import SerialOut, WarrantyDecisionIn
from .schemas.work_orders import WorkOrderOut

blp = Blueprint("warranty", __name__, url_prefix="/api", description="Warranty and serial look-up")


@blp.route("/serials/<path:serial>", methods=["GET"])
@login_required
@blp.response(200, SerialOut)
def look_up_serial(serial):
    """A product's serial, or a part's fitted or removed serial: its warranty and every work order that touched it.

    A technician finds only the products and parts of customers whose jobs they hold (the
    product's repair history rule); anything else is a 404, as an unknown serial is.
    """
    return serials.look_up(db.session, serial, current_user)


@blp.route("/office/work-orders/<string:wo_id>/warranty", methods=["POST"])
@login_required
@blp.arguments(WarrantyDecisionIn)
@blp.response(200, WorkOrderOut)
def decide_warranty(body, wo_id):
    """The office decides who pays (covered, chargeable, or null: the warranty rule), with a reason (office only)."""
    require_office()
    wo = get_or_404(WorkOrder, wo_id, "work order")
    service.decide_warranty(wo, body["decision"], body["reason"], current_user)
    db.session.commit()
    return wo
