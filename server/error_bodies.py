"""Error bodies stay small: at most so many messages, each clipped, whatever a request sent.

A bad body must never be echoed back at length (a 1 MB push once answered with 23 MB of
errors); the API's error body (server/errors.py) and a rejected push entry's result both
pass through here.
"""

from __future__ import annotations

from typing import Any

ERRORS_MAX_MESSAGES = 50  # in an error body
ENTRY_MAX_MESSAGES = 10  # in one rejected push entry's result
MESSAGE_MAX_CHARS = 300
KEY_MAX_CHARS = 120


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
