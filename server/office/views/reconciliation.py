"""Daily reconciliation page: what to check with the technicians for one day."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.service_day import today as local_today
from ...extensions import db
from ...services import reconciliation as service
from ...wire.office import ReviewIn
from ..blueprint import bp
from ..forms import form_payload, load, parse_day


def _day() -> date:
    return parse_day(request.values.get("date"), local_today())


@bp.route("/reconciliation")
def reconciliation():
    """The jobs closed out on a day, each irregularity flagged."""
    report = service.day_report(_day())
    return render_template("office/reconciliation.html", report=report)


@bp.route("/reconciliation/reviews", methods=["POST"])
def review_flag():
    """Note that a flag was looked into."""
    day = _day()
    payload = {k: v for k, v in form_payload(request.form).items() if k != "date"}
    data, errors = load(ReviewIn(), payload)
    if errors:
        report = service.day_report(day)
        return render_template("office/reconciliation.html", report=report, errors=errors,
                               failed=(request.form.get("work_order_id"), request.form.get("flag"))), 422
    service.mark_reviewed(data["work_order_id"], data["flag"], data["note"], current_user)
    db.session.commit()
    flash("saved", "success")
    return redirect(url_for("office.reconciliation", date=day.isoformat()))
