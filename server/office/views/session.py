"""Sign in and out of the office pages, and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from ...auth.permissions import is_office
from ...auth.sign_in import check_credentials, login_limit
from ...domain.errors import DomainError
from ...errors import ApiError
from ...extensions import limiter
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
@limiter.limit(login_limit, methods=["POST"])
def login():
    """A password form; posting signs in with the same session the API uses."""
    next_url = _safe_next(request.values.get("next"))
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        try:
            user = check_credentials(email, request.form.get("password") or "")
        except (ApiError, DomainError):  # auth's "no" (ApiError until auth raises domain errors)
            error = "login_failed"
        else:
            if not is_office(user):
                error = "login_office_only"
            else:
                lang = session.get("office_lang")
                session.clear()  # a fresh session: no fixation
                if lang:
                    session["office_lang"] = lang
                login_user(user, remember=False)
                return redirect(next_url)
        return render_template("office/login.html", error=error, email=email, next=next_url), 401
    return render_template("office/login.html", error=None, email="", next=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and back to the sign-in page."""
    session.clear()
    logout_user()  # after the clear: it leaves the mark that deletes the remember-me cookie
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
