"""Fee schedule page: everyone in the office sees it, a manager changes it.

Call-out, labour per hour, and each part's price and trade-in credit [seed 003 §三(七)1-2];
every change goes through services/fee_schedule.change, which bumps the revision the
phones check their quotes against.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...models import Part
from ...services import fee_schedule
from ..blueprint import bp
from ..forms import flat_messages, submit


def _parts() -> list[Part]:
    return db.session.scalars(sa.select(Part).order_by(Part.part_number)).all()


def _current(parts: list[Part]) -> dict:
    revision, call_out, labour = fee_schedule.header()
    values = {"revision": revision, "call_out": f"{call_out:.2f}", "labour_per_hour": f"{labour:.2f}"}
    for p in parts:
        values[f"price_{p.part_number}"] = f"{p.price:.2f}"
        values[f"credit_{p.part_number}"] = f"{(p.trade_in_credit or 0):.2f}"
    return values


def _render(values=None, errors=None):
    parts = _parts()
    current = _current(parts)
    return render_template(
        "office/fee_schedule.html",
        revision=current["revision"],
        values={**current, **(values or {})},
        errors=errors or {},
        messages=flat_messages(errors or {}),
        parts=parts,
    )


@bp.route("/settings/fees", methods=["GET", "POST"])
def fee_schedule_page():
    """The fee schedule and the parts' prices and trade-in credits."""
    if request.method == "GET":
        return _render()
    if not current_user.has_role("manager"):
        return render_template("office/forbidden.html"), 403
    form = request.form
    numbers = [p.part_number for p in _parts()]
    payload = {
        "call_out": form.get("call_out", "").strip() or None,
        "labour_per_hour": form.get("labour_per_hour", "").strip() or None,
        "parts": {
            n: (form.get(f"price_{n}", "").strip() or None, form.get(f"credit_{n}", "").strip() or None)
            for n in numbers
            if f"price_{n}" in form or f"credit_{n}" in form
        },
    }
    return submit(
        None,
        payload,
        lambda data: fee_schedule.change(current_user, data["call_out"], data["labour_per_hour"], data["parts"]),
        render=lambda errors, status, _: (_render(values=form.to_dict(), errors=errors), status),
        done=lambda _: redirect(url_for("office.fee_schedule_page")),
        message="saved",
    )
