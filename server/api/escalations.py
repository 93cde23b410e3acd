"""The escalation queue over REST (/api/office/escalations): the same service as the office pages."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth.access import get_or_404, require_office
from ..extensions import db
from ..models import Escalation, User
from ..services import escalations
from ..wire.escalations import EscalationDecideIn, EscalationOut, EscalationQuery, EscalationTakeIn

blp = Blueprint(
    "escalations_api", __name__, url_prefix="/api/office/escalations", description="Escalations from the field"
)


@blp.before_request
@login_required
def _office_only():
    require_office()


@blp.route("", methods=["GET"])
@blp.arguments(EscalationQuery, location="query")
@blp.response(200, EscalationOut(many=True))
def list_escalations(q):
    """Open cases first, soonest due first (decided ones: latest first)."""
    return escalations.queue(status=q["status"], kind=q["kind"], severity=q["severity"], owner_id=q["owner_id"])


@blp.route("/<case_id>", methods=["GET"])
@blp.response(200, EscalationOut)
def get_escalation(case_id):
    return get_or_404(Escalation, case_id, "escalation")


@blp.route("/<case_id>/take", methods=["POST"])
@blp.arguments(EscalationTakeIn)
@blp.response(200, EscalationOut)
def take_escalation(body, case_id):
    """Make a dispatcher or manager the case's owner."""
    case = get_or_404(Escalation, case_id, "escalation")
    escalations.take(case, db.session.get(User, body["owner_id"]))
    db.session.commit()
    return case


@blp.route("/<case_id>/decide", methods=["POST"])
@blp.arguments(EscalationDecideIn)
@blp.response(200, EscalationOut)
def decide_escalation(body, case_id):
    """Record the decision (text required); the technician's phone gets it on its next pull."""
    case = get_or_404(Escalation, case_id, "escalation")
    escalations.decide(case, body["decision"], body.get("text"), current_user)
    db.session.commit()
    return case
