"""Staff and their signed-in devices: a manager signs out a lost phone or deactivates an account."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth import sign_ins
from ...auth.access import get_or_404
from ...domain.errors import NotFound
from ...extensions import db
from ...models import User
from ...services import staff
from ..blueprint import bp
from ..forms import submit


def _managers_only():
    if not current_user.has_role("manager"):
        return render_template("office/forbidden.html"), 403
    return None


def _person(user_id: str) -> User:
    try:
        return get_or_404(User, user_id, "user")
    except NotFound:
        abort(404)


@bp.route("/people")
def people():
    """Every staff account, whether it is active, and how many devices are signed in."""
    if (refused := _managers_only()) is not None:
        return refused
    users = db.session.scalars(sa.select(User).order_by(User.role.desc(), User.name, User.email)).all()
    devices = {u.id: len(sign_ins.live_sign_ins(u)) + len(sign_ins.live_tokens(u)) for u in users}
    return render_template("office/people.html", users=users, devices=devices)


def _render_person(user: User, errors=None, status=200):
    return render_template(
        "office/person.html",
        person=user,
        sign_ins=sign_ins.live_sign_ins(user),
        tokens=sign_ins.live_tokens(user),
        errors=errors or {},
    ), status


@bp.route("/people/<user_id>")
def person(user_id: str):
    """One account's signed-in browsers and phones and its API tokens."""
    if (refused := _managers_only()) is not None:
        return refused
    return _render_person(_person(user_id))


@bp.route("/people/<user_id>/badge", methods=["POST"])
def badge(user_id: str):
    """The badge number and photo a customer checks at the door (shown on the tracking page)."""
    if (refused := _managers_only()) is not None:
        return refused
    user = _person(user_id)
    upload = request.files.get("photo")
    photo = upload.read(staff.PHOTO_MAX_BYTES + 1) if upload and upload.filename else None
    return submit(
        None,
        {"badge_no": request.form.get("badge_no"), "service_area": request.form.get("service_area")},
        lambda data: staff.set_badge(user, data["badge_no"], photo, current_user, data["service_area"]),
        render=lambda errors, status, _: _render_person(user, errors, status),
        done=lambda _: redirect(url_for("office.person", user_id=user.id)),
        message="saved",
    )


def _revoke(user_id: str, revoke) -> object:
    """Run `revoke(user)` for a manager (one of the account's sign-ins or tokens; another's is a 404)."""
    if (refused := _managers_only()) is not None:
        return refused
    user = _person(user_id)
    try:
        revoke(user)
    except NotFound:
        abort(404)
    db.session.commit()
    flash("device_signed_out", "success")
    return redirect(url_for("office.person", user_id=user.id))


@bp.route("/people/<user_id>/sign-ins/<sign_in_id>/revoke", methods=["POST"])
def revoke_sign_in(user_id: str, sign_in_id: str):
    """Sign one device out (a lost phone): its next request is refused."""
    return _revoke(user_id, lambda user: sign_ins.revoke(user, sign_in_id))


@bp.route("/people/<user_id>/tokens/<token_id>/revoke", methods=["POST"])
def revoke_token(user_id: str, token_id: str):
    """Revoke one API token of the account."""
    return _revoke(user_id, lambda user: sign_ins.revoke_api_token(user, token_id))


@bp.route("/people/<user_id>/deactivate", methods=["POST"])
def deactivate(user_id: str):
    """Deactivate the account: it cannot sign in, and every session and token of it ends."""
    if (refused := _managers_only()) is not None:
        return refused
    user = _person(user_id)
    if user.id == current_user.id:
        abort(409)  # a manager cannot lock themselves out from here
    sign_ins.deactivate(user)
    db.session.commit()
    flash("account_deactivated", "success")
    return redirect(url_for("office.person", user_id=user.id))
