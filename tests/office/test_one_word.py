"""One word for one thing: the phone, the office pages and the service-report PDF agree, in both languages.

The phone's words are read from its real catalogues (zh-CN.js / en.js with the generated
glossary.js spread in), the office's from rendered pages, the PDF's with pdftotext.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.domain.glossary import GLOSSARY, PWA_PREFIXES
from server.i18n import label
from server.models import WorkOrder

from .test_pages import signed_in
from .test_service_report import needs_pdftotext, signed_visit  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY_JS = ROOT / "pwa" / "static" / "js" / "i18n" / "glossary.js"
LANGS = ("zh-CN", "en")
# Words the three surfaces used to disagree on: the glossary chose the other one.
NOT_OURS = {
    "zh-CN": ("顾客", "备件", "拆下件", "装上件", "上门中", "等待备件"),
    "en": ("Serial fitted", "Serial removed"),
}
# Nouns each surface must print with the glossary's word.
SHARED = ("customer", "technician", "ticket_no", "part", "serial_fitted", "serial_removed", "fault_description")


def generated_glossary() -> dict[str, dict[str, str]]:
    """The generated PWA glossary, parsed from the file the phone loads."""
    found = dict(re.findall(r"export const (\w+) = (\{.*?\});", GLOSSARY_JS.read_text(encoding="utf-8"), re.S))
    return {"zh-CN": json.loads(found["zh"]), "en": json.loads(found["en"])}


@pytest.fixture(scope="module")
def phone() -> dict[str, dict[str, str]]:
    """The phone's full catalogues, as the app imports them."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = (
        "Promise.all([import('./pwa/static/js/i18n/zh-CN.js'), import('./pwa/static/js/i18n/en.js')])"
        ".then(([zh, en]) => console.log(JSON.stringify({'zh-CN': zh.default, en: en.default})))"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


def test_the_phone_takes_every_glossary_word_from_the_glossary(app, phone):
    generated = generated_glossary()
    with app.test_request_context():
        for lang in LANGS:
            for group, prefix in PWA_PREFIXES.items():
                for value in GLOSSARY[group]:
                    key = f"{prefix}{value}"
                    assert generated[lang][key] == label(group, value, lang), (lang, key)
                    assert phone[lang][key] == generated[lang][key], f"{lang}: {key} is redefined by hand"
    for lang in LANGS:
        texts = " ".join(phone[lang].values())
        assert [w for w in NOT_OURS[lang] if w in texts] == []
    assert phone["zh-CN"]["status_new"] == "待派工" and phone["zh-CN"]["status_on_site"] == "在现场"
    assert phone["zh-CN"]["customer"] == "客户" and phone["zh-CN"]["part"] == "配件"


@pytest.mark.parametrize("lang", LANGS)
def test_office_pages_use_the_phones_words(app, people, world, signed_visit, phone, lang):
    office = signed_in(app, people)
    office.get(f"/office/lang/{lang}")
    words = phone[lang]
    page = office.get(f"/office/work-orders/{signed_visit.id}").get_data(as_text=True)
    board = office.get("/office/board").get_data(as_text=True)
    for noun in SHARED:
        assert words[noun] in page + board, (lang, noun)
    assert words[f"outcome_{signed_visit.outcome}"] in page
    for wo in WorkOrder.query.all():
        html = office.get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
        assert words[f"status_{wo.status}"] in html, (lang, wo.status)
        assert words[f"priority_{wo.priority}"] in html and words[f"type_{wo.type}"] in html
        assert [w for w in NOT_OURS[lang] if w in html] == [], wo.ticket_no
    assert [w for w in NOT_OURS[lang] if w in board] == []


@needs_pdftotext
@pytest.mark.parametrize("lang", LANGS)
def test_the_service_report_uses_the_phones_words(app, client_for, signed_visit, phone, tmp_path, lang):
    response = client_for("dispatcher").get(f"/api/office/work-orders/{signed_visit.id}/service-report.pdf?lang={lang}")
    assert response.status_code == 200
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text) if lang == "zh-CN" else re.sub(r"\s+", " ", text)
    words = phone[lang]
    squash = (lambda s: re.sub(r"\s+", "", s)) if lang == "zh-CN" else (lambda s: s)
    for noun in (*SHARED, "rating_quality", "rating_attitude", "fault_cause", "repair_method"):
        assert squash(words[noun]) in flat, (lang, noun)
    assert squash(words[f"outcome_{signed_visit.outcome}"]) in flat
    assert [w for w in NOT_OURS[lang] if w in flat] == []
