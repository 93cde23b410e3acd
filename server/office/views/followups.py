"""Follow-up queue page: calls due, their outcomes, and complaints."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...models import FollowUp, WorkOrder, utcnow
from ...services import followup_queue
from ...wire.office import ComplaintIn, FollowUpOutcomeIn
from ..blueprint import bp
from ..forms import form_payload, load, record_or_404

OUTCOMES = ("satisfied", "resolved", "dissatisfied", "unreachable")


def _render(errors=None, values=None, status=200):
    include_done = request.args.get("done") == "1"
    followup_queue.plan()
    db.session.commit()
    calls = followup_queue.queue(include_done=include_done)
    now = utcnow()
    return render_template(
        "office/followups.html",
        calls=calls,
        ratings=followup_queue.ratings_of([c.work_order_id for c in calls]),
        states={call.id: followup_queue.call_state(call, now) for call in calls},
        include_done=include_done,
        outcomes=OUTCOMES,
        errors=errors or {},
        values=values or {},
    ), status


@bp.route("/follow-ups")
def followups():
    """The calls owed, most due first."""
    return _render()


@bp.route("/follow-ups/<follow_up_id>/outcome", methods=["POST"])
def followup_outcome(follow_up_id: str):
    """Record how a call went."""
    follow_up = record_or_404(FollowUp, follow_up_id)
    data, errors = load(FollowUpOutcomeIn(), form_payload(request.form))
    if errors:
        return _render({follow_up_id: errors}, {follow_up_id: request.form.to_dict()}, 422)
    if follow_up.status != "open":
        flash("done", "warning")
        return redirect(url_for("office.followups"))
    followup_queue.record(follow_up, data["outcome"], data.get("note"), current_user)
    db.session.commit()
    flash("outcome_ok", "success")
    return redirect(url_for("office.followups"))


@bp.route("/complaints", methods=["POST"])
def complaint():
    """Register a complaint against a ticket: opens a recovery case."""
    data, errors = load(ComplaintIn(), form_payload(request.form))
    wo = None
    if not errors:
        wo = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.ticket_no == data["ticket_no"].strip().upper())) \
            if data.get("ticket_no") else db.session.get(WorkOrder, data["work_order_id"])
        if wo is None:
            errors = {"ticket_no": ["No work order with this ticket number."]}
    if errors:
        return _render({"complaint": errors}, {"complaint": request.form.to_dict()}, 422)
    followup_queue.open_complaint(wo, data["description"], current_user)
    db.session.commit()
    flash("complaint_ok", "success")
    return redirect(url_for("office.followups"))
