"""Why the sync engine rejects a pushed entry: one stable code per reason, its English msgid.

A rejected entry's `error` is `{"code", "params", "message", "errors"}`: the phone words
`reason.<code>` from its catalogue (pwa/static/js/i18n/zh-CN.js, en.js) with `{param}`
placeholders filled from `params`, and falls back to `message` (English) for a code it
does not know. The codes and their msgids are in server/domain/sync_reasons.py (the office
words stored rejections with them too); a new one also needs both phone catalogues and the
.po (tests/sync/test_reason_codes.py checks all three).
"""

from __future__ import annotations

from ..domain.errors import Invalid
from ..domain.sync_reasons import REASONS


class MutationRejected(Invalid):
    """An entry that cannot be applied: a code of REASONS, its params, and field errors.

    `errors` are kept as given (English, possibly nested like marshmallow's) for the
    entry's `errors`; the message is the code's msgid filled with the params.
    """

    def __init__(self, code: str, params: dict | None = None, errors: dict | None = None):
        super().__init__(code, REASONS[code], params)
        self.errors = errors or {}

    def as_error(self) -> dict:
        """The rejected entry's `error` (before bounding): code, params, English message, errors."""
        return {"code": self.code, "params": self.params, "message": self.text(), "errors": self.errors}
