"""JSON responses (server/json_provider.py): orjson's speed, Flask's output."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from server.json_provider import OrjsonProvider


@dataclass
class Point:
    x: int
    label: str


VALUE = {
    "zeta": [1, 2.5, None, True],
    "alpha": "师傅 “quoted” \\ \n",
    "when": datetime(2026, 11, 26, 21, 5, 9, tzinfo=UTC),
    "day": date(2026, 2, 28),
    "money": Decimal("180.05"),
    "id": uuid.UUID("6f1c5c1e-3b8e-4a43-9d4e-1f0c2a7c8b11"),
    "point": Point(3, "东"),
    "nested": {"b": {}, "a": []},
    "counts": {7: "an int key", 12: "another"},
}


def _apps():
    fast, plain = Flask("fast"), Flask("plain")
    fast.json = OrjsonProvider(fast)
    return fast, plain


def test_a_response_says_what_flasks_own_would_say_sorted_and_compact():
    fast, plain = _apps()
    with fast.app_context():
        ours = fast.json.response(VALUE)
    with plain.app_context():
        theirs = plain.json.response(VALUE)
    body, expected = ours.get_data(), json.loads(theirs.get_data())
    assert json.loads(body) == expected  # dates as HTTP dates, Decimal/UUID as text, ...
    assert ours.mimetype == "application/json"
    # Byte for byte: sorted keys, compact, a newline; text as UTF-8, not \u escapes (the same JSON).
    assert body == (json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def test_dumps_with_options_and_debug_mode_fall_back_to_the_standard_library():
    fast, _ = _apps()
    with fast.app_context():
        assert fast.json.dumps({"b": 1, "a": 2}, indent=2) == DefaultJSONProvider(fast).dumps(
            {"b": 1, "a": 2}, indent=2
        )
        fast.debug = True
        assert b'\n  "a": 2' in fast.json.response({"b": 1, "a": 2}).get_data()


def test_the_app_answers_with_it():
    from server import create_app

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert isinstance(app.json, OrjsonProvider)
