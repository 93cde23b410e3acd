"""Daily reconciliation page: what to check with the technicians for one day."""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.service_day import today as local_today
from ...services import reconciliation as service
from ...wire.office import ReviewIn
from ..blueprint import bp
from ..forms import form_payload, parse_day, submit


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

    def again(errors, status, _):
        return render_template(
            "office/reconciliation.html",
            report=service.day_report(day),
            errors=errors,
            failed=(request.form.get("work_order_id"), request.form.get("flag")),
        ), status

    return submit(
        ReviewIn(),
        payload,
        lambda data: service.mark_reviewed(data["work_order_id"], data["flag"], data["note"], current_user),
        render=again,
        done=lambda _: redirect(url_for("office.reconciliation", date=day.isoformat())),
        message="saved",
    )
