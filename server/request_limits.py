"""Limits on what a request may carry, checked before any view sees it.

- Size: `MAX_CONTENT_LENGTH` (server/config.py) bounds every body; a view that takes
  larger bodies says so with `@body_limit("CONFIG_KEY")` (blob uploads: `BLOB_MAX_BYTES`).
  Too large is a 413 in the API's error body, refused before the body is read when the
  client announces its length, and after `limit` bytes when it streams.
- Error bodies are bounded (`bound_errors`): at most so many messages, each clipped,
  and a `_truncated` entry saying how many were left out.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

ERRORS_MAX_MESSAGES = 50  # in an error body
ENTRY_MAX_MESSAGES = 10  # in one rejected push entry's result
MESSAGE_MAX_CHARS = 300
KEY_MAX_CHARS = 120


# ---------------------------------------------------------------- body size


def body_limit(config_key: str) -> Callable:
    """Let a view take bodies up to app.config[config_key] bytes instead of MAX_CONTENT_LENGTH."""

    def mark(view):
        view.body_limit_key = config_key
        return view

    return mark


def _too_large(limit: int | None, length: int | None = None):
    from .errors import error_response

    told = f" (this one: {length} bytes)" if length else ""
    return error_response(
        413,
        f"Request body too large: at most {limit} bytes{told}. Send less per request "
        "(a push: fewer mutations per batch).",
        {"body": [f"Longer than {limit} bytes."]},
    )


# ---------------------------------------------------------------- error bodies


def clip(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more characters]"


def bound_errors(errors: Any, max_messages: int = ERRORS_MAX_MESSAGES) -> Any:
    """A copy of a field-errors tree with at most `max_messages` messages, each clipped.

    Says how many were left out under `_truncated`, so a client knows it sees a part.
    """
    kept = 0
    left_out = 0

    def count(node: Any, depth: int = 0) -> int:
        if isinstance(node, dict) and depth < 40:
            return sum(count(v, depth + 1) for v in node.values())
        if isinstance(node, (list, tuple)) and depth < 40:
            return sum(count(v, depth + 1) for v in node)
        return 1

    def walk(node: Any, depth: int) -> Any:
        nonlocal kept, left_out
        if depth > 40:
            left_out += 1
            return "…"
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if kept >= max_messages:
                    left_out += count(value)
                    continue
                out[key if isinstance(key, int) else clip(str(key), KEY_MAX_CHARS)] = walk(value, depth + 1)
            return out
        if isinstance(node, (list, tuple)):
            out_list = []
            for value in node:
                if kept >= max_messages:
                    left_out += count(value)
                    continue
                out_list.append(walk(value, depth + 1))
            return out_list
        kept += 1
        return clip(node) if isinstance(node, str) else node

    if not isinstance(errors, (dict, list, tuple)):
        return errors
    bounded = walk(errors, 0)
    if left_out and isinstance(bounded, dict):
        bounded["_truncated"] = [f"{left_out} more messages not shown (at most {max_messages} are)."]
    return bounded


# ---------------------------------------------------------------- the request hook


def init_app(app: Flask) -> None:
    """Size limits per request."""

    @app.errorhandler(RequestEntityTooLarge)
    def _streamed_too_large(exc):
        return _too_large(request.max_content_length)

    def _limits_first():
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "body_limit_key", None)
        if key:
            request.max_content_length = app.config[key]
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            return _too_large(limit, request.content_length)
        return None

    # First of all before-request functions: nothing may read the body before its limit is set.
    app.before_request_funcs.setdefault(None, []).insert(0, _limits_first)
