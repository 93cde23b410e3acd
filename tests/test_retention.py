"""Retention (seed 000 §三(三)1, 3 years): archive then purge ended work orders, with a dry run."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from server.blobs import blob_store
from server.models import ChecklistAnswer, Customer, MutationRecord, Photo, Product, WorkOrder
from tests.sync.device import SimDevice

JPEG = b"\xff\xd8\xff\xe0" + b"photo of the old board" * 10


def _visit_with_photo(client_for, world) -> tuple[SimDevice, str]:
    phone = SimDevice(client_for("tech1"))
    sha = hashlib.sha256(JPEG).hexdigest()
    assert phone.client.put(f"/api/blobs/{sha}", data=JPEG, headers={"Content-Type": "image/jpeg"}).status_code == 201
    wo = world["wo1"].id
    answer = {"work_order_id": wo, "step": "kit_tools", "value": "yes", "note": "ok"}
    photo = {"work_order_id": wo, "blob_sha256": sha, "caption": "旧主板"}
    results = phone.push([phone.mutation("checklist_answer", answer), phone.mutation("photo", photo)]).get_json()
    assert [r["status"] for r in results["results"]] == ["applied", "applied"], results
    return phone, sha


def _end_long_ago(db, wo_id: str, years: float) -> None:
    when = datetime.now(UTC) - timedelta(days=365 * years)
    db.session.execute(sa.update(WorkOrder).where(WorkOrder.id == wo_id).values(status="closed", updated_at=when))
    db.session.commit()


def test_a_dry_run_reports_and_changes_nothing_then_the_purge_archives_everything_it_deletes(
    app, client_for, world, db, tmp_path
):
    _, sha = _visit_with_photo(client_for, world)
    wo1, wo2 = world["wo1"].id, world["wo2"].id
    customer, ticket_no = world["wo1"].customer_id, world["wo1"].ticket_no
    _end_long_ago(db, wo1, 3.2)
    _end_long_ago(db, wo2, 2.5)  # inside the 3 years: kept
    app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would purge" in dry.output and "work_orders: 1" in dry.output and "photos: 1" in dry.output
    assert db.session.get(WorkOrder, wo1) is not None and not (tmp_path / "archive").exists()

    done = runner.invoke(args=["retention"])
    assert done.exit_code == 0, done.output
    assert "Purged" in done.output and "customers: 1" in done.output
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo1) is None and db.session.get(WorkOrder, wo2) is not None
    assert db.session.get(Customer, customer) is None
    assert db.session.scalars(sa.select(Product).where(Product.customer_id == customer)).first() is None
    assert db.session.scalars(sa.select(ChecklistAnswer)).first() is None
    assert db.session.scalars(sa.select(Photo)).first() is None
    assert blob_store().get(sha) is None
    # The journal still answers a replay, but no longer holds what was sent.
    journal = db.session.scalars(sa.select(MutationRecord)).all()
    assert journal and all(m.payload == {"purged": True} for m in journal)

    archive = Path(done.output.split("Archive: ")[1].strip())
    assert archive.stat().st_mode & 0o777 == 0o600
    with gzip.open(archive, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    tables = {r["table"] for r in rows}
    assert {"work_orders", "checklist_answers", "photos", "customers", "products", "blobs"} <= tables
    kept = next(r["row"] for r in rows if r["table"] == "blob_bytes")
    assert kept["sha256"] == sha and base64.b64decode(kept["base64"]) == JPEG
    ticket = next(r["row"] for r in rows if r["table"] == "work_orders")["ticket_no"]
    assert ticket == ticket_no
    # Customer data stays encrypted in the archive, as in the database.
    assert "13800000001" not in archive.read_bytes().decode("latin-1")


def test_nothing_recent_or_still_open_is_purged(app, db, world, tmp_path):
    app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    when = datetime.now(UTC) - timedelta(days=365 * 4)
    # Old but still being handled (assigned): handling has not ended, so it stays.
    db.session.execute(sa.update(WorkOrder).where(WorkOrder.id == world["wo1"].id).values(updated_at=when))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "--months", "36"])
    assert result.exit_code == 0 and "nothing" in result.output
    assert db.session.get(WorkOrder, world["wo1"].id) is not None
    assert not (tmp_path / "archive").exists()
