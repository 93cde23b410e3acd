"""The PWA's client logic, tested with Node's own test runner, and its summary hash against the server's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.signed_summary import canonical_json, summary_sha256

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None or not (ROOT / "node_modules" / "fake-indexeddb").exists(), reason="needs node and `npm ci`"
)


@needs_node
def test_client_modules_pass_their_node_tests():
    """outbox, sync client (fake fetch), summary hash, i18n catalogues: `node --test tests/js/`."""
    run = subprocess.run([NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    summary = [line for line in run.stdout.splitlines() if line.startswith(("# pass", "# fail"))]
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert summary and summary[-1] == "# fail 0", summary
    assert int(summary[0].split()[-1]) >= 30, summary


def _js_canonical(values: list) -> list[dict]:
    lines = "\n".join(json.dumps(v, ensure_ascii=False) for v in values)
    run = subprocess.run(
        [NODE, "tests/js/canonical_cli.mjs"],
        cwd=ROOT,
        input=lines,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    return json.loads(run.stdout)


TRICKY = [
    "",
    '张伟 "引号" \\ 反斜杠',
    "line\nbreak\ttab\r",
    "\u0000\u001f\u007f\u2028\u2029",
    "emoji 😀 𝄞",
    "/slash/",
    "é" * 3,
]
text = st.one_of(st.sampled_from(TRICKY), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
money = st.integers(0, 10**7).map(lambda c: f"{c // 100}.{c % 100:02d}")
signed_money = st.integers(1, 10**6).map(lambda c: f"-{c // 100}.{c % 100:02d}")
summary = st.fixed_dictionaries(
    {
        "v": st.just(1),
        "work_order_id": st.uuids().map(str),
        "ticket_no": text,
        "outcome": st.sampled_from([None, "fixed", "refused"]),
        "diagnoses": st.lists(
            st.fixed_dictionaries(
                {"id": st.uuids().map(str), "fault_cause": text, "repair_method": st.one_of(st.none(), text)}
            ),
            max_size=3,
        ),
        "parts": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.uuids().map(str),
                    "part_number": text,
                    "serial_fitted": st.one_of(st.none(), text),
                    "serial_removed": st.one_of(st.none(), text),
                    "quantity": st.integers(1, 100),
                    "unit_price": money,
                    "under_warranty": st.booleans(),
                }
            ),
            max_size=3,
        ),
        "fees": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.uuids().map(str),
                    "total": money,
                    "consented": st.booleans(),
                    # Lines as fees.compute_quote makes them (ref, quantity; reason on waivers and
                    # discounts; credits negative) plus the description: both sides copy every key.
                    "lines": st.lists(
                        st.fixed_dictionaries(
                            {
                                "kind": st.sampled_from(
                                    ["call_out", "labour", "part", "trade_in", "waiver", "discount"]
                                ),
                                "ref": text,
                                "quantity": st.integers(0, 1440),
                                "description": text,
                                "amount": st.one_of(money, signed_money),
                            },
                            optional={"reason": text},
                        ),
                        max_size=4,
                    ),
                }
            ),
            max_size=2,
        ),
    }
)


@needs_node
@settings(max_examples=1, deadline=None)
@given(st.lists(summary, min_size=40, max_size=40))
def test_pwa_summary_hash_equals_the_servers(summaries):
    """What the customer signs on the phone hashes to what the server recomputes, byte for byte."""
    results = _js_canonical(summaries)
    for value, js in zip(summaries, results, strict=True):
        assert js["json"].encode() == canonical_json(value)
        assert js["sha256"] == summary_sha256(value)
