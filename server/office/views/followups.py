"""Follow-up queue page: calls due, their outcomes, and complaints."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...models import FollowUp, WorkOrder, utcnow
from ...reports.followups import outcomes_for
from ...services import follow_up_requests, followup_queue
from ...wire.follow_up_requests import FollowUpBookIn
from ...wire.office import ComplaintIn, FollowUpOutcomeIn
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit


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
        outcomes_for=outcomes_for,
        visit_requests=follow_up_requests.requests(include_booked=include_done),  # from the field (issue #15)
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
    if follow_up.status != "open":  # someone else recorded it meanwhile: say so, keep the queue
        flash("done", "warning")
        return redirect(url_for("office.followups"))
    return submit(
        FollowUpOutcomeIn(),
        form_payload(request.form),
        lambda data: followup_queue.record(
            follow_up, data["outcome"], data.get("note"), current_user, score=data.get("score")
        ),
        render=lambda errors, status, _: _render(
            {follow_up_id: errors}, {follow_up_id: request.form.to_dict()}, status
        ),
        done=lambda _: redirect(url_for("office.followups")),
        message="outcome_ok",
    )


@bp.route("/complaints", methods=["POST"])
def complaint():
    """Register a complaint against a ticket: opens a recovery case."""

    def open_complaint(data):
        wo = (
            followup_queue.work_order_by_ticket(data["ticket_no"])
            if data.get("ticket_no")
            else record_or_404(WorkOrder, data["work_order_id"])
        )
        return followup_queue.open_complaint(wo, data["description"], current_user)

    return submit(
        ComplaintIn(),
        form_payload(request.form),
        open_complaint,
        render=lambda errors, status, _: _render({"complaint": errors}, {"complaint": request.form.to_dict()}, status),
        done=lambda _: redirect(url_for("office.followups")),
        message="complaint_ok",
    )


@bp.route("/follow-ups/requests/<request_id>/book", methods=["POST"])
def followup_request_book(request_id: str):
    """Book one of the customer's preferred times for a follow-up visit asked for from the field."""
    return submit(
        FollowUpBookIn(),
        form_payload(request.form),
        lambda data: follow_up_requests.book(request_id, data["window"], current_user),
        render=lambda errors, status, _: _render({request_id: errors}, {request_id: request.form.to_dict()}, status),
        done=lambda wo: redirect(url_for("office.work_order", wo_id=wo.id)),
        message="saved",
    )
