"""Conflicts and rejected entries from the sync engine, for review and settling."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from ...domain.errors import NotFound
from ...extensions import db
from ...i18n import label
from ...models import Conflict, User
from ...services import review as service
from ...wire.review import ConflictSettleIn, RejectedSettleIn
from .. import safe_view
from ..blueprint import bp, fmt_iso
from ..forms import form_payload, record_or_404, submit, uuid_or_none

WORD_GROUPS = {"status": "status", "outcome": "outcome", "priority": "priority"}


def shown_value(field: str, value, users: dict[str, str]) -> str:
    """A conflict's value as the office reads it: words, names and local times, not codes or JSON."""
    if value is None or value == "":
        return "—"
    if field in service.DATETIME_FIELDS:
        return fmt_iso(value)
    if field in WORD_GROUPS:
        return label(WORD_GROUPS[field], value)
    if field == "technician_id":
        return users.get(value, value)
    return value if isinstance(value, str) else safe_view.as_json(value)


def _render(errors=None, status=200):
    include_settled = request.args.get("settled") == "1"
    conflicts = service.open_conflicts(include_settled)
    rejected = service.open_rejected(include_settled)
    # An answer about an entry no longer listed (settled meanwhile, from another page) goes on top.
    listed = {c.id for c in conflicts} | {r.id for r in rejected}
    elsewhere = [m for key, errs in (errors or {}).items() if key not in listed for ms in errs.values() for m in ms]
    return render_template(
        "office/conflicts.html",
        conflicts=conflicts,
        rejected=rejected,
        tickets=service.tickets_for(conflicts, rejected),
        money=service.money_to_review(),
        users={u.id: u.name for u in db.session.scalars(sa.select(User))},
        include_settled=include_settled,
        as_json=safe_view.as_json,
        shown_value=shown_value,
        errors=errors or {},
        elsewhere=elsewhere,
    ), status


@bp.route("/conflicts")
def conflicts():
    """Both values of each conflict, who and when; rejected entries with their reason."""
    return _render()


@bp.route("/conflicts/<conflict_id>/settle", methods=["POST"])
def settle_conflict(conflict_id: str):
    """Keep the value in force or use the other one (as the review endpoints do)."""
    conflict = record_or_404(Conflict, conflict_id)
    return submit(
        ConflictSettleIn(),
        form_payload(request.form),
        lambda data: service.settle_conflict(conflict, data["action"], data["note"], current_user),
        render=lambda errors, status, _: _render({conflict_id: errors}, status),
        done=lambda _: redirect(url_for("office.conflicts")),
        message="settled",
    )


@bp.route("/rejected/<mutation_id>/settle", methods=["POST"])
def settle_rejected(mutation_id: str):
    """Mark a rejected entry dealt with, saying how."""
    try:  # known by (device, id): the page's form names the device
        row = service.rejected(mutation_id, uuid_or_none(request.args.get("device")))
    except NotFound:
        abort(404)
    return submit(
        RejectedSettleIn(),
        form_payload(request.form),
        lambda data: service.settle_rejected(row, data["note"], current_user),
        render=lambda errors, status, _: _render({mutation_id: errors}, status),
        done=lambda _: redirect(url_for("office.conflicts")),
        message="settled",
    )
