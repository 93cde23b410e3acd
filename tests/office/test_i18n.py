"""Both catalogues say the same things, and every word a template asks for is in them."""
from __future__ import annotations

import re
from pathlib import Path

from server.office import i18n

TEMPLATES = Path(__file__).resolve().parents[2] / "pwa" / "templates" / "office"
LITERAL_KEY = re.compile(r"""\bt\(\s*'([a-z0-9_]+)'\s*[,)]""")


def test_chinese_and_english_catalogues_have_the_same_keys():
    assert set(i18n.ZH) == set(i18n.EN)
    assert all(i18n.ZH[k].strip() and i18n.EN[k].strip() for k in i18n.ZH)


def test_every_literal_key_in_the_templates_exists():
    used = {key for path in TEMPLATES.glob("*.html") for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert used, "no t('...') found: the pattern is wrong"
    assert sorted(used - set(i18n.ZH)) == []


def test_built_keys_exist_for_every_value_they_are_built_from():
    from server.reports.followups import OUTCOMES
    from server.reports.reconciliation import FLAGS

    built = [f"flag_{f}" for f in FLAGS] + [f"outcome_{o}" for o in OUTCOMES]
    built += [f"kind_{k}" for k in ("not_fixed", "satisfaction", "recovery")]
    built += [f"reason_{r}" for r in ("not_fixed", "flagged", "completed", "low_rating", "complaint", "still_dissatisfied")]
    built += [f"state_{s}" for s in ("ok", "near", "breached")] + [f"clock_{c}" for c in ("response", "resolution")]
    built += [f"event_{e}" for e in ("reassigned", "rescheduled")] + [f"send_{c}" for c in ("sms", "wechat", "email")]
    assert [k for k in built if k not in i18n.ZH] == []


def test_enumerations_are_labelled_in_both_languages():
    assert i18n.label("status", "awaiting_parts", "zh-CN") == "待配件"
    assert i18n.label("status", "awaiting_parts", "en") == "Awaiting parts"
    assert i18n.label("channel", "wechat", "zh-CN") == "微信"


def test_plan_follow_ups_command(app, world):
    result = app.test_cli_runner().invoke(args=["office", "plan-follow-ups"])
    assert result.exit_code == 0 and "Planned 0 new follow-up call(s)." in result.output
