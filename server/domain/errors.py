"""What went wrong in a use case: a stable code, parameters and field messages, never HTTP.

Services, auth and the domain raise these. Each edge turns them into its own answer once:
`server/errors.py` into the API's JSON error body (the status comes from the error's class),
the office's form helper into form messages, the sync engine into a rejected entry whose
`code` and `params` the phone translates. Messages are English msgids with `%(name)s`
placeholders filled from `params`; `M_` marks them for `pybabel extract`, and they are
translated where they are shown, so rewording one never silently drops its translation
(the catalogue test fails instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def M_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def _fill(template: str, params: Mapping) -> str:
    try:
        return template % params if params else template
    except (KeyError, TypeError, ValueError):
        return template  # a translation that names a missing parameter still says something


def _same(message: str) -> str:
    return message


class DomainError(Exception):
    """A rule said no. `code` is stable (clients translate it), `message` is the English msgid."""

    def __init__(
        self,
        code: str,
        message: str,
        params: Mapping | None = None,
        fields: Mapping[str, list[str]] | None = None,
        extra: Mapping | None = None,
    ):
        self.code = code
        self.extra = dict(extra or {})  # more of the answer for clients (e.g. the records in the way)
        self.message = message
        self.params = dict(params or {})
        self.fields = {name: list(msgs) for name, msgs in (fields or {}).items()}
        super().__init__(self.text())

    def text(self, translate: Callable[[str], str] = _same) -> str:
        """The message, translated by `translate` (gettext at the edge) and filled in."""
        return _fill(translate(self.message), self.params)

    def field_texts(self, translate: Callable[[str], str] = _same) -> dict[str, list[str]]:
        """Field messages, translated and filled in like the message."""
        return {name: [_fill(translate(m), self.params) for m in msgs] for name, msgs in self.fields.items()}


class Invalid(DomainError):
    """The input breaks a rule of the record (the API's 422)."""


class Conflict(DomainError):
    """The record's current state does not allow this now (the API's 409)."""


class NotFound(DomainError):
    """No such record, or none the caller may see (the API's 404)."""


class Forbidden(DomainError):
    """The caller's role may not do this (the API's 403)."""


class Unauthenticated(DomainError):
    """Credentials missing, wrong or revoked (the API's 401)."""
