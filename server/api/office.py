"""The back office's API: intake, SLA board and settings, dispatch, follow-ups, reports.

Dispatchers and managers only; a manager alone changes the SLA settings.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth.access import get_or_404, require_manager, require_office
from ..domain.errors import M_, Invalid, NotFound
from ..domain.service_day import today
from ..domain.warranty import in_warranty, warranty_end
from ..extensions import db
from ..models import Customer, FollowUp, User, WorkOrder, utcnow
from ..reports.kpis import kpi_csv
from ..services import dispatch, followup_queue, intake, kpis, phone_resolution, reconciliation, service_report
from ..services import review as conflicts
from ..services import sla_board as board_module
from ..services import sla_settings as settings
from ..wire.office import (
    BoardOut,
    BoardQuery,
    ComplaintIn,
    ContactIn,
    DayQuery,
    DispatchAssignIn,
    DispatchEventOut,
    DuplicateIntakeError,
    FlagOut,
    FollowUpOut,
    FollowUpOutcomeIn,
    FollowUpQuery,
    IntakeCheckOut,
    IntakeCheckQuery,
    IntakeIn,
    KpiOut,
    KpiQuery,
    MonthlyOut,
    MonthQuery,
    PhoneResolutionIn,
    ReconciliationOut,
    ReconciliationQuery,
    RecoveryCaseOut,
    ReportQuery,
    RescheduleIn,
    ReviewIn,
    ShareIn,
    ShareOut,
    SlaSettingsIO,
    TechnicianDayOut,
    TechnicianOut,
    VisitKpiOut,
    WorkCalendarIO,
)
from ..wire.review import ConflictOut, ConflictSettleIn
from .schemas.office import DispatchedOut, IntakeOut
from .schemas.work_orders import WorkOrderOut

blp = Blueprint("office_api", __name__, url_prefix="/api/office", description="Back office")


@blp.before_request
@login_required
def _office_only():
    require_office()


# --- intake -------------------------------------------------------------------------------


@blp.route("/intake", methods=["POST"])
@blp.arguments(IntakeIn)
@blp.response(201, IntakeOut)
@blp.alt_response(
    409,
    schema=DuplicateIntakeError,
    description="The product has an open work order: confirm it (`intake.duplicate`); or the customer found by "
    "phone has a different name, address or tier on record: say what it is with `customer_details` "
    "(`intake.customer_differs`, the record in `customer`, what differs in `differs`).",
)
def take_in(body):
    """Take in a request from any channel; 409 if the product has an open order (unless confirmed), or if
    what was typed differs from the customer on record and `customer_details` does not say what it is.
    Without a serial number the order is taken in and flagged to complete the record."""
    result = intake.take_in(body, current_user)
    db.session.commit()
    return result


@blp.route("/intake/check", methods=["GET"])
@blp.arguments(IntakeCheckQuery, location="query")
@blp.response(200, IntakeCheckOut)
def check_intake(q):
    """What intake will find for a serial number and phone: warranty and open work orders."""
    product = intake.find_product(q["serial_no"]) if q.get("serial_no") else None
    customer = None
    if q.get("phone"):
        customer = db.session.scalar(db.select(Customer).where(Customer.phone_is(q["phone"])))
    return {
        "customer": customer
        and {"id": customer.id, "name": customer.name, "address": customer.address, "tier": customer.tier},
        "product": product
        and {
            "id": product.id,
            "model": product.model,
            "serial_no": product.serial_no,
            "customer_id": product.customer_id,
        },
        "in_warranty": in_warranty(product.purchase_date, product.warranty_months, today()) if product else None,
        "warranty_end": warranty_end(product.purchase_date, product.warranty_months) if product else None,
        "open_work_orders": intake.open_orders_for(product.id) if product else [],
    }


# --- SLA board and settings --------------------------------------------------------------


@blp.route("/board", methods=["GET"])
@blp.arguments(BoardQuery, location="query")
@blp.response(200, BoardOut)
def board(q):
    """Open work orders with their running SLA clock, least time left first."""
    now = utcnow()
    rows = board_module.board_rows(now, q.get("technician_id"))
    return {"now": now, "counts": board_module.board_counts(rows), "rows": rows}


@blp.route("/sla-settings", methods=["GET"])
@blp.response(200, SlaSettingsIO)
def get_sla_settings():
    """The SLA hours per priority and the low-rating threshold in force."""
    hours = settings.sla_hours()
    return {
        "response_hours": hours["response"],
        "resolution_hours": hours["resolution"],
        "low_rating_threshold": settings.low_rating_threshold(),
    }


@blp.route("/sla-settings", methods=["PUT"])
@blp.arguments(SlaSettingsIO)
@blp.response(200, SlaSettingsIO)
def put_sla_settings(body):
    """Change them (managers only); new work orders use them, existing deadlines stay."""
    require_manager()
    settings.save(body["response_hours"], body["resolution_hours"], body["low_rating_threshold"], current_user)
    db.session.commit()
    return get_sla_settings()


@blp.route("/work-calendar", methods=["GET"])
@blp.response(200, WorkCalendarIO)
def get_work_calendar():
    """Working hours per weekday and holidays: SLA clocks count only working time."""
    return settings.calendar_settings()


@blp.route("/work-calendar", methods=["PUT"])
@blp.arguments(WorkCalendarIO)
@blp.response(200, WorkCalendarIO)
def put_work_calendar(body):
    """Change them (managers only); new work orders use them, existing deadlines stay."""
    require_manager()
    settings.save_calendar(body["hours"], body["holidays"], body["after_hours_response_hours"], current_user)
    db.session.commit()
    return get_work_calendar()


# --- dispatch ---------------------------------------------------------------------------


@blp.route("/technicians", methods=["GET"])
@blp.response(200, TechnicianOut(many=True))
def technicians():
    """Active technicians to assign jobs to."""
    return dispatch.technicians()


@blp.route("/technicians/<string:technician_id>/day", methods=["GET"])
@blp.arguments(DayQuery, location="query")
@blp.response(200, TechnicianDayOut)
def technician_day(q, technician_id):
    """A technician's appointments on a local day, and their jobs with no appointment yet."""
    tech = get_or_404(User, technician_id, "technician")
    if tech.role != "technician":
        raise NotFound("technician.not_found", M_("No technician with id %(id)s."), {"id": technician_id})
    day = q.get("date") or today()
    booked, unbooked = dispatch.technician_day(tech.id, day)
    return {
        "technician_id": tech.id,
        "technician_name": tech.name,
        "date": day,
        "appointments": booked,
        "unscheduled": unbooked,
    }


