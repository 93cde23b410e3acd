"""The work-order list: every order, filtered by status, priority, technician, intake days and overdue."""

from __future__ import annotations

from flask import render_template, request

from ...domain.lifecycle import Status
from ...domain.sla import LEVELS, effective_priority
from ...models import utcnow
from ...services import dispatch
from ...services.order_list import UNASSIGNED, Filters, list_orders, overdue_among
from ..blueprint import bp
from ..forms import parse_day, uuid_or_none


def _filters(args) -> Filters:
    technician = args.get("technician_id")
    return Filters(
        status=args.get("status") or None,
        priority=args.get("priority") or None,
        technician_id=UNASSIGNED if technician == UNASSIGNED else uuid_or_none(technician),
        taken_from=parse_day(args.get("from"), None),
        taken_to=parse_day(args.get("to"), None),
        overdue=args.get("overdue") == "1",
    )


@bp.route("/work-orders")
def work_order_list():
    """Every work order, newest first, a page at a time."""
    now = utcnow()
    filters = _filters(request.args)
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    page = list_orders(filters, now, number)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "office/work_orders.html",
        page=page,
        filters=filters,
        args=args,
        statuses=[s.value for s in Status],
        priorities=LEVELS,
        technicians=dispatch.technicians(),
        unassigned=UNASSIGNED,
        overdue_ids=overdue_among(page.items, now),
        effective=effective_priority,
    )
