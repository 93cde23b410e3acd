"""The live SLA board page."""

from __future__ import annotations

from flask import render_template, request

from ...domain.areas import city_of
from ...models import utcnow
from ...services import dispatch
from ...services.intake import record_incomplete
from ...services.sla_board import board_counts, board_rows
from ..blueprint import bp
from ..forms import uuid_or_none


@bp.route("/board")
def board():
    """Open work orders by time left; breaches and near-breaches highlighted."""
    now = utcnow()
    technician_id = uuid_or_none(request.args.get("technician_id"))
    rows = board_rows(now, technician_id)
    return render_template(
        "office/board.html",
        rows=rows,
        counts=board_counts(rows),
        now=now,
        technicians=dispatch.technicians(),
        technician_id=technician_id,
        missed=dispatch.missed_appointments([r.work_order for r in rows], now),
        city_of=city_of,
        incomplete={r.work_order.id for r in rows if record_incomplete(r.work_order)},
    )
