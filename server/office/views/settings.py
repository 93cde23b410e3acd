"""SLA settings page: everyone in the office sees them, a manager changes them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.sla import LEVELS
from ...services import sla_settings as office_settings
from ...wire.office import SlaSettingsIO
from ..blueprint import bp
from ..forms import flat_messages, submit


def _current() -> dict:
    hours = office_settings.sla_hours()
    return {
        **{f"response_{k}": v for k, v in hours["response"].items()},
        **{f"resolution_{k}": v for k, v in hours["resolution"].items()},
        "low_rating_threshold": office_settings.low_rating_threshold(),
    }


@bp.route("/settings", methods=["GET", "POST"])
def sla_settings():
    """Response and resolution hours per priority, and the low-rating threshold."""
    if request.method == "GET":
        return render_template("office/settings.html", values=_current(), errors={}, messages=[], levels=LEVELS)
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
            render_template(
                "office/settings.html",
                values=form.to_dict(),
                errors=errors,
                messages=flat_messages(errors),
                levels=LEVELS,
            ),
            status,
        ),
        done=lambda _: redirect(url_for("office.sla_settings")),
        message="saved",
    )