@blp.route("/work-orders/<string:wo_id>/assign", methods=["POST"])
@blp.arguments(DispatchAssignIn)
@blp.response(200, DispatchedOut)
def assign(body, wo_id):
    """Assign, or reassign (改派) with a reason and the customer's consent recorded."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    dispatch.assign(wo, body["technician_id"], current_user, body.get("reason"), body.get("customer_consent"))
    db.session.commit()
    return wo


@blp.route("/work-orders/<string:wo_id>/reschedule", methods=["POST"])
@blp.arguments(RescheduleIn)
@blp.response(200, DispatchedOut)
def reschedule(body, wo_id):
    """Agree a new appointment (改约) with the customer's consent and the reason."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    dispatch.reschedule(
        wo,
        body["appointment_start"],
        body.get("appointment_end"),
        current_user,
        body["reason"],
        body["customer_consent"],
    )
    db.session.commit()
    return wo


@blp.route("/work-orders/<string:wo_id>/contact", methods=["POST"])
@blp.arguments(ContactIn)
@blp.response(200, WorkOrderOut)
def contact(body, wo_id):
    """Log that the office reached the customer; the first contact is the first response [seed 000 §二(二)1]."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    dispatch.log_customer_contact(wo, current_user, body.get("note"))
    db.session.commit()
    return wo


@blp.route("/work-orders/<string:wo_id>/resolve-by-phone", methods=["POST"])
@blp.arguments(PhoneResolutionIn)
@blp.response(200, WorkOrderOut)
def resolve_by_phone(body, wo_id):
    """Solved by phone guidance before any visit: completed as resolved remotely, with the advice,
    and a check-back call due 2 hours later [seed 003 §三(一)3]."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    phone_resolution.resolve(wo, body.get("advice"), current_user)
    db.session.commit()
    return wo


