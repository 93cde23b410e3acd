"""The office pages' blueprint: every page needs a dispatcher or manager, except sign-in."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from .. import i18n as languages
from ..auth.permissions import is_office
from ..domain.service_day import format_local
from ..domain.verification_code import short_code
from . import i18n, safe_view

# Pages and their files live beside the blueprint: templates/office/*.html, static/ at /office/static/.
bp = Blueprint("office", __name__, url_prefix="/office", template_folder="templates", static_folder="static")
PUBLIC_ENDPOINTS = {"office.login", "office.set_language", "office.static"}


@bp.before_request
def _office_only():
    """Anonymous visitors go to the sign-in page; technicians are refused."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("office.login", next=request.full_path.rstrip("?")))
    if not is_office(current_user):
        return render_template("office/forbidden.html"), 403
    return None


def fmt_time(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """An aware datetime in service-area time, or '' for none."""
    return format_local(moment, pattern)


def fmt_iso(value: str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO-8601 text (as kept in event data) shown in service-area time."""
    if not value:
        return ""
    try:
        return fmt_time(datetime.fromisoformat(value), pattern)
    except (TypeError, ValueError):
        return str(value)


def fmt_duration(seconds: int | float | None) -> str:
    """'2 h 05 min' / '-0 h 40 min' style, compact for the board."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{sign}{days}d {hours}h {mins:02d}m" if days else f"{sign}{hours}h {mins:02d}m"


def masked(value: str | None) -> str:
    """A contact shown only as a reference: 13800001234 -> 138****1234, zhangwei_wx -> zh*******wx."""
    value = value or ""
    keep_head, keep_tail = (3, 4) if len(value) >= 11 and value.lstrip("+").isdigit() else (2, 2)
    if len(value) <= keep_head + keep_tail:
        return value[:1] + "*" * max(1, len(value) - 1) if value else ""
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def template_helpers() -> dict:
    """Names every office template may use."""
    lang = i18n.current_language()
    return {
        # page text is _("English") / gettext(); glossary words and enumeration labels are
        # term(group, value); server messages go through err()
        "term": languages.label,
        "err": i18n.error_text,
        "rejection": i18n.rejection_text,
        "lang": lang,
        "fmt_time": fmt_time,
        "fmt_duration": fmt_duration,
        "fmt_iso": fmt_iso,
        "masked": masked,
        "short_code": short_code,  # the sign-off's verification code as the customer has it (PDF, phone)
        "event_view": safe_view.event_view,
        "rejected_view": safe_view.rejected_view,
        "is_manager": current_user.is_authenticated and current_user.has_role("manager"),
    }


bp.context_processor(template_helpers)


@bp.errorhandler(404)
def _not_found(exc):
    """Pages answer a missing record with a page, not the API's JSON."""
    return render_template("office/not_found.html"), 404
