"""Compression both ways (issue #17): gzip request bodies on push, brotli/gzip responses."""

from __future__ import annotations

import gzip
import json

import brotli

from server.models import ChecklistAnswer, MutationRecord
from tests.sync.device import SimDevice


def gzipped_push(phone: SimDevice, mutations: list[dict], **headers):
    body = gzip.compress(json.dumps(phone.body(mutations)).encode())
    return phone.client.post(
        "/api/sync/push",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip", **headers},
    )


def answer(world, step="kit_tools"):
    return {"work_order_id": world["wo1"].id, "step": step, "value": "yes", "note": None}


def test_a_gzip_push_is_applied_like_a_plain_one(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    response = gzipped_push(
        phone, [phone.mutation("checklist_answer", answer(world, s)) for s in ("kit_tools", "kit_parts")]
    )
    assert response.status_code == 200, response.data[:300]
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]
    assert {a.step for a in db.session.query(ChecklistAnswer)} >= {"kit_tools", "kit_parts"}


def test_a_gzip_body_that_inflates_past_the_limit_is_refused_and_stores_nothing(app, client_for, world, db):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    phone = SimDevice(client_for("tech1"))
    note = "n" * 2000  # compresses ~100x: the body sent is small, what it inflates to is not
    fields = {**answer(world), "note": note}
    response = gzipped_push(phone, [phone.mutation("checklist_answer", fields) for _ in range(60)])
    body = response.get_json()
    assert response.status_code == 413 and "once inflated: at most 65536 bytes" in body["message"], body
    assert db.session.query(MutationRecord).count() == 0


def test_a_body_that_is_not_gzip_or_in_an_unknown_encoding_gets_a_clear_error(client_for, world):
    phone = SimDevice(client_for("tech1"))
    plain = json.dumps(phone.body([phone.mutation("checklist_answer", answer(world))])).encode()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    bad = phone.client.post("/api/sync/push", data=plain, headers=headers)
    assert bad.status_code == 400 and "not valid gzip" in bad.get_json()["message"]
    cut = phone.client.post("/api/sync/push", data=gzip.compress(plain)[:-12], headers=headers)
    assert cut.status_code == 400 and "cut short" in cut.get_json()["message"]
    br = phone.client.post("/api/sync/push", data=brotli.compress(plain), headers={**headers, "Content-Encoding": "br"})
    assert br.status_code == 415 and "send gzip" in br.get_json()["message"]


def test_a_pull_is_sent_compressed_to_a_client_that_accepts_it(client_for, world):
    client = client_for("tech1")
    plain = client.get("/api/sync/pull?limit=500")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(plain.data) > 500
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        packed = client.get("/api/sync/pull?limit=500", headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2
        assert json.loads(decode(packed.data))["changes"] == plain.get_json()["changes"]


def test_pages_and_sign_in_answers_that_carry_secrets_are_not_compressed(app, client_for):
    # BREACH: a CSRF or bearer token compressed beside text an attacker chooses leaks by size.
    browser = app.test_client()
    page = browser.get("/office/login?next=/office/board", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
    assert "Content-Encoding" not in page.headers
    session = browser.get("/api/auth/session", headers={"Accept-Encoding": "gzip, br"})
    assert "csrf_token" in session.get_json() and "Content-Encoding" not in session.headers


def test_the_app_shell_script_is_served_compressed(app):
    response = app.test_client().get("/static/js/i18n/zh-CN.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert "reason." in brotli.decompress(response.data).decode()


def test_the_barcode_readers_webassembly_is_served_compressed_and_intact(app):
    """The largest file a phone installs; its bytes must arrive unchanged or scanning breaks."""
    from pathlib import Path

    path = "/static/vendor/barcode-detector/zxing_reader.wasm"
    response = app.test_client().get(path, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    original = (Path(app.root_path).parent / "pwa" / path.removeprefix("/")).read_bytes()
    assert brotli.decompress(response.data) == original and len(response.data) < len(original) / 2
