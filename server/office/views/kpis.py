"""KPI page: figures over a date range, per technician and overall, charts, CSV and the month."""

from __future__ import annotations

from flask import render_template, request

from ...domain.service_day import today as local_today
from ...models import utcnow
from ...services import kpis as service
from ...wire.office import KpiQuery, MonthQuery
from ..blueprint import bp
from ..forms import load

RATE_FIELDS = (
    "on_time_rate",
    "first_time_fix_rate",
    "completion_rate",
    "csat_satisfied_rate",
    "sla_response_rate",
    "sla_resolution_rate",
)


@bp.route("/kpis")
def kpis():
    """This month so far unless a range is chosen; the chosen month's summary below."""
    data, errors = load(KpiQuery(), {k: v for k, v in request.args.items() if k in ("from", "to") and v})
    today = local_today()
    last = (data or {}).get("date_to") or today
    first = (data or {}).get("date_from") or last.replace(day=1)
    if errors:
        first, last = today.replace(day=1), today
    month_data, month_errors = load(MonthQuery(), {"month": request.args["month"]} if request.args.get("month") else {})
    month = (month_data or {}).get("month") or first.strftime("%Y-%m")
    now = utcnow()
    return render_template(
        "office/kpis.html",
        first=first,
        last=last,
        errors={**errors, **month_errors},
        report=service.report(first, last, now),
        visits=service.visit_report(first, last),
        month=month,
        summary=service.monthly_summary(month, now),
        rate_fields=RATE_FIELDS,
    ), (422 if errors or month_errors else 200)
