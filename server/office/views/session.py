"""Sign in and out of the office pages, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for

from ...auth import sign_ins
from ...auth.permissions import is_office
from ...auth.session import sign_in, sign_out
from ...auth.sign_in import check_credentials, password_attempts
from ...domain.errors import Unauthenticated
from ...extensions import db
from ..blueprint import bp
from ..i18n import LANGUAGES


def _safe_next(target: str | None) -> str:
    """Only a path inside the office (no open redirect to another site, no control characters)."""
    if target and target.isprintable():  # CR/LF would break the Location header (a 500)
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith(("/office", "/verify")):
            return target
    return url_for("office.board")


@bp.route("/login", methods=["GET", "POST"])
@password_attempts  # the API's password budget: one per client address for every route
def login():
    """A password form; posting signs in with the same session the API uses.

    A technician's right password is answered like a wrong one: telling them apart would
    confirm a technician's password to whoever is guessing on this page.
    """
    next_url = _safe_next(request.values.get("next"))
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        try:
            user = check_credentials(email, request.form.get("password") or "", may_sign_in_here=is_office)
        except Unauthenticated:
            error = "login_failed"
        else:
            sign_in(user, sign_ins.PASSWORD, remember=False)  # a fresh session and token: no fixation
            db.session.commit()
            return redirect(next_url)
        return render_template("office/login.html", error=error, email=email, next=next_url), 401
    return render_template("office/login.html", error=None, email="", next=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (this browser's sign-in is revoked) and back to the sign-in page."""
    sign_out()
    db.session.commit()
    return redirect(url_for("office.login"))


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the pages' language and return to where the user was."""
    if code in LANGUAGES:
        session["office_lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/")
def home():
    """The office starts at the SLA board."""
    return redirect(url_for("office.board"))
