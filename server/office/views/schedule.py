"""The schedule board (issue #16): a day or week grid per technician, drag and drop (or the keyboard)
to assign and reschedule through the dispatch service, and live updates by polling a change cursor.

Why polling and not server-sent events: behind gunicorn's sync workers an open event stream holds a
worker per open board; a poll of the cursor is one indexed read every few seconds and needs nothing
from the deployment (no async workers, no proxy buffering settings)."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext
from flask_login import current_user

from ...domain.areas import city_of
from ...domain.errors import DomainError
from ...domain.service_day import format_local
from ...domain.service_day import today as local_today
from ...domain.sla import effective_priority
from ...errors import status_of
from ...extensions import db
from ...i18n import label
from ...models import WorkOrder
from ...services import dispatch, schedule_board
from ...wire.schedule import BoardQuery, MoveIn, MovePreviewQuery
from ..blueprint import bp
from ..forms import form_errors, load, record_or_404
from ..i18n import error_text

SPANS = {"day": 1, "week": 7}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _job(wo: WorkOrder) -> dict:
    address = wo.service_address or wo.customer.address
    return {
        "id": wo.id,
        "ticket_no": wo.ticket_no,
        "customer": wo.customer.name,
        "address": address,
        "city": city_of(address),
        "priority": effective_priority(wo.priority, wo.customer.tier),
        "priority_label": label("priority", effective_priority(wo.priority, wo.customer.tier)),
        "status": wo.status,
        "status_label": label("status", wo.status),
        "fault": wo.fault_description,
        "technician_id": wo.technician_id,
        "appointment_start": _iso(wo.appointment_start),
        "appointment_end": _iso(wo.appointment_end),
        "time": format_local(wo.appointment_start, "%H:%M"),
    }


def _warnings(found) -> list[dict]:
    return [{"code": w.code, "message": w.text(gettext)} for w in found]


def _errors(errors: dict) -> dict:
    """Schema messages in the page's language."""
    return {k: [error_text(m) for m in (v if isinstance(v, list) else [str(v)])] for k, v in errors.items()}


@bp.route("/schedule")
def schedule():
    """The schedule board page; the grid itself is drawn by schedule.js from /office/schedule/data."""
    return render_template(
        "office/schedule.html",
        day=local_today().isoformat(),
        technicians=dispatch.technicians(),
        cursor=schedule_board.cursor(),
    )


@bp.route("/schedule/data")
def schedule_data():
    """The grid: days with working hours, technicians, their booked jobs and the waiting requests."""
    query, errors = load(BoardQuery(), request.args.to_dict())
    if errors:
        return jsonify(errors=_errors(errors)), 422
    first = query["date"] or local_today()
    days = SPANS[query["span"]]
    cursor = schedule_board.cursor()  # read first: a change made while this answer is built shows next poll
    return jsonify(
        cursor=cursor,
        span=query["span"],
        days=[
            {"date": p.day.isoformat(), "opens": _iso(p.opens), "closes": _iso(p.closes)}
            for p in schedule_board.periods(first, days)
        ],
        technicians=[{"id": t.id, "name": t.name, "service_area": t.service_area} for t in dispatch.technicians()],
        jobs=[_job(wo) for wo in schedule_board.booked(first, days)],
        waiting=[_job(wo) for wo in schedule_board.waiting()],
    )


@bp.route("/schedule/changes")
def schedule_changes():
    """The change cursor: the board polls it and fetches the grid again when it has moved."""
    since = request.args.get("since", "")
    now = schedule_board.cursor()
    return jsonify(cursor=now, changed=str(now) != since)


@bp.route("/schedule/work-orders/<wo_id>/warnings")
def schedule_preview(wo_id: str):
    """What a move would warn about (overlap, outside working hours, outside the technician's area)."""
    wo = record_or_404(WorkOrder, wo_id)
    query, errors = load(MovePreviewQuery(), request.args.to_dict())
    if errors:
        return jsonify(errors=_errors(errors)), 422
    start = query["appointment_start"]
    end = query["appointment_end"] or (start + schedule_board.DEFAULT_LENGTH if start else None)
    try:
        found = schedule_board.preview(wo, query["technician_id"], start, end)
    except DomainError as exc:
        return jsonify(errors=form_errors(exc)), status_of(exc)
    return jsonify(warnings=_warnings(found))


@bp.route("/schedule/work-orders/<wo_id>/move", methods=["POST"])
def schedule_move(wo_id: str):
    """Assign and/or reschedule by drag and drop or the keyboard form (JSON; CSRF header checked)."""
    wo = record_or_404(WorkOrder, wo_id)
    data, errors = load(MoveIn(), request.get_json(silent=True) or {})
    if errors:
        return jsonify(errors=_errors(errors)), 422
    try:
        schedule_board.move(
            wo,
            data["technician_id"],
            data["appointment_start"],
            data["appointment_end"],
            current_user,
            data["reason"],
            data["customer_consent"],
        )
    except DomainError as exc:
        db.session.rollback()
        return jsonify(errors=form_errors(exc)), status_of(exc)
    db.session.commit()
    return jsonify(job=_job(wo), warnings=_warnings(dispatch.warnings_for(wo)), cursor=schedule_board.cursor())
