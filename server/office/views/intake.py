"""Intake page: a request from any channel becomes a work order."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...extensions import db
from ...models import Channel, CustomerTier, Priority, WorkOrder, WorkOrderType
from ...services import dispatch
from ...services import intake as intake_service
from ...wire.office import IntakeIn
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit
from .dispatch import _render_work_order as render_work_order

CHOICES = {
    "channel": [c.value for c in Channel],
    "type": [c.value for c in WorkOrderType],
    "priority": [c.value for c in Priority],
    "tier": [c.value for c in CustomerTier],
}


def _render(values: dict, errors: dict, duplicates=None, status: int = 200, on_record=None):
    return render_template(
        "office/intake.html",
        values=values,
        errors=errors,
        duplicates=duplicates or [],
        on_record=on_record,
        choices=CHOICES,
        technicians=dispatch.technicians(),
    ), status


@bp.route("/intake", methods=["GET", "POST"])
def intake():
    """The intake form; posting creates the work order and opens it."""
    if request.method == "GET":
        return _render({"channel": request.args.get("channel", "phone"), "type": "repair", "priority": "normal"}, {})
    values = request.form.to_dict()

    def again(errors, status, error):
        extra = error.extra if error is not None else {}
        # A known phone with a different name, address or tier: show the record next to the choice.
        on_record = extra if "differs" in extra else None
        return _render(values, errors, extra.get("open_work_orders"), status=status, on_record=on_record)

    return submit(
        IntakeIn(),
        form_payload(
            request.form, ("appointment_start", "appointment_end"), ("confirm_duplicate", "resolved_by_phone")
        ),
        lambda data: intake_service.take_in(data, current_user),
        render=again,
        done=_opened,
    )


@bp.route("/work-orders/<wo_id>/complete-record", methods=["POST"])
def complete_record(wo_id: str):
    """The serial number the customer gave later: the record is completed [seed 000 §三(一)2]."""
    wo = record_or_404(WorkOrder, wo_id)
    return submit(
        None,
        {"serial_no": request.form.get("serial_no")},
        lambda data: intake_service.complete_record(wo, data["serial_no"], current_user),
        render=lambda errors, status, _: render_work_order(
            db.session.get(WorkOrder, wo_id), record_errors=errors, status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo_id)),
        message="saved",
    )


def _opened(result):
    wo = result.work_order
    flash("customer_created" if result.customer_created else "customer_reused", "info")
    if wo.product_id:
        flash("product_created" if result.product_created else "product_reused", "info")
    for warning in result.warnings:
        kind, _, detail = warning.partition(":")
        if kind == "serial_missing":
            flash(gettext("No serial number: contact the customer to complete the record."), "warning")
            continue
        flash(("model_differs|" if kind == "model_differs" else "duplicate_warning|") + detail, "warning")
    flash(f"created_title|{wo.ticket_no}", "success")
    if wo.outcome == "resolved_remotely":
        flash("resolved_by_phone_ok", "success")
    return redirect(url_for("office.work_order", wo_id=wo.id))
