"""The customer's signature seals what was signed; files travel as content-addressed blobs."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from quotes import fee_quote_fields

from server.domain.signed_summary import summary_sha256
from server.models import Blob, CustomerSignOff, WorkOrder
from server.services.sign_off import compute_summary

from .device import SimDevice

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-strokes" * 20


def record_visit(phone: SimDevice, wo_id: str) -> list[dict]:
    return [
        phone.mutation(
            "diagnosis",
            {
                "work_order_id": wo_id,
                "fault_cause": "主板电容鼓包",
                "repair_method": "更换主板",
                "customer_visible": True,
            },
        ),
        phone.mutation(
            "diagnosis", {"work_order_id": wo_id, "fault_cause": "批次问题，需反馈工厂", "customer_visible": False}
        ),
        phone.mutation(
            "part_fitted",
            {
                "work_order_id": wo_id,
                "part_number": "PCB-220",
                "serial_fitted": "SN-NEW-1",
                "serial_removed": "SN-OLD-1",
                "quantity": 1,
                "unit_price": "0.00",
                "under_warranty": True,
            },
        ),
        phone.mutation("fee_quote", fee_quote_fields(wo_id, [("PCB-220", 1)])),
    ]


def sign_off(phone, wo_id, summary_hash, signature_hash):
    return phone.mutation(
        "sign_off",
        {
            "work_order_id": wo_id,
            "signer_name": "张伟",
            "rating_quality": 5,
            "rating_attitude": 4,
            "comment": "师傅很专业",
            "signature_sha256": signature_hash,
            "summary_sha256": summary_hash,
        },
    )


def test_sign_off_with_the_matching_summary_is_accepted_and_seals_the_visit(client_for, world, db):
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    assert all(r["status"] == "applied" for r in phone.push(record_visit(phone, wo.id)).get_json()["results"])
    signature = phone.upload(PNG)
    expected = summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo.id)))
    result = phone.push([sign_off(phone, wo.id, expected, signature)]).get_json()["results"][0]
    assert result["status"] == "applied", result

    late_part = phone.mutation(
        "part_fitted",
        {
            "work_order_id": wo.id,
            "part_number": "PCB-220",
            "quantity": 1,
            "unit_price": "180.00",
            "under_warranty": False,
        },
    )
    outcome = phone.mutation("work_order", {"outcome": "not_fixed"}, op="update", entity_id=wo.id, base_version=1)
    internal_note = phone.mutation(
        "diagnosis", {"work_order_id": wo.id, "fault_cause": "回公司补充：电源波动", "customer_visible": False}
    )
    results = phone.push([late_part, outcome, internal_note]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied"]
    assert "signed" in results[0]["error"]["message"]
    db.session.expire_all()
    assert summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo.id))) == expected


def test_sign_off_whose_summary_does_not_match_is_rejected(client_for, world, db):
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    phone.push(record_visit(phone, wo.id))
    signature = phone.upload(PNG)
    result = phone.push([sign_off(phone, wo.id, "0" * 64, signature)]).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert "summary_sha256" in result["error"]["errors"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerSignOff)) == 0


def test_a_rejected_sign_off_does_not_tell_the_phone_the_servers_hash(client_for, world, db, caplog):
    """Issue #12, finding 8: the rejection said "Server computes <hash>", so a device could
    sign whatever the server's records add up to. It now only says they differ; the hash
    is in the server's log."""
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    phone.push(record_visit(phone, wo.id))
    signature = phone.upload(PNG)
    expected = summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo.id)))
    entry = sign_off(phone, wo.id, "0" * 64, signature)
    with caplog.at_level("WARNING", logger="server.sync.apply"):
        response = phone.push([entry])
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "sync.summary_mismatch"
    assert "does not match" in result["error"]["errors"]["fields"]["summary_sha256"][0].lower()
    assert expected not in response.get_data(as_text=True)
    replay = phone.push([entry])  # the stored result, replayed, holds no hash either
    assert replay.get_json()["results"][0]["original_status"] == "rejected"
    assert expected not in replay.get_data(as_text=True)
    assert expected in caplog.text


