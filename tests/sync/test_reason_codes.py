"""Sync rejections carry a stable code and params, and the phone can word every code.

Every code the sync engine can raise (server/domain/sync_reasons.py, and each one raised in the
sync package is listed there) has `reason.<code>` in both phone catalogues with the
placeholders its params fill, and a translation in the server's catalogue.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server import i18n_tools
from server.domain import lifecycle
from server.sync.apply import FROM_SERVICE
from server.sync.reasons import REASONS, MutationRejected

from .device import SimDevice

ROOT = Path(__file__).resolve().parents[2]
PARAM = re.compile(r"%\((\w+)\)s")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def raised_codes() -> set[str]:
    """The codes the sync package raises, read from its source."""
    codes = set()
    for path in (ROOT / "server" / "sync").glob("*.py"):
        codes |= set(re.findall(r'MutationRejected\(\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")))
    # a refused status move is rejected as sync.<the lifecycle's code without its prefix>
    source = (ROOT / "server" / "domain" / "lifecycle.py").read_text(encoding="utf-8")
    codes |= {"sync." + code.split(".", 1)[1] for code in re.findall(r'TransitionError\(\s*"([a-z_.]+)"', source)}
    # the work-order service's refusals, as the push words them
    codes |= set(FROM_SERVICE.values())
    return codes


@pytest.fixture(scope="module")
def phone() -> dict[str, dict[str, str]]:
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


def test_every_code_the_sync_engine_raises_is_listed():
    raised = raised_codes()
    assert len(raised) > 15, "the scan found too little"
    assert raised - set(REASONS) == set()
    assert set(REASONS) - raised == set(), "a listed code nothing raises: remove it"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_code_has_a_phone_translation_with_its_placeholders(phone, lang):
    catalogue = phone[lang]
    for code, msgid in REASONS.items():
        key = f"reason.{code}"
        assert key in catalogue, f"{key} missing from pwa/static/js/i18n/{lang}.js"
        assert set(PLACEHOLDER.findall(catalogue[key])) == set(PARAM.findall(msgid)), key
    unknown = {k for k in catalogue if k.startswith("reason.")} - {f"reason.{c}" for c in REASONS}
    assert unknown == set(), "phone words for codes the server never sends"


def test_every_reason_is_translated_in_the_server_catalogue():
    translated = {m.id: m.string for m in i18n_tools.catalogue("zh_Hans_CN") if m.id and m.string and not m.fuzzy}
    for msgid in REASONS.values():
        assert msgid in translated
        assert set(PARAM.findall(translated[msgid])) == set(PARAM.findall(msgid)), msgid


def test_a_lifecycle_refusal_keeps_its_params():
    with pytest.raises(lifecycle.TransitionError) as caught:
        lifecycle.check_transition("closed", "on_site", "technician")
    exc = MutationRejected("sync." + caught.value.code.split(".", 1)[1], caught.value.params)
    assert exc.code == "sync.status_not_allowed"
    assert exc.text() == "Not applied: " + str(caught.value)


def test_a_rejected_entry_carries_code_params_message_and_errors(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"]
    bad = phone.mutation(
        "part_fitted",
        {"work_order_id": wo.id, "part_number": "NOPE-1", "quantity": 1, "unit_price": "1.00", "under_warranty": False},
    )
    update = phone.mutation(
        "checklist_answer",
        {"work_order_id": wo.id, "step": "kit_tools", "value": "yes"},
        op="update",
        entity_id=bad["entity_id"],
    )
    results = phone.push([bad, update]).get_json()["results"]
    first, second = (r["error"] for r in results)
    assert first == {
        "code": "sync.unknown_part",
        "params": {"part_number": "NOPE-1"},
        "message": "Part number NOPE-1 is not in the catalogue.",
        "errors": {"fields": {"part_number": ["Unknown part number."]}},
    }
    assert second["code"] == "sync.append_only" and second["params"] == {"entity": "checklist_answer"}
    # the review list shows the same error, and a replay answers it again unchanged
    listed = {r["id"]: r["error"] for r in client_for("dispatcher").get("/api/sync/rejected").get_json()}
    assert listed[bad["id"]] == first
    again = phone.push([bad, update]).get_json()["results"]
    assert [r["error"] for r in again] == [first, second]


def test_a_malformed_entry_and_a_reused_seq_have_codes(client_for, world):
    phone = SimDevice(client_for("tech1"))
    broken = phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes"})
    broken["entity_id"] = "not-a-uuid"
    result = phone.push([broken]).get_json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.malformed"
    reused = phone.mutation(
        "checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_gloves", "value": "yes"}
    )
    reused["seq"] = broken["seq"]
    replay = phone.push([reused]).get_json()["results"][0]
    assert replay["error"]["code"] == "sync.seq_used_by" and replay["error"]["params"] == {
        "seq": broken["seq"],
        "by": broken["id"],
    }
