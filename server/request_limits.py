"""Limits on what a request may carry, checked before any view or schema sees it.

- Size: `MAX_CONTENT_LENGTH` (server/config.py) bounds every body; a view that takes
  larger bodies says so with `@body_limit("CONFIG_KEY")` (blob uploads: `BLOB_MAX_BYTES`).
  Too large is a 413 in the API's error body, refused before the body is read when the
  client announces its length, and after `limit` bytes when it streams.
- JSON: every JSON body the API's schemas read comes through `load_json` (registered as
  webargs' loader for the `json` location). It parses with orjson (strict JSON: no NaN or
  Infinity, no lone surrogates, at most 1024 levels) and then checks what the database
  and the schemas must never see: nesting deeper than `JSON_MAX_DEPTH`, strings longer
  than `JSON_MAX_STRING` (object keys: `JSON_MAX_KEY`), more than `JSON_MAX_ITEMS` items
  in one array or object, numbers outside a signed 64-bit integer, NUL characters
  (PostgreSQL text cannot hold them). A body that cannot be parsed is a 400; a limit
  broken is a 422 whose `errors` name each place by its JSON path, e.g.
  `mutations[3].fields.data`.
- Entries refused alone: a schema may name a list whose entries are judged one by one
  (`REFUSE_ENTRIES_ALONE = ("mutations", ("seq", "id"))` on the push envelope). A limit
  broken inside such an entry, but not in the keys that name it, does not fail the
  request: the entry is handed to the schema as a `RefusedEntry` (the offending values
  replaced by a short description, so it can be stored for review) carrying its errors,
  and the schema rejects that entry on its own.
- Path, query and form: a NUL character there is refused (a 404 in the path, which no
  record can match; a 422 naming the parameter in the query or a form).
- Error bodies are bounded (`bound_errors`): at most so many messages, each clipped,
  and a `_truncated` entry saying how many were left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, current_app, request
from marshmallow import missing
from webargs.core import is_json
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from . import request_bodies
from .error_bodies import ENTRY_MAX_MESSAGES, KEY_MAX_CHARS, bound_errors, clip
from .errors import ApiError, error_response

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FLOAT_BOUND = float(2**63)  # -9223372036854775809 parses as -2.0**63: refused with the rest
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


# ---------------------------------------------------------------- body size


def body_limit(config_key: str) -> Callable:
    """Let a view take bodies up to app.config[config_key] bytes instead of MAX_CONTENT_LENGTH."""

    def mark(view):
        view.body_limit_key = config_key
        return view

    return mark


def _too_large(limit: int | None, length: int | None = None):
    told = f" (this one: {length} bytes)" if length else ""
    return error_response(
        413,
        f"Request body too large: at most {limit} bytes{told}. Send less per request "
        "(a push: fewer mutations per batch).",
        {"body": [f"Longer than {limit} bytes."]},
    )


# ---------------------------------------------------------------- JSON


class LimitError(Exception):
    """A JSON body that breaks a limit: (path, message) pairs."""

    def __init__(self, status: int, message: str, errors: dict):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


_DROP = object()  # the stand-in of a key that breaks a limit: the key is left out


class RefusedEntry(dict):
    """An entry of a list judged one by one that broke a limit: `refused` says where and how."""

    refused: dict[str, list[str]]


def _limits() -> tuple[int, int, int, int]:
    cfg = current_app.config
    return cfg["JSON_MAX_DEPTH"], cfg["JSON_MAX_STRING"], cfg["JSON_MAX_KEY"], cfg["JSON_MAX_ITEMS"]


def json_path(parts: tuple) -> str:
    """('mutations', 3, 'fields', 'data') -> 'mutations[3].fields.data'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            if len(part) > 40 or not part.isprintable():
                part = repr(part[:40]) + ("…" if len(part) > 40 else "")
            out += f".{part}" if out else part
    return out or "(body)"


def _describe_string(value: str) -> str:
    safe = value[:200].replace("\x00", "\ufffd")
    return safe + (f"… [refused: {len(value)} characters]" if len(value) > 200 else "")


