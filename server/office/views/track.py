"""The customer's tracking page, /track/<ticket> (public, no sign-in): services/tracking.py decides.

Guessing is rate-limited twice (in the limiter's shared storage, Redis with several
workers): per client address, and per ticket so that many addresses together still get
few tries at one ticket; only wrong answers spend the budget. A right answer lets this
browser see the ticket for TRACK_SESSION_MINUTES (kept in its signed session cookie).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for

from ...domain.errors import DomainError
from ...domain.service_day import format_local
from ...extensions import limiter
from ...i18n import LANGUAGES
from ...models import utcnow
from ...services import service_report, tracking
from ..blueprint import template_helpers
from ..forms import form_errors

track_bp = Blueprint("track", __name__)
track_bp.context_processor(template_helpers)
KEPT = 5  # tickets one browser may hold at once


def _per_ticket() -> str:
    return "track-ticket:" + (request.view_args or {}).get("ticket_no", "")[:32]


def _wrong_answer(response: Response) -> bool:
    return response.status_code == 401


def _allowed(ticket_no: str) -> bool:
    until = (session.get("track") or {}).get(ticket_no)
    return bool(until) and until > utcnow().timestamp()


def _allow(ticket_no: str, locale: str) -> None:
    minutes = current_app.config["TRACK_SESSION_MINUTES"]
    held = {k: v for k, v in (session.get("track") or {}).items() if v > utcnow().timestamp()}
    held[ticket_no] = (utcnow() + timedelta(minutes=minutes)).timestamp()
    session["track"] = dict(sorted(held.items(), key=lambda kv: kv[1])[-KEPT:])
    if session.get("office_lang") not in LANGUAGES and locale in LANGUAGES:
        session["office_lang"] = locale  # the customer's own language, until they switch


def _from_sign_off() -> str | None:
    """ "1" when the customer came from the QR code the phone showed after the sign-off (issue #16)."""
    return "1" if (request.args.get("report") or request.form.get("report")) == "1" else None


@track_bp.route("/track/<ticket_no>", methods=["GET"])
def track(ticket_no: str):
    report = _from_sign_off()
    if not _allowed(ticket_no):
        return render_template("office/track.html", ticket_no=ticket_no, item=None, errors={}, report=report)
    wo = tracking.by_ticket(ticket_no)
    if wo is None:
        abort(404)
    return render_template(
        "office/track.html",
        ticket_no=ticket_no,
        item=tracking.tracked(wo),
        errors={},
        local=format_local,
        report=report,
    )


@track_bp.route("/track/<ticket_no>", methods=["POST"])
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"], deduct_when=_wrong_answer)
@limiter.limit(lambda: current_app.config["TRACK_TICKET_RATE_LIMIT"], key_func=_per_ticket, deduct_when=_wrong_answer)
def prove(ticket_no: str):
    try:
        wo = tracking.authorise(ticket_no, (request.form.get("digits") or "").strip())
    except DomainError as exc:
        errors = form_errors(exc)
        return (
            render_template(
                "office/track.html", ticket_no=ticket_no, item=None, errors=errors, report=_from_sign_off()
            ),
            401,
        )
    _allow(wo.ticket_no, wo.customer.locale)
    return redirect(url_for("track.track", ticket_no=wo.ticket_no, report=_from_sign_off()), code=303)


@track_bp.route("/track/<ticket_no>/technician.jpg")
def technician_photo(ticket_no: str):
    wo = tracking.by_ticket(ticket_no) if _allowed(ticket_no) else None
    photo = tracking.technician_photo(wo) if wo is not None else None
    if photo is None:
        abort(404)
    data, kind = photo
    return Response(data, mimetype=kind, headers={"Cache-Control": "private, no-store"})


@track_bp.route("/track/<ticket_no>/report.pdf")
def report(ticket_no: str):
    wo = tracking.by_ticket(ticket_no) if _allowed(ticket_no) else None
    if wo is None or not tracking.tracked(wo).signed:
        abort(404)
    return Response(
        service_report.pdf(wo, session.get("office_lang") or wo.customer.locale),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{service_report.filename(wo)}"',
            "Cache-Control": "private, no-store",
        },
    )
