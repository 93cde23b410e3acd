"""A record that cannot be serialised never takes a page down with it (issue #12, finding 2).

What is accepted now fits its schema, but rows written before the schemas, by a bug, or
by hand can still hold what the JSON encoder refuses (nesting past its depth, an integer
past 64 bits). One such row used to make every pull of its audience, and the review
lists, answer 500 for good. Pages are encoded once as a whole (the normal case costs one
extra encode of a page); only when that fails is each item looked at:
- a pulled change keeps every field that encodes; those that do not are sent as null
  and named in the record's `unreadable` list (an added field, as sync.md allows);
- a change that still cannot be encoded is left out, and the page says so in `skipped`
  (entity, id, version);
- a review-list row keeps what encodes, with an `unreadable` marker in place of the rest.
Each is logged with the entity, id and the kind of failure; never the values.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import orjson

from ..json_provider import encode, encode_part

log = logging.getLogger(__name__)
UNREADABLE = {"unreadable": True}


def text_keys(errors: Any) -> Any:
    """Field errors with every key as text: marshmallow keys a list's errors by index (int),
    which a JSON object (and the stored result, encoded by orjson on PostgreSQL) cannot hold."""
    if isinstance(errors, dict):
        return {str(k): text_keys(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [text_keys(v) for v in errors]
    return errors


def encodes(value: Any) -> bool:
    """Would the API's JSON encoder take `value`?"""
    try:
        encode(value)
    except Exception:  # orjson.JSONEncodeError, TypeError from a fallback, RecursionError
        return False
    return True


def _failure(value: Any) -> str:
    try:
        encode(value)
    except Exception as exc:
        return type(exc).__name__
    return "none"


def isolate_changes(changes: list[dict]) -> tuple[list[dict], list[dict], orjson.Fragment | None]:
    """(changes that encode, placeholders in place of bad fields; the changes left out; all the
    changes encoded, when they encode as they are, for the answer to send without encoding again)."""
    try:
        return changes, [], encode_part(changes)
    except Exception:  # as in encodes()
        pass
    kept, skipped = [], []
    for change in changes:
        if encodes(change):
            kept.append(change)
            continue
        fields = change.get("fields")
        if isinstance(fields, dict):
            bad = sorted(str(k) for k, v in fields.items() if not encodes(v))
            candidate = {
                **change,
                "fields": {**{k: (None if str(k) in bad else v) for k, v in fields.items()}, "unreadable": bad},
            }
            if encodes(candidate):
                log.error(
                    "pull: %s %s has fields that cannot be serialised (%s); sent as unreadable: %s",
                    change.get("entity"),
                    change.get("id"),
                    _failure(change),
                    ", ".join(bad),
                )
                kept.append(candidate)
                continue
        log.error(
            "pull: %s %s cannot be serialised (%s); left out of the page",
            change.get("entity"),
            change.get("id"),
            _failure(change),
        )
        skipped.append({"entity": change.get("entity"), "id": change.get("id"), "version": change.get("version")})
    return kept, skipped, None


def isolate_rows(rows: list, dump, what: str, replace) -> list:
    """`rows` for a list answer, each one that `dump` cannot make encodable replaced by a copy
    with the attributes `replace(row)` gives (placeholders) set. `what` names the list in the log."""
    dumped = []
    for row in rows:
        try:
            data = dump(row)
        except Exception:
            data = None
        dumped.append(data)
    if all(d is not None for d in dumped) and encodes(dumped):
        return rows
    out = []
    for row, data in zip(rows, dumped, strict=True):
        if data is not None and encodes(data):
            out.append(row)
            continue
        log.error(
            "%s: row %s cannot be serialised (%s); listed with a placeholder",
            what,
            getattr(row, "id", "?"),
            "dump failed" if data is None else _failure(data),
        )
        out.append(placeholder(row, replace(row)))
    return out


def keep_if_encodes(value: Any) -> Any:
    """`value`, or the unreadable marker in its place."""
    return value if encodes(value) else UNREADABLE


def placeholder(row, replace: dict[str, Any]):
    """A read-only stand-in for `row` with some attributes replaced (the ORM row is left alone)."""
    names = [c.key for c in row.__table__.columns] if hasattr(row, "__table__") else list(vars(row))
    return SimpleNamespace(**{**{name: getattr(row, name, None) for name in names}, **replace})
