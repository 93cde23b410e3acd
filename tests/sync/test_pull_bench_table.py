"""The sync benchmark's table compares the pull with Kinto as well as pouchdb-server (issue #17),
and a baseline that did not run (Kinto offline, say) leaves no line of its own (bench/sync_bench.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "sync_bench.py"


@pytest.fixture(scope="module")
def sync_bench():
    spec = importlib.util.spec_from_file_location("sync_bench_table", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_pull_and_push_are_compared_with_kinto_against_their_targets(sync_bench):
    figures = {
        "postgres": {"push_1": 3000.0, "push_8": 6000.0, "pull": 30000.0, "idle_pull": 3000.0},
        "pouchdb": {"push_1": 7000.0, "push_8": 7000.0, "pull": 10000.0, "idle_pull": 1000.0},
        "kinto": {"push_1": 150.0, "push_8": 800.0, "pull": 25000.0, "idle_pull": 100.0},
        "hello": {"idle_pull": 4000.0},
    }
    found = sync_bench.ratios(figures)
    by_base = {r["baseline"]: r for r in found["pull"]}
    assert by_base["kinto"]["ratio"] == pytest.approx(1.2) and by_base["kinto"]["met"]
    assert {r["baseline"]: r["met"] for r in found["push_8"]} == {"pouchdb-server": False, "kinto": False}
    lines = sync_bench.table(figures, found).splitlines()
    assert "kinto" in lines[0]
    assert any("1.20× kinto" in line and "≥ 1.0×: met" in line for line in lines)
    assert any("20.00× kinto" in line and "≥ 10.0×: met" in line for line in lines)  # push, 1 device
    assert any("7.50× kinto" in line and "≥ 10.0×: MISSED" in line for line in lines)  # push, 8 devices


def test_a_baseline_that_did_not_run_has_no_line(sync_bench):
    figures = {"postgres": {"pull": 30000.0}, "pouchdb": {"pull": 10000.0}}
    lines = sync_bench.table(figures, sync_bench.ratios(figures)).splitlines()
    pull = [line for line in lines if "3.00× pouchdb-server" in line]
    assert len(pull) == 1
    assert not any("kinto" in line for line in lines[2:])
