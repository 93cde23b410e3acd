"""The work order page's 'Resolved by phone' action [seed 003 §三(一)3]: no visit, a check-back in 2 h."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from ...extensions import db
from ...models import WorkOrder
from ...services import phone_resolution
from ...wire.office import PhoneResolutionIn
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit
from .dispatch import _render_work_order


@bp.route("/work-orders/<wo_id>/resolve-by-phone", methods=["POST"])
def resolve_by_phone(wo_id: str):
    """End a request the office solved by phone guidance, with the advice given."""
    wo = record_or_404(WorkOrder, wo_id)
    return submit(
        PhoneResolutionIn(),
        form_payload(request.form),
        lambda data: phone_resolution.resolve(wo, data.get("advice"), current_user),
        render=lambda errors, status, _: _render_work_order(
            db.session.get(WorkOrder, wo_id), phone_errors=errors, values=request.form.to_dict(), status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo.id)),
        message="resolved_by_phone_ok",
    )
