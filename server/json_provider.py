"""JSON responses encoded with orjson.

A pull page runs to ~200 KB of JSON: the standard library took ~2.4 ms to encode one
(keys sorted, text escaped to ASCII), orjson ~0.2 ms. The output keeps Flask's
conventions: keys sorted, compact, a trailing newline, and Flask's fallbacks for what
JSON has no type for (dates as HTTP dates, Decimal and UUID as strings). Only
non-ASCII text goes out as UTF-8 rather than as \\u escapes; both are the same JSON.
Indented output (debug mode) and explicit dump options are left to the standard library.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Dates and dataclasses go to Flask's fallback, as with the standard library.
_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def encode(obj: Any) -> bytes:
    """The body Flask's JSON responses carry for `obj` (with its trailing newline)."""
    return orjson.dumps(obj, default=DefaultJSONProvider.default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)


def encode_compact(obj: Any) -> bytes:
    """`obj` as a response encodes it inside its body (no trailing newline)."""
    return orjson.dumps(obj, default=DefaultJSONProvider.default, option=_OPTIONS)


def encode_part(obj: Any) -> orjson.Fragment:
    """`obj` encoded as a response encodes it, to be sent inside one as it is (a pull page's
    changes, encoded once to know they encode: isolation.py)."""
    return orjson.Fragment(encode_compact(obj))


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented for people reading it
        return self._app.response_class(encode(self._prepare_response_obj(args, kwargs)), mimetype=self.mimetype)