@blp.route("/work-orders/<string:wo_id>/dispatch-log", methods=["GET"])
@blp.response(200, DispatchEventOut(many=True))
def dispatch_log(wo_id):
    """Reassignments and reschedules of a work order, with reasons and consent, newest first."""
    return dispatch.dispatch_events(get_or_404(WorkOrder, wo_id, "work order"))


# --- follow-ups -------------------------------------------------------------------------


@blp.route("/follow-ups", methods=["GET"])
@blp.arguments(FollowUpQuery, location="query")
@blp.response(200, FollowUpOut(many=True))
def follow_ups(q):
    """The calls owed, most due first; plans any new ones from the visits synced in first."""
    followup_queue.plan()
    db.session.commit()
    return followup_queue.queue(include_done=q["include_done"])


@blp.route("/follow-ups/<string:follow_up_id>/outcome", methods=["POST"])
@blp.arguments(FollowUpOutcomeIn)
@blp.response(200, FollowUpOut)
def follow_up_outcome(body, follow_up_id):
    """Record a call's outcome: unreachable retries, dissatisfied escalates, satisfied closes."""
    follow_up = get_or_404(FollowUp, follow_up_id, "follow-up")
    followup_queue.record(follow_up, body["outcome"], body.get("note"), current_user, score=body.get("score"))
    db.session.commit()
    return follow_up


RECOVERY_FIELDS = ("channel", "severity", "owner_id", "due_at", "contacted_at", "resolved_at", "rerating_score")


@blp.route("/complaints", methods=["POST"])
@blp.arguments(ComplaintIn)
@blp.response(201, RecoveryCaseOut)
def complaint(body):
    """A complaint opens a recovery case (normal severity, owned by the caller, first contact due in
    24 h; graded intake is the office page /office/recovery) with calls at 3 and 7 days."""
    if body.get("work_order_id"):
        wo = get_or_404(WorkOrder, body["work_order_id"], "work order")
    else:
        wo = followup_queue.work_order_by_ticket(body["ticket_no"])
    case = followup_queue.open_complaint(wo, body["description"], current_user)
    db.session.commit()
    return {
        **{
            c: getattr(case, c)
            for c in ("id", "work_order_id", "trigger", "description", "status", "opened_at", "closed_at")
        },
        # seed 002 grading and steps (services/recovery.py)
        **{c: getattr(case, c) for c in RECOVERY_FIELDS},
        "follow_ups": db.session.scalars(
            sa.select(FollowUp).where(FollowUp.recovery_case_id == case.id).order_by(FollowUp.due_at)
        ).all(),
    }


# --- reconciliation ----------------------------------------------------------------------


def _reconciliation_body(day):
    report = reconciliation.day_report(day)
    return {
        "date": report.day,
        "checked": len(report.jobs),
        "flags": [
            {
                **vars(f),
                "reviewed": (f.work_order_id, f.code) in report.reviews,
                "review_note": getattr(report.reviews.get((f.work_order_id, f.code)), "note", None),
            }
            for f in report.flags
        ],
    }


@blp.route("/reconciliation", methods=["GET"])
@blp.arguments(ReconciliationQuery, location="query")
@blp.response(200, ReconciliationOut)
def daily_reconciliation(q):
    """The jobs closed out on a local day and what to check with their technicians."""
    return _reconciliation_body(q.get("date") or today())


@blp.route("/reconciliation/reviews", methods=["POST"])
@blp.arguments(ReviewIn)
@blp.response(201, FlagOut)
def review_flag(body):
    """Note that a flag was looked into."""
    wo = get_or_404(WorkOrder, body["work_order_id"], "work order")
    review = reconciliation.mark_reviewed(wo.id, body["flag"], body["note"], current_user)
    db.session.commit()
    return {
        "work_order_id": wo.id,
        "ticket_no": wo.ticket_no,
        "technician_name": wo.technician.name if wo.technician else None,
        "code": review.flag,
        "detail": {},
        "reviewed": True,
        "review_note": review.note,
    }


