"""Request size limit and bounded error bodies (issue #12, finding 1)."""

from __future__ import annotations

import hashlib

from server.models import MutationRecord
from tests.sync.device import SimDevice

PNG = b"\x89PNG\r\n\x1a\n"


def assert_error_body(response, status: int) -> dict:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert {"code", "status", "message", "errors"} <= set(body) and body["code"] == status, body
    return body


def test_an_oversized_json_body_is_refused_413_before_sign_in(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert 1024 * 1024 <= limit <= 16 * 1024 * 1024  # a few MB by default
    body = b'{"email": "a@b.c", "password": "' + b"x" * limit + b'"}'
    response = app.test_client().post("/api/auth/token", data=body, headers={"Content-Type": "application/json"})
    error = assert_error_body(response, 413)
    assert f"at most {limit} bytes" in error["message"] and error["errors"]["body"]


def test_a_push_over_the_limit_is_413_and_a_blob_keeps_its_own_limit(app, client_for, world, db):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    phone = SimDevice(client_for("tech1"))
    fields = {"work_order_id": world["wo1"].id, "step": "kit_tools", "value": "yes", "note": "n" * 1000}
    response = phone.push([phone.mutation("checklist_answer", fields) for _ in range(100)])
    assert_error_body(response, 413)
    assert db.session.query(MutationRecord).count() == 0
    photo = PNG + b"p" * (200 * 1024)  # over MAX_CONTENT_LENGTH, under BLOB_MAX_BYTES
    sha = hashlib.sha256(photo).hexdigest()
    assert phone.client.put(f"/api/blobs/{sha}", data=photo, headers={"Content-Type": "image/png"}).status_code == 201
    app.config["BLOB_MAX_BYTES"] = 100 * 1024
    bigger = photo + b"q"
    response = phone.client.put(
        f"/api/blobs/{hashlib.sha256(bigger).hexdigest()}", data=bigger, headers={"Content-Type": "image/png"}
    )
    assert_error_body(response, 413)


def test_a_push_of_many_bad_entries_gets_a_short_error_body(client_for, world):
    phone = SimDevice(client_for("tech1"))
    body = phone.body([0] * 900)  # nothing can name these entries: the whole push is refused
    response = phone.client.post("/api/sync/push", json=body)
    error = assert_error_body(response, 422)
    assert len(response.data) < 10_000, len(response.data)
    assert "more messages not shown" in str(error["errors"])


def test_a_rejected_entry_echoes_a_bounded_number_of_reasons(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    fields = {
        "work_order_id": world["wo1"].id,
        "step": "kit_tools",
        "value": "yes",
        **{f"colour{i}": "x" * 200 for i in range(300)},
    }
    bad = phone.mutation("checklist_answer", fields)
    good = phone.mutation("checklist_answer", {"work_order_id": world["wo1"].id, "step": "kit_gloves", "value": "yes"})
    response = phone.push([bad, good])
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert len(str(results[0]["error"])) < 3_000, len(str(results[0]["error"]))
    assert "more messages not shown" in str(results[0]["error"]["errors"])
    stored = db.session.query(MutationRecord).filter_by(id=bad["id"]).one()
    assert stored.payload["fields"]["colour299"] == "x" * 200  # what was sent is kept whole for review
    assert len(str(stored.result)) < 3_000


def test_an_error_message_never_echoes_a_long_value(app):
    client = app.test_client()
    body = {"email": "a@b.c", "password": "p", **{f"k{i}" * 10: 1 for i in range(500)}}
    response = client.post("/api/auth/token", json=body)
    error = assert_error_body(response, 422)
    assert len(response.data) < 10_000 and len(error["message"]) <= 1_100