def test_sign_off_needs_its_signature_uploaded_first(client_for, world, db):
    wo = world["wo1"]
    phone = SimDevice(client_for("tech1"))
    expected = summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo.id)))
    result = phone.push([sign_off(phone, wo.id, expected, hashlib.sha256(b"never sent").hexdigest())]).get_json()[
        "results"
    ][0]
    assert result["status"] == "rejected"
    assert "signature_sha256" in result["error"]["errors"]["fields"]


def test_blob_upload_checks_the_hash_and_is_idempotent(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    sha = hashlib.sha256(PNG).hexdigest()
    first = phone.client.put(f"/api/blobs/{sha}", data=PNG, headers={"Content-Type": "image/png"})
    assert first.status_code == 201
    second = phone.client.put(f"/api/blobs/{sha}", data=PNG, headers={"Content-Type": "image/png"})
    assert second.status_code == 200
    wrong = phone.client.put(f"/api/blobs/{'a' * 64}", data=PNG, headers={"Content-Type": "image/png"})
    assert wrong.status_code == 400 and sha in wrong.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Blob)) == 1
    download = phone.client.get(f"/api/blobs/{sha}")
    assert download.status_code == 200 and download.data == PNG
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_blob_too_large_is_413_and_other_technicians_cannot_read_it(app, client_for, world, db):
    app.config["BLOB_MAX_BYTES"] = 100
    phone = SimDevice(client_for("tech1"))
    big = b"x" * 101
    response = phone.client.put(
        f"/api/blobs/{hashlib.sha256(big).hexdigest()}", data=big, headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 413
    app.config["BLOB_MAX_BYTES"] = 10_000
    sha = phone.upload(PNG)
    assert client_for("tech2").get(f"/api/blobs/{sha}").status_code == 404
    assert client_for("dispatcher").get(f"/api/blobs/{sha}").status_code == 200


def test_knowing_a_files_hash_is_not_enough_to_attach_it(client_for, world, db):
    """tech2 learned the hash of tech1's photo (say, from a job since taken off them):
    attaching it to their own job would let them read it. Having the bytes is what counts."""
    tech1, tech2 = SimDevice(client_for("tech1")), SimDevice(client_for("tech2"))
    photo = b"\x89PNG\r\n\x1a\n" + b"nameplate of tech1's unit" * 10
    sha = tech1.upload(photo)
    attach = tech2.mutation("photo", {"work_order_id": world["wo2"].id, "blob_sha256": sha, "caption": "铭牌"})
    result = tech2.push([attach]).get_json()["results"][0]
    assert result["status"] == "rejected"
    never_stored = tech2.mutation(
        "photo", {"work_order_id": world["wo2"].id, "blob_sha256": "0" * 64, "caption": "铭牌"}
    )
    missing = tech2.push([never_stored]).get_json()["results"][0]
    assert result["error"] == missing["error"]  # no telling whether the server holds such a file
    assert tech2.client.get(f"/api/blobs/{sha}").status_code == 404

    # With the bytes in hand (the same photo, sent again), tech2 may attach and read it.
    again = tech2.client.put(f"/api/blobs/{sha}", data=photo, headers={"Content-Type": "image/png"})
    assert again.status_code == 200  # stored once, by content
    retry = tech2.mutation("photo", {"work_order_id": world["wo2"].id, "blob_sha256": sha, "caption": "铭牌"})
    assert tech2.push([retry]).get_json()["results"][0]["status"] == "applied"
    assert tech2.client.get(f"/api/blobs/{sha}").data == photo
    assert db.session.get(Blob, sha).uploaded_by_id == world["wo1"].technician_id  # the first uploader stays


def test_a_file_already_on_a_job_may_be_attached_again_by_whoever_holds_it(client_for, world, db, people):
    """A photo on the job (taken by whoever held it before) can be attached to another record."""
    office = SimDevice(client_for("dispatcher"))
    sha = office.upload(PNG)
    first = office.mutation("photo", {"work_order_id": world["wo1"].id, "blob_sha256": sha, "caption": "故障现象"})
    assert office.push([first]).get_json()["results"][0]["status"] == "applied"
    tech1 = SimDevice(client_for("tech1"))
    again = tech1.mutation("photo", {"work_order_id": world["wo1"].id, "blob_sha256": sha, "caption": "维修前"})
    assert tech1.push([again]).get_json()["results"][0]["status"] == "applied"
