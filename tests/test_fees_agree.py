"""The phone prices a quote exactly as the server does: pwa/static/js/fees.js against server/domain/fees.py.

Like the signed summary's hash (tests/test_js_units.py), the quote's canonical JSON must be the
same bytes on both sides, and a quote the server cannot price must fail on the phone with the
same reason, or the phone would show the customer a figure the server then refuses.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.fees import Adjustment, FeeError, PartIn, QuoteIn, Schedule, canonical_quote, compute_quote
from tests.test_js_units import NODE, ROOT, TRICKY, needs_node

PART_NUMBERS = ["P-100", "P-200", "压缩机-3", "__proto__", "constructor", ""]
cents = st.integers(0, 10**6)
money = cents.map(lambda c: f"{c // 100}.{c % 100:02d}")
# Amounts as people type them too: three decimals (rounded half up), negative, zero.
odd_money = st.one_of(money, st.sampled_from(["0.005", "1.005", "0.004", "-5.00", "0", "0.00", "12.345", "99999.995"]))
reason = st.one_of(
    st.sampled_from([*TRICKY, " ", "\u3000", "\x1c", "\x85", "\ufeff", "  客户是老顾客  ", "\tbad pump\n"]),
    st.text(max_size=12),
)

schedule = st.fixed_dictionaries(
    {
        "revision": st.integers(0, 50),
        "call_out": odd_money,
        "labour_per_hour": odd_money,
        "parts": st.dictionaries(st.sampled_from(PART_NUMBERS[:-1]), st.tuples(odd_money, odd_money), max_size=4),
    }
)
part = st.fixed_dictionaries(
    {
        "part_number": st.sampled_from(PART_NUMBERS),
        "quantity": st.one_of(st.integers(1, 5), st.sampled_from([0, 100, 101, -1])),
        "trade_in": st.booleans(),
        "covered": st.booleans(),
    }
)
adjustment = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["waiver", "waiver", "discount", "discount", "gift"]),
        "reason": reason,
        "line": st.sampled_from(["call_out", "labour", None, "part"]),
        "amount": st.one_of(st.none(), odd_money),
    }
)
quote = st.fixed_dictionaries(
    {
        "covered": st.booleans(),
        "work_minutes": st.one_of(st.integers(0, 1440), st.sampled_from([-5, 1, 14, 15, 16, 59, 61])),
        "parts": st.lists(part, max_size=4),
        "adjustments": st.lists(adjustment, max_size=3),
    }
)


def _server(case: dict) -> dict:
    s, q = case["schedule"], case["quote"]
    sched = Schedule(
        revision=s["revision"],
        call_out=Decimal(s["call_out"]),
        labour_per_hour=Decimal(s["labour_per_hour"]),
        parts={k: (Decimal(a), Decimal(b)) for k, (a, b) in s["parts"].items()},
    )
    quote_in = QuoteIn(
        covered=q["covered"],
        work_minutes=q["work_minutes"],
        parts=tuple(PartIn(**p) for p in q["parts"]),
        adjustments=tuple(
            Adjustment(
                kind=a["kind"],
                reason=a["reason"],
                line=a["line"],
                amount=None if a["amount"] is None else Decimal(a["amount"]),
            )
            for a in q["adjustments"]
        ),
    )
    try:
        return {"json": canonical_quote(compute_quote(sched, quote_in))}
    except FeeError as err:
        return {"error": err.code, "params": err.params}


def _phone(cases: list[dict]) -> list[dict]:
    lines = "\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    run = subprocess.run(
        [NODE, "tests/js/fees_cli.mjs"],
        cwd=ROOT,
        input=lines,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    return json.loads(run.stdout)


@needs_node
@settings(max_examples=5, deadline=None)
@given(st.lists(st.fixed_dictionaries({"schedule": schedule, "quote": quote}), min_size=60, max_size=60))
def test_phone_and_server_price_every_quote_alike(cases):
    """Same bytes for every quote, or the same refusal with the same params (node starts once per batch)."""
    phone = _phone(cases)
    for case, js in zip(cases, phone, strict=True):
        server = _server(case)
        assert js == server, case
        if "json" in server:
            assert js["json"].encode() == server["json"].encode()


@needs_node
def test_known_quotes_agree():
    """Fixed cases a reader can check by hand: labour by started quarter hour, trade-in, waiver, discount."""
    sched = {"revision": 3, "call_out": "50.00", "labour_per_hour": "80.00", "parts": {"P-1": ("280.00", "30.00")}}
    cases = [
        {"schedule": sched, "quote": {"covered": False, "work_minutes": 50, "parts": [
            {"part_number": "P-1", "quantity": 1, "trade_in": True, "covered": False}],
            "adjustments": [{"kind": "waiver", "reason": "老顾客", "line": "call_out", "amount": None},
                            {"kind": "discount", "reason": "促销", "line": None, "amount": "10.00"}]}},
        {"schedule": sched, "quote": {"covered": False, "work_minutes": 0, "parts": [],
            "adjustments": [{"kind": "discount", "reason": "x", "line": None, "amount": "50.01"}]}},
    ]  # fmt: skip
    phone = _phone(cases)
    assert [_server(c) for c in cases] == phone
    first = json.loads(phone[0]["json"])
    # 50 min = 4 started quarter hours = 80.00; 280 - 30 trade-in; call-out waived; 10 off
    assert first["total"] == "320.00"
    assert [line["kind"] for line in first["lines"]] == ["call_out", "labour", "part", "trade_in", "waiver", "discount"]
    assert phone[1] == {"error": "fees.bad_discount", "params": {"amount": "50.01", "left": "50.00"}}
