"""Keep customers' personal data out of the logs.

Access logs print request lines, and a query string can carry a phone number
(customer search): the filter drops query strings from werkzeug's and gunicorn's
access lines. Application code logs ids, never names, phones or addresses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping

_QUERY = re.compile(r"(\s/[^\s?]*)\?\S*")
_URL_QUERY = re.compile(r"^((?:[a-z][a-z0-9+.-]*://[^/?\s]*)?/[^\s?]*)\?\S*", re.I)
QUERY_ATOMS = {"q", "{query_string}e"}  # gunicorn's atoms holding the bare query string


def _scrub_atom(key: str, value):
    """One gunicorn atom without its query string: the request line, the URI, the referer."""
    if not isinstance(value, str) or "?" not in value and key not in QUERY_ATOMS:
        return value
    if key in QUERY_ATOMS:
        return "…" if value else value
    return _URL_QUERY.sub(r"\1?…", _QUERY.sub(r"\1?…", value))


class DropQueryStrings(logging.Filter):
    """Rewrite '/path?q=13800000000' to '/path?…' in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            # gunicorn's access line: one mapping of atoms (its SafeAtoms), formatted with
            # %(r)s and the like. Changed in place: it must stay that mapping (its look-ups
            # answer '-' for unknown atoms, and building a new one would escape quotes twice).
            atoms = record.args if isinstance(record.args, MutableMapping) else dict(record.args)
            for key, value in list(atoms.items()):
                atoms[key] = _scrub_atom(key, value)
            record.args = atoms
        elif record.args:
            record.args = tuple(
                _QUERY.sub(r"\1?…", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub(r"\1?…", record.msg)
        return True


def install() -> None:
    """Attach the filter to the access loggers (idempotent)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
