"""Conflicts and rejected entries from the sync engine, for review and settling."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...errors import ApiError
from ...extensions import db
from ...models import Conflict, MutationRecord, User
from ...services import review as service
from ...wire.office import ConflictSettleIn
from .. import safe_view
from ..blueprint import bp
from ..forms import api_error_fields, form_payload, load, record_or_404


def _render(errors=None, status=200):
    include_settled = request.args.get("settled") == "1"
    conflicts = service.open_conflicts(include_settled)
    rejected = service.open_rejected(include_settled)
    return render_template(
        "office/conflicts.html",
        conflicts=conflicts,
        rejected=rejected,
        tickets=service.tickets_for(conflicts, rejected),
        users={u.id: u.name for u in db.session.scalars(sa.select(User))},
        include_settled=include_settled,
        as_json=safe_view.as_json,
        errors=errors or {},
    ), status


@bp.route("/conflicts")
def conflicts():
    """Both values of each conflict, who and when; rejected entries with their reason."""
    return _render()


@bp.route("/conflicts/<conflict_id>/settle", methods=["POST"])
def settle_conflict(conflict_id: str):
    """Keep the value in force or use the other one."""
    conflict = record_or_404(Conflict, conflict_id)
    data, errors = load(ConflictSettleIn(), form_payload(request.form))
    if not errors:
        try:
            service.settle_conflict(conflict, data["action"], data.get("note"), current_user)
        except ApiError as exc:
            db.session.rollback()
            errors = api_error_fields(exc)
    if errors:
        return _render({conflict_id: errors}, 422)
    db.session.commit()
    flash("settled", "success")
    return redirect(url_for("office.conflicts"))


@bp.route("/rejected/<mutation_id>/settle", methods=["POST"])
def settle_rejected(mutation_id: str):
    """Mark a rejected entry dealt with, saying how."""
    row = record_or_404(MutationRecord, mutation_id)
    if row.status != "rejected":
        abort(404)
    note = (request.form.get("note") or "").strip()
    if not note:
        return _render({mutation_id: {"note": ["Required."]}}, 422)
    try:
        service.settle_rejected(row, note, current_user)
    except ApiError as exc:
        db.session.rollback()
        return _render({mutation_id: api_error_fields(exc)}, exc.status)
    db.session.commit()
    flash("settled", "success")
    return redirect(url_for("office.conflicts"))
