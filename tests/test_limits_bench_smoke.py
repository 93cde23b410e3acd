"""The limits benchmark's cases get the answers bench/README.md reports (bench/limits_bench.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "limits_bench.py"


def test_each_benchmark_case_is_answered_as_reported(client_for, world):
    spec = importlib.util.spec_from_file_location("limits_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    phone = client_for("tech1")
    expected = [413, 400, 422, 422, 200, 200]
    for (name, method, path, _, body), status in zip(module.cases(world["wo1"].id), expected, strict=True):
        response = phone.client.open(
            path, method=method, data=body, headers={"Content-Type": "application/json", "X-CSRFToken": phone._token()}
        )
        assert response.status_code == status, (name, response.data[:300])
        assert len(response.data) < 20_000, name
    results = response.get_json()["results"]
    assert {r["status"] for r in results} == {"applied"}
