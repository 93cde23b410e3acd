"""The gettext catalogue translates every msgid in the code, and the glossary labels every value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server import i18n as languages
from server import i18n_tools
from server.domain import glossary
from server.office import i18n

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "server" / "office" / "templates" / "office"


def test_every_msgid_in_the_code_is_translated_in_the_chinese_catalogue(tmp_path):
    i18n_tools.extract(tmp_path / "messages.pot")
    with open(tmp_path / "messages.pot", "rb") as fh:
        extracted = {(m.context, m.id) for m in read_po(fh) if m.id}
    assert len(extracted) > 300, "extraction found too little: babel.cfg or the keywords are wrong"
    catalogue = i18n_tools.catalogue("zh_Hans_CN")
    translated = {(m.context, m.id) for m in catalogue if m.id and m.string and not m.fuzzy}
    assert sorted(extracted - translated, key=str) == []
    assert i18n_tools.problems("zh_Hans_CN") == []  # no untranslated or fuzzy entry at all


def test_every_glossary_term_is_in_the_catalogue():
    catalogue = i18n_tools.catalogue("zh_Hans_CN")
    missing = [
        term
        for group in glossary.GLOSSARY.values()
        for term in group.values()
        if not (catalogue.get(term.msgid, context=term.context) or None)
    ]
    assert missing == []


def test_templates_use_gettext_not_the_old_catalogue_keys():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bt\(|\blabel\(", text), f"{path.name} still calls t() or label()"


def test_the_glossary_covers_every_value_of_the_enumerations():
    from server.reports.followups import OUTCOMES
    from server.reports.reconciliation import FLAGS
    from server.sync.schemas import VISIT_EVENT_KINDS, WorkOrderChange

    def covered(group, values):
        return [v for v in values if v not in glossary.GLOSSARY[group]]

    assert covered("event", VISIT_EVENT_KINDS) == []
    assert covered("recon_flag", FLAGS) == []
    assert covered("followup_outcome", OUTCOMES) == []
    assert covered("conflict_field", WorkOrderChange().fields) == []
    assert (
        covered(
            "conflict_rule", ["last_arrival_wins", "text_merged", "lifecycle_kept_server", "lifecycle_move_applied"]
        )
        == []
    )
    assert covered("conflict_action", ["keep", "apply_other"]) == []  # ConflictSettleIn.action


def test_merge_rules_in_the_code_are_all_in_the_glossary():
    source = (ROOT / "server" / "domain" / "merge.py").read_text(encoding="utf-8")
    rules = set(re.findall(r'FieldConflict\(\s*[^,]+,\s*"([a-z_]+)"', source))
    assert rules and rules <= set(glossary.GLOSSARY["conflict_rule"])


def test_enumerations_are_labelled_in_both_languages(app):
    with app.test_request_context():
        assert languages.label("status", "awaiting_parts", "zh-CN") == "待配件"
        assert languages.label("status", "awaiting_parts", "en") == "Awaiting parts"
        assert languages.label("channel", "wechat", "zh-CN") == "微信"
        assert languages.label("conflict_rule", "last_arrival_wins", "zh-CN") == "以最后到达的为准"
        assert languages.label("status", "no_such_value", "zh-CN") == "no_such_value"
        assert languages.word("customer", "zh-CN") == "客户"


@pytest.mark.parametrize(
    "message, zh",
    [
        ("Missing data for required field.", "必填。"),
        ("Must be one of: phone, chat.", "请从列表中选择。"),
        ("Something nobody translated.", "Something nobody translated."),
    ],
)
def test_server_messages_are_translated_by_one_function(app, message, zh):
    with app.test_request_context():
        assert i18n.error_text(message, "zh-CN") == zh
        assert i18n.error_text(message, "en") == message


def test_locale_selection_keeps_the_switch_then_the_user_then_chinese(app):
    client = app.test_client()
    assert "登录" in client.get("/office/login").get_data(as_text=True)
    client.get("/office/lang/en")
    assert "Sign in" in client.get("/office/login").get_data(as_text=True)


def test_the_pwa_glossary_is_generated_from_the_current_catalogue():
    assert i18n_tools.PWA_GLOSSARY.read_text(encoding="utf-8") == i18n_tools.pwa_glossary_source(), (
        "run: python -m server.i18n_tools export-pwa"
    )


def test_plan_follow_ups_command(app, world):
    result = app.test_cli_runner().invoke(args=["office", "plan-follow-ups"])
    assert result.exit_code == 0 and "Planned 0 new follow-up call(s)." in result.output


def test_a_domain_error_becomes_form_errors_by_its_msgids_in_the_pages_language(app):
    from flask_babel import force_locale

    from server.domain.errors import M_, Conflict
    from server.office.forms import form_errors

    with_fields = Conflict(
        "assign.not_now",
        M_("Work order is %(status)s; it cannot change hands now."),
        {"status": "on_site"},
        {"technician_id": [M_("Not while the work order is %(status)s.")]},
    )
    without = Conflict(
        "conflict.already_settled",
        M_("Already settled by %(name)s at %(time)s: %(note)s"),
        {"name": "张丽", "time": "2026-11-30 14:02", "note": "已核对"},
    )
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert form_errors(with_fields) == {"technician_id": ["服务单状态为“在现场”时不可以。"]}
            assert form_errors(without) == {"_schema": ["已由张丽于2026-11-30 14:02处理：已核对"]}
    with app.test_request_context():
        from flask import session

        session["office_lang"] = "en"
        with force_locale("en"):
            assert form_errors(with_fields) == {"technician_id": ["Not while the work order is On site."]}
            assert form_errors(without) == {"_schema": ["Already settled by 张丽 at 2026-11-30 14:02: 已核对"]}
