"""Languages: our language tags, Flask-Babel, and the glossary's words in a given language.

The words live in the gettext catalogue (server/translations/zh_Hans_CN/LC_MESSAGES/
messages.po, English msgids) and, for domain terms and enumeration labels, in
server/domain/glossary.py (pure data). This module sits below the services so the office
pages, the service-report PDF and server messages translate through one place; each edge
chooses the request's language (the office: server/office/i18n.py).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import Babel, force_locale, gettext, pgettext

from .domain.glossary import GLOSSARY

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
# Our language tags (URLs, user and customer records, the PWA) -> gettext locale names.
BABEL_LOCALES = {"zh-CN": "zh_Hans_CN", "en": "en"}

babel = Babel()


def babel_locale(lang: str | None) -> str:
    """The gettext locale of one of our language tags (unknown tags: the default)."""
    return BABEL_LOCALES.get(lang or "", BABEL_LOCALES[DEFAULT])


def init_app(app: Flask, language: Callable[[], str]) -> None:
    """Flask-Babel, choosing each request's locale from `language()` (one of LANGUAGES)."""
    babel.init_app(app, locale_selector=lambda: babel_locale(language()))


def label(group: str, value: str | None, lang: str | None = None) -> str:
    """The word for `value` of `group` in `lang` (default: the request's language)."""
    if value is None:
        return ""
    term = GLOSSARY.get(group, {}).get(value)
    if term is None:
        return str(value)
    if lang is None:
        return pgettext(term.context, term.msgid)
    with force_locale(babel_locale(lang)):
        return pgettext(term.context, term.msgid)


def word(name: str, lang: str | None = None) -> str:
    """A glossary noun ("customer", "part", …)."""
    return label("noun", name, lang)


def translate(message: str, lang: str | None = None) -> str:
    """A catalogue message in `lang` (default: the request's language)."""
    if lang is None:
        return gettext(message)
    with force_locale(babel_locale(lang)):
        return gettext(message)