def find_violations(doc: Any, limits: tuple[int, int, int, int]) -> list[tuple[tuple, str, Any]]:
    """Every place in a parsed JSON document that breaks a limit: (path, message, stand-in value).

    The stand-in is what a refused entry keeps instead of the value, so it can be stored.
    Iterative, so no document depth can exhaust the Python stack.
    """
    max_depth, max_string, max_key, max_items = limits
    found: list[tuple[tuple, str, Any]] = []
    stack: list[tuple[Any, tuple, int]] = [(doc, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if len(value) > max_string:
                found.append((path, f"Longer than {max_string} characters.", _describe_string(value)))
            elif "\x00" in value:
                found.append((path, "Must not contain NUL characters (\\u0000).", value.replace("\x00", "\ufffd")))
        elif kind is int:
            if not INT64_MIN <= value <= INT64_MAX:
                found.append((path, "Number out of range (a signed 64-bit integer).", str(value)))
        elif kind is float:  # orjson reads integers beyond 64 bits as floats
            if not -FLOAT_BOUND < value < FLOAT_BOUND:
                found.append((path, "Number out of range (a signed 64-bit integer).", repr(value)))
        elif kind is dict or kind is list:
            if len(value) > max_items:
                found.append((path, f"More than {max_items} items.", f"[refused: {len(value)} items]"))
            elif depth > max_depth:
                found.append((path, f"Nested more than {max_depth} levels deep.", "[refused: nested too deeply]"))
            else:
                # Leaves within the limits (nearly all) are passed over here, without a
                # path or a trip through the stack: a push of 100 entries walks in ~0.3 ms.
                for key, item in value.items() if kind is dict else enumerate(value):
                    if kind is dict and (len(key) > max_key or "\x00" in key):
                        problem = "NUL characters (\\u0000)" if "\x00" in key else f"more than {max_key} characters"
                        found.append((path + (key,), f"This key has {problem}.", _DROP))
                        continue
                    item_kind = type(item)
                    if item_kind is str:
                        if len(item) <= max_string and "\x00" not in item:
                            continue
                    elif item_kind is int:
                        if INT64_MIN <= item <= INT64_MAX:
                            continue
                    elif item_kind is not float and item_kind is not dict and item_kind is not list:
                        continue  # None, true, false
                    stack.append((item, path + (key,), depth + 1))
    found.reverse()  # roughly document order (the stack visits the last key first)
    return found


def _stand_in(node: Any, rel_path: tuple, value: Any) -> Any:
    """A copy of `node` with the value at rel_path (not empty) replaced, or dropped (copies only along the path)."""
    head, rest = rel_path[0], rel_path[1:]
    copy = list(node) if isinstance(node, list) else dict(node)
    if rest:
        copy[head] = _stand_in(node[head], rest, value)
    elif value is _DROP:
        del copy[head]
    else:
        copy[head] = value
    return copy


def _isolate(doc: Any, found: list, rule: tuple[str, tuple[str, ...]]) -> list:
    """Turn violations inside entries of doc[name] into RefusedEntry objects; return the rest."""
    name, naming_keys = rule
    entries = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return found
    whole, per_entry = [], {}
    for path, message, stand_in in found:
        if (
            len(path) >= 3
            and path[0] == name
            and isinstance(path[1], int)
            and isinstance(entries[path[1]], dict)
            and path[2] not in naming_keys
        ):
            per_entry.setdefault(path[1], []).append((path, message, stand_in))
        else:
            whole.append((path, message, stand_in))
    for index, problems in per_entry.items():
        entry: Any = entries[index]
        refused: dict[str, list[str]] = {}
        for path, message, stand_in in problems:
            entry = _stand_in(entry, path[2:], stand_in)
            refused.setdefault(json_path(path[2:]), []).append(f"{message} ({json_path(path)})")
        refused_entry = RefusedEntry(entry)
        refused_entry.refused = bound_errors(refused, ENTRY_MAX_MESSAGES)
        entries[index] = refused_entry
    return whole


def parse_json(raw: bytes) -> Any:
    """Parse and check a JSON body; raises LimitError (400 unparseable, 422 limits)."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)  # e.g. "unexpected character: line 1 column 2 (char 1)"
        message = "Invalid JSON body: nested too deeply." if "depth limit" in reason else "Invalid JSON body."
        raise LimitError(400, message, {"_schema": [f"Invalid JSON body: {reason}"]}) from None
    return doc


def checked(doc: Any, rule: tuple | None = None) -> Any:
    """`doc` if it keeps every limit; entries of `rule`'s list refused alone; else LimitError(422)."""
    found = find_violations(doc, _limits())
    if found and rule:
        found = _isolate(doc, found, rule)
    if found:
        errors: dict[str, list[str]] = {}
        for path, message, _ in found:
            errors.setdefault(json_path(path), []).append(message)
        first = next(iter(errors))
        raise LimitError(422, f"The JSON body breaks a limit at {first}: {errors[first][0]}", errors)
    return doc


def load_json(req, schema) -> Any:
    """webargs' loader for the `json` location: the body parsed once, and checked."""
    if not is_json(req.mimetype):
        return missing
    raw = req.get_data(cache=True)
    if not raw:
        return missing
    limit = req.max_content_length
    if req.content_length is None and limit is not None and len(raw) >= limit:
        # A streamed body (no Content-Length) is read only up to the limit, and cut there
        # without a word (werkzeug's LimitedStream): reaching it means there was more.
        raise RequestEntityTooLarge()
    rule = getattr(schema, "REFUSE_ENTRIES_ALONE", None)
    try:
        return checked(parse_json(raw), rule)
    except LimitError as exc:
        raise ApiError(exc.status, exc.message, exc.errors) from None


# ---------------------------------------------------------------- the request hook


def _nul_in(values) -> str | None:
    for key, value in values:
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            return key
    return None


def init_app(app: Flask) -> None:
    """Size limits per request, NUL checks on path, query and form, and the JSON loader."""
    from flask_smorest.arguments import ArgumentsMixin

    # webargs keeps its location loaders in one table for all its parsers: this is the
    # JSON loader of every flask-smorest view (and of any other webargs parser).
    ArgumentsMixin.ARGUMENTS_PARSER.location_loader("json")(load_json)

    @app.errorhandler(RequestEntityTooLarge)
    def _streamed_too_large(exc):
        return _too_large(request.max_content_length)

    def _limits_first():
        problem = request.environ.get(request_bodies.PROBLEM)
        if problem is not None:  # a compressed body that could not be inflated (request_bodies.py)
            status, message = problem
            return error_response(status, message, {"body": [message]})
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "body_limit_key", None)
        if key:
            request.max_content_length = app.config[key]
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            return _too_large(limit, request.content_length)
        if request.view_args and _nul_in(request.view_args.items()):
            # Raised, not answered here: the office blueprint answers with its own 404 page.
            raise NotFound("Nothing here: the path holds a NUL character.")
        where = _nul_in(request.args.items(multi=True))
        if where is not None:
            return error_response(
                422,
                f"Invalid input in: {clip(where, 40)!r} (a query parameter holds a NUL character).",
                {clip(where, KEY_MAX_CHARS): ["Must not contain NUL characters."]},
            )
        if request.mimetype in FORM_TYPES:
            where = _nul_in(request.form.items(multi=True))
            if where is not None:
                return error_response(
                    422,
                    f"Invalid input in: {clip(where, 40)!r} (a form field holds a NUL character).",
                    {clip(where, KEY_MAX_CHARS): ["Must not contain NUL characters."]},
                )
        return None

    # First of all before-request functions: nothing may read the body before its limit is set.
    app.before_request_funcs.setdefault(None, []).insert(0, _limits_first)
    app.wsgi_app = request_bodies.InflateRequests(app.wsgi_app, lambda: app.config["MAX_CONTENT_LENGTH"])
