"""SECURITY.md names the tests that prove each defence: those names must stay true (issue #12)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
CITED = re.compile(r"(tests/[\w/.]+?)(?:::(\w+))?(?=[\s,\]\)`:]|$)")
JS_TITLE = re.compile(r"(tests/js/[\w.]+\.mjs) \(\"([^\"]+)\"\)")


def test_every_file_and_test_that_security_md_cites_exists():
    cited = CITED.findall(TEXT)
    assert len(cited) > 40
    missing = []
    for path, name in cited:
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\(", target.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_js_test_title_that_security_md_cites_exists():
    cited = JS_TITLE.findall(TEXT)
    assert cited
    for path, title in cited:
        assert f'test("{title}"' in (ROOT / path).read_text(encoding="utf-8"), (path, title)


def test_every_finding_of_issue_12_has_its_row_and_tests():
    rows = re.findall(r"^\| (\d) \| .+? \| .+? \| (.+) \|$", TEXT, re.M)
    assert {int(n) for n, _ in rows} == set(range(1, 10))
    assert all("tests/" in tests for _, tests in rows)
