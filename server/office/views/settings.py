"""SLA settings page: everyone in the office sees them, a manager changes them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.sla import LEVELS
from ...domain.work_calendar import WEEKDAYS
from ...services import sla_settings as office_settings
from ...wire.office import SlaSettingsIO, WorkCalendarIO
from ..blueprint import bp
from ..forms import flat_messages, submit


def _current() -> dict:
    hours = office_settings.sla_hours()
    return {
        **{f"response_{k}": v for k, v in hours["response"].items()},
        **{f"resolution_{k}": v for k, v in hours["resolution"].items()},
        "low_rating_threshold": office_settings.low_rating_threshold(),
    }


def _calendar_values() -> dict:
    current = office_settings.calendar_settings()
    values = {
        "holidays": "\n".join(d.isoformat() for d in current["holidays"]),
        "after_hours_response_hours": current["after_hours_response_hours"],
    }
    for day, span in current["hours"].items():
        if span:
            values.update({f"work_{day}": "on", f"open_{day}": span[0], f"close_{day}": span[1]})
    return values


def _render(values=None, errors=None, messages=(), cal_values=None, cal_errors=None, cal_messages=()):
    return render_template(
        "office/settings.html",
        values=values if values is not None else _current(),
        errors=errors or {},
        messages=list(messages),
        levels=LEVELS,
        weekdays=WEEKDAYS,
        cal=cal_values if cal_values is not None else _calendar_values(),
        cal_errors=cal_errors or {},
        cal_messages=list(cal_messages),
    )


@bp.route("/settings", methods=["GET", "POST"])
def sla_settings():
    """Response and resolution hours per priority, and the low-rating threshold."""
    if request.method == "GET":
        return _render()
    if not current_user.has_role("manager"):
        return render_template("office/forbidden.html"), 403
    form = request.form
    payload = {
        "response_hours": {k: form.get(f"response_{k}", "") for k in LEVELS},
        "resolution_hours": {k: form.get(f"resolution_{k}", "") for k in LEVELS},
        "low_rating_threshold": form.get("low_rating_threshold", ""),
    }
    return submit(
        SlaSettingsIO(),
        payload,
        lambda data: office_settings.save(
            data["response_hours"], data["resolution_hours"], data["low_rating_threshold"], current_user
        ),
        render=lambda errors, status, _: (
            _render(values=form.to_dict(), errors=errors, messages=flat_messages(errors)),
            status,
        ),
        done=lambda _: redirect(url_for("office.sla_settings")),
        message="saved",
    )


@bp.route("/settings/calendar", methods=["POST"])
def work_calendar():
    """Working hours per weekday, holidays and the after-hours response (managers only)."""
    if not current_user.has_role("manager"):
        return render_template("office/forbidden.html"), 403
    form = request.form
    payload = {
        "hours": {
            day: ([form.get(f"open_{day}", ""), form.get(f"close_{day}", "")] if form.get(f"work_{day}") else None)
            for day in WEEKDAYS
        },
        "holidays": form.get("holidays", "").replace(",", " ").split(),
        "after_hours_response_hours": form.get("after_hours_response_hours", ""),
    }
    return submit(
        WorkCalendarIO(),
        payload,
        lambda data: office_settings.save_calendar(
            data["hours"], data["holidays"], data["after_hours_response_hours"], current_user
        ),
        render=lambda errors, status, _: (
            _render(cal_values=form.to_dict(), cal_errors=errors, cal_messages=flat_messages(errors)),
            status,
        ),
        done=lambda _: redirect(url_for("office.sla_settings")),
        message="saved",
    )
