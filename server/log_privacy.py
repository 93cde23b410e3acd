"""Keep customers' personal data out of the logs.

Access logs print request lines, and a query string can carry a phone number
(customer search): the filter drops query strings from werkzeug's and gunicorn's
access lines. Application code logs ids, never names, phones or addresses.
"""
from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"(\s/[^\s?]*)\?\S*")


class DropQueryStrings(logging.Filter):
    """Rewrite '/path?q=13800000000' to '/path?…' in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_QUERY.sub(r"\1?…", a) if isinstance(a, str) else a for a in (
                record.args if isinstance(record.args, tuple) else (record.args,)
            ))
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub(r"\1?…", record.msg)
        return True


def install() -> None:
    """Attach the filter to the access loggers (idempotent)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
