"""Work orders: intake and dispatch for the office, "my jobs" for technicians."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import permissions
from ..auth.access import require_office, visible_or_404
from ..domain.service_day import day_start, today
from ..extensions import db, limiter
from ..models import WorkOrder
from ..services import dispatch, notifications
from ..services import work_orders as service
from .schemas.report_send import ReportSendIn, ReportSendOut
from .schemas.work_orders import (
    AssignIn,
    MyJobsQuery,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPatch,
    WorkOrderQuery,
)

blp = Blueprint("work_orders", __name__, url_prefix="/api/work-orders", description="Work orders")


def _appointments_on(stmt, first=None, last=None):
    """Narrow `stmt` to appointments from day `first` through day `last` (either may be open)."""
    if first:
        stmt = stmt.where(WorkOrder.appointment_start >= day_start(first))
    if last:
        stmt = stmt.where(WorkOrder.appointment_start < day_start(last + timedelta(days=1)))
    return stmt


@blp.route("/", methods=["GET"])
@login_required
@blp.arguments(WorkOrderQuery, location="query")
@blp.response(200, WorkOrderOut(many=True))
def list_work_orders(q):
    """Work orders the caller may see, newest first, with filters."""
    stmt = sa.select(WorkOrder).where(permissions.work_order_filter(current_user))
    for field in ("status", "priority", "technician_id"):
        if q.get(field):
            stmt = stmt.where(getattr(WorkOrder, field) == q[field])
    stmt = _appointments_on(stmt, q.get("date_from"), q.get("date_to"))
    stmt = stmt.order_by(WorkOrder.created_at.desc()).limit(q["limit"]).offset(q["offset"])
    return db.session.scalars(stmt).all()


@blp.route("/mine", methods=["GET"])
@login_required
@blp.arguments(MyJobsQuery, location="query")
@blp.response(200, WorkOrderOut(many=True))
def my_jobs(q):
    """The caller's jobs with appointments in a date range (default today), by appointment time."""
    start = q.get("date_from") or today()
    stmt = sa.select(WorkOrder).where(permissions.held_by(current_user.id))
    stmt = _appointments_on(stmt, start, q.get("date_to") or start)
    urgency = sa.case({"urgent": 0, "important": 1}, value=WorkOrder.priority, else_=2)
    return db.session.scalars(stmt.order_by(WorkOrder.appointment_start, urgency)).all()


@blp.route("/", methods=["POST"])
@login_required
@blp.arguments(WorkOrderIn)
@blp.response(201, WorkOrderOut)
def create_work_order(body):
    """Take in a request from any channel (office only)."""
    require_office()
    wo = service.create_work_order(body, current_user)
    db.session.commit()
    return wo


@blp.route("/<string:wo_id>", methods=["GET"])
@login_required
@blp.response(200, WorkOrderOut)
def get_work_order(wo_id):
    """One work order the caller may see."""
    return visible_or_404(WorkOrder, wo_id, permissions.work_order_filter(current_user), "work order")


@blp.route("/<string:wo_id>", methods=["PATCH"])
@login_required
@blp.arguments(WorkOrderPatch)
@blp.response(200, WorkOrderOut)
def update_work_order(body, wo_id):
    """Change fields; a technician may change only status, notes and outcome of their own job."""
    wo = visible_or_404(WorkOrder, wo_id, permissions.work_order_filter(current_user), "work order")
    expected = body.pop("version", None)
    service.update(wo, body, current_user, expected)  # role, seal, lifecycle and completion: one place
    db.session.commit()
    return wo


@blp.route("/<string:wo_id>/assign", methods=["POST"])
@login_required
@blp.arguments(AssignIn)
@blp.response(200, WorkOrderOut)
def assign_work_order(body, wo_id):
    """Assign, or reassign (改派) with a `reason` (required) and `customer_consent` (office only).

    The same use case as `POST /api/office/work-orders/<id>/assign` and the office page: a
    reassignment is refused (409) once the technician is on site or the job is closed, needs
    a reason (422), and is recorded as a `reassigned` visit event.
    """
    require_office()
    wo = visible_or_404(WorkOrder, wo_id, sa.true(), "work order")
    dispatch.assign(wo, body["technician_id"], current_user, body.get("reason"), body.get("customer_consent"))
    db.session.commit()
    return wo


def _report_sender() -> str:
    return f"report-send:{current_user.get_id()}"


@blp.route("/<string:wo_id>/report/send", methods=["POST"])
@login_required
# Each send is a message to an address the caller types: a cap per user keeps a stolen session
# from turning the outbox into a spam relay (REPORT_SEND_RATE_LIMIT, default 20 an hour).
@limiter.limit(lambda: current_app.config["REPORT_SEND_RATE_LIMIT"], key_func=_report_sender)
@blp.arguments(ReportSendIn)
@blp.response(202, ReportSendOut)
def send_report(body, wo_id):
    """Send the signed service report to the customer by SMS or e-mail (the PDF attached), through the outbox.

    409 report.not_synced until the sign-off has reached the server; the same address twice sends once.
    """
    wo = visible_or_404(WorkOrder, wo_id, permissions.work_order_filter(current_user), "work order")
    row = notifications.send_report(db.session, wo, body["channel"], body["recipient"], current_user)
    db.session.commit()
    queued = row is not None
    if row is None:  # already queued for this address: say how that one is doing
        row = notifications.report_sent_to(db.session, wo, body["channel"], body["recipient"])
    return {"channel": row.channel, "recipient": row.recipient, "queued": queued, "status": row.status}
