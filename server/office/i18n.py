"""Languages: which one a request uses, Flask-Babel's set-up, and the validation-message translator.

The words themselves live in the gettext catalogue (server/translations/zh_Hans_CN/LC_MESSAGES/
messages.po, English msgids) and, for domain terms and enumeration labels, in
server/domain/glossary.py. See README.md, "Languages".
"""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import force_locale, gettext
from flask_login import current_user

from .. import i18n as languages
from ..domain.errors import DomainError
from ..domain.sync_reasons import REASONS
from ..i18n import DEFAULT, LANGUAGES, babel_locale

__all__ = ["LANGUAGES", "DEFAULT", "babel_locale", "current_language", "init_app", "error_text", "rejection_text"]


def current_language() -> str:
    """The language chosen with the switch, else the user's own, else Chinese."""
    if not has_request_context():
        return DEFAULT
    chosen = session.get("office_lang")
    if chosen in LANGUAGES:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    return user_locale if user_locale in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    """Flask-Babel with the office's language choice; templates get _(), gettext() and pgettext()."""
    languages.init_app(app, current_language)
    from ..i18n_tools import i18n_cli

    app.cli.add_command(i18n_cli)  # flask i18n extract / update / compile / export-pwa / check


def M_(message: str) -> str:
    """Marks a server message for extraction; error_text() translates it at display time."""
    return message


# Validation messages of the schemas (marshmallow's and ours) that office pages show: their
# msgids are the English texts the schemas produce. A service's "no" is a DomainError and
# reaches a page already translated, by its own msgids (forms.form_errors), never by text.
SERVER_MESSAGES = (
    M_("Missing data for required field."),
    M_("Field may not be null."),
    M_("Must not be blank."),
    M_("Not a phone number."),
    M_("Not a valid date."),
    M_("Not a valid datetime."),
    M_("Not a valid integer."),
    M_("Not a valid number."),
    M_("Not a valid UUID."),
    M_("Must be after appointment_start."),
    M_("An appointment needs a technician."),
    M_("Give appointment_start too."),
    M_("Required."),
    M_("Record why the customer is dissatisfied."),
    M_("Give the work order id or its ticket number."),
    M_("Choose one from the list."),
    M_("Give the time as HH:MM."),
    M_("Length must be 2."),
)


def error_text(message: str, lang: str | None = None) -> str:
    """A schema's validation message in the page's language (gettext of its English text).

    Domain errors do not come through here: forms.form_errors() translates them by their
    msgids and fills in their params; an already translated text passes through unchanged.
    """
    if not message or (lang or current_language()) == "en":
        return message  # the server's messages are English already
    if lang is not None:
        with force_locale(babel_locale(lang)):
            return error_text(message)
    if message.startswith("Must be one of:"):
        return gettext("Choose one from the list.")
    return gettext(message)


def rejection_text(error: dict | None) -> str:
    """Why sync rejected an entry, in the page's language: its code's msgid filled with its
    params; an entry stored before codes (or with one this server no longer has) keeps its message."""
    error = error if isinstance(error, dict) else {}
    code, params = error.get("code"), error.get("params")
    if code not in REASONS:
        return str(error.get("message") or "")
    return DomainError(code, REASONS[code], params if isinstance(params, dict) else {}).text(gettext)