# --- KPIs -----------------------------------------------------------------------------------


def _kpi_range(q):
    last = q.get("date_to") or today()
    first = q.get("date_from") or last.replace(day=1)
    if last < first:
        raise Invalid(
            "range.reversed", M_("The range ends before it starts."), fields={"to": [M_("Must not be before 'from'.")]}
        )
    return first, last


@blp.route("/kpis", methods=["GET"])
@blp.arguments(KpiQuery, location="query")
@blp.response(200, KpiOut)
def kpi_figures(q):
    """KPIs of the work orders taken in during the range (default: this month so far)."""
    first, last = _kpi_range(q)
    result = kpis.report(first, last, utcnow())
    return {"date_from": first, "date_to": last, "overall": result.overall, "technicians": result.technicians}


@blp.route("/kpis.csv", methods=["GET"])
@blp.arguments(KpiQuery, location="query")
@blp.response(200, content_type="text/csv")
def kpi_figures_csv(q):
    """The same KPIs as CSV, one row per technician and an overall row."""
    first, last = _kpi_range(q)
    body = kpi_csv(kpis.report(first, last, utcnow()))
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="kpis-{first}-{last}.csv"'},
    )


@blp.route("/kpis/visits", methods=["GET"])
@blp.arguments(KpiQuery, location="query")
@blp.response(200, VisitKpiOut)
def kpi_visit_figures(q):
    """Handling time, utilisation against the working calendar and the reconciliation error rate."""
    first, last = _kpi_range(q)
    result = kpis.visit_report(first, last)
    return {"date_from": first, "date_to": last, "overall": result.overall, "technicians": result.technicians}


@blp.route("/kpis/visits.csv", methods=["GET"])
@blp.arguments(KpiQuery, location="query")
@blp.response(200, content_type="text/csv")
def kpi_visits_csv(q):
    """One row per work order taken in during the range: its times, reconciliation flags and rating."""
    first, last = _kpi_range(q)
    return Response(
        "\ufeff" + kpis.visits_csv(first, last),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="visits-{first}-{last}.csv"'},
    )


@blp.route("/kpis/monthly", methods=["GET"])
@blp.arguments(MonthQuery, location="query")
@blp.response(200, MonthlyOut)
def monthly(q):
    """A month's summary: KPIs, requests by channel and type, call-back results, reconciliation flags."""
    month = q.get("month") or today().strftime("%Y-%m")
    return kpis.monthly_summary(month, utcnow())


# --- conflicts and rejected entries -------------------------------------------------------


@blp.route("/conflicts/<string:conflict_id>/settle", methods=["POST"])
@blp.arguments(ConflictSettleIn)
@blp.response(200, ConflictOut)
def settle_conflict(body, conflict_id):
    """Settle a conflict: keep the value in force, put the value that lost in force, or (no
    action) record the decision written in `note`. Same as `POST /api/sync/conflicts/<id>/settle`."""
    conflict = conflicts.settle_conflict(conflicts.conflict(conflict_id), body["action"], body["note"], current_user)
    db.session.commit()
    return conflict


# --- the customer's service report ---------------------------------------------------------


@blp.route("/work-orders/<string:wo_id>/service-report.pdf", methods=["GET"])
@blp.arguments(ReportQuery, location="query")
@blp.response(200, content_type="application/pdf")
def service_report_pdf(q, wo_id):
    """The signed visit's report as PDF (customer's language unless `lang`); 409 before sign-off."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    data = service_report.pdf(wo, q.get("lang"))
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{service_report.filename(wo)}"'},
    )


@blp.route("/work-orders/<string:wo_id>/service-report/share", methods=["POST"])
@blp.arguments(ShareIn)
@blp.response(201, ShareOut)
def share_service_report(body, wo_id):
    """A 30-day link to the report for the customer, recorded with channel and recipient."""
    wo = get_or_404(WorkOrder, wo_id, "work order")
    row, url = service_report.share(wo, body["channel"], body["recipient"], current_user)
    db.session.commit()
    return {**{c: getattr(row, c) for c in ("id", "work_order_id", "channel", "recipient", "expires_at")}, "url": url}
