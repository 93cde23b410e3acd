"""Retention: archive, then purge, the records of work orders whose handling ended long ago.

Seed 000 §三(三)1: service records are kept for 3 years for traceability
(記錄存檔期限為3年); seed 004 §一3: customer data is only kept while it is needed. So a
work order that is closed, cancelled or completed and has not changed for the retention
period (RETENTION_MONTHS, default 36) is written to an archive file and then deleted with
everything that hangs off it: visit records, office cases and follow-ups, conflicts,
change-log rows, blobs no other record uses, and its customer and products once the
customer has no other work order left. The sync journal keeps each mutation's id and
result (so a very late replay is still answered, never applied twice) but loses its
payload, which held the customer's data.

The archive is JSON Lines, gzip-compressed, one line per row: {"table", "row"}, with
encrypted columns as stored (ciphertext), so the archive is no easier to read than the
database. A dry run writes nothing and reports what would go.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..blobs import blob_store
from ..domain.lifecycle import Status
from ..domain.warranty import add_months
from ..extensions import db
from ..models import (
    Blob,
    ChangeLogEntry,
    Conflict,
    Customer,
    CustomerSignOff,
    MutationRecord,
    Photo,
    Product,
    User,
    WorkOrder,
)

ENDED = (Status.CLOSED.value, Status.CANCELLED.value, Status.COMPLETED.value)
BLOB_COLUMNS = ((Photo, "blob_sha256"), (Photo, "original_sha256"), (CustomerSignOff, "signature_sha256"))


@dataclass
class RetentionReport:
    cutoff: datetime
    dry_run: bool
    counts: Counter = field(default_factory=Counter)  # table -> rows purged (or that would be)
    archive: Path | None = None

    def lines(self) -> list[str]:
        head = "Would purge" if self.dry_run else "Purged"
        out = [f"{head} records unchanged since before {self.cutoff:%Y-%m-%d} (UTC):"]
        out += [f"  {table}: {n}" for table, n in sorted(self.counts.items())] or ["  nothing"]
        if self.archive:
            out.append(f"Archive: {self.archive}")
        return out


def cutoff_for(months: int, today: date) -> datetime:
    return datetime.combine(add_months(today, -months), time.min, tzinfo=UTC)


def _children_of_work_orders() -> list[sa.Table]:
    """Tables with a foreign key to work_orders.id, children before parents (delete order)."""
    wo_tables = []
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "work_orders" and any(fk.column.table.name == "work_orders" for fk in table.foreign_keys):
            wo_tables.append(table)
    return wo_tables


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value) if not isinstance(value, (int, float, bool, str, list, dict, type(None))) else value


class _Archive:
    def __init__(self, path: Path | None):
        self.path = path
        # 0600 from the start: the archive holds what the database holds (server/file_modes.py).
        raw = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") if path else None
        self.raw = raw
        self.fh = gzip.open(raw, "wt", encoding="utf-8") if raw else None

    def rows(self, table: sa.Table, rows) -> None:
        if self.fh is None:
            return
        for row in rows:
            record = {"table": table.name, "row": {k: _jsonable(v) for k, v in row._mapping.items()}}
            self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def blob(self, sha256: str, data: bytes | None) -> None:
        if self.fh is not None and data is not None:
            line = {"table": "blob_bytes", "row": {"sha256": sha256, "base64": base64.b64encode(data).decode()}}
            self.fh.write(json.dumps(line) + "\n")

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.raw.close()


def purge(session: Session, *, months: int, today: date, archive_dir: Path, dry_run: bool) -> RetentionReport:
    """Archive and delete what the retention period has ended for; commit the caller's job."""
    cutoff = cutoff_for(months, today)
    report = RetentionReport(cutoff, dry_run)
    wo_ids = list(
        session.scalars(sa.select(WorkOrder.id).where(WorkOrder.status.in_(ENDED), WorkOrder.updated_at < cutoff))
    )
    if not wo_ids:
        return report
    path = None
    if not dry_run:
        archive_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = archive_dir / f"retention-{datetime.now(UTC):%Y%m%dT%H%M%S}.jsonl.gz"
        report.archive = path
    archive = _Archive(path)
    try:
        _purge_work_orders(session, wo_ids, archive, report, dry_run)
    finally:
        archive.close()
    return report


def _take(session: Session, table: sa.Table, where, archive: _Archive, report: RetentionReport, dry_run: bool) -> list:
    rows = session.execute(sa.select(table).where(where)).all()
    if rows:
        report.counts[table.name] += len(rows)
        archive.rows(table, rows)
        if not dry_run:
            session.execute(sa.delete(table).where(where))
    return rows


def _purge_work_orders(session, wo_ids, archive, report, dry_run) -> None:
    record_ids: set[str] = set(wo_ids)
    blobs = _blobs_only_these_use(session, wo_ids)
    customers = set(session.scalars(sa.select(WorkOrder.customer_id).where(WorkOrder.id.in_(wo_ids))))
    for table in _children_of_work_orders():
        fk = next(fk for fk in table.foreign_keys if fk.column.table.name == "work_orders")
        rows = _take(session, table, fk.parent.in_(wo_ids), archive, report, dry_run)
        if "id" in table.c:
            record_ids |= {row._mapping["id"] for row in rows}
    conflicts = Conflict.__table__
    _take(session, conflicts, conflicts.c.entity_id.in_(record_ids), archive, report, dry_run)
    changes = ChangeLogEntry.__table__
    _take(session, changes, changes.c.entity_id.in_(record_ids), archive, report, dry_run)
    _take(session, WorkOrder.__table__, WorkOrder.__table__.c.id.in_(wo_ids), archive, report, dry_run)
    _blank_journal(session, record_ids, report, dry_run)
    _drop_customers(session, customers, wo_ids, archive, report, dry_run)
    _drop_blobs(session, blobs, archive, report, dry_run)


def _blobs_only_these_use(session, wo_ids) -> set[str]:
    """Photos and signatures of these work orders that no other record uses."""
    mine, others = set(), set()
    for model, column in BLOB_COLUMNS:
        col = getattr(model, column)
        mine |= set(session.scalars(sa.select(col).where(model.work_order_id.in_(wo_ids), col.is_not(None))))
    for model, column in BLOB_COLUMNS:  # a blob may be one record's photo and another's original
        col = getattr(model, column)
        others |= set(session.scalars(sa.select(col).where(col.in_(mine), model.work_order_id.not_in(wo_ids))))
    others |= set(session.scalars(sa.select(User.photo_sha256).where(User.photo_sha256.in_(mine))))  # badge photos
    return mine - others


def _blank_journal(session, record_ids, report, dry_run) -> None:
    where = MutationRecord.entity_id.in_(record_ids)
    n = session.scalar(sa.select(sa.func.count()).select_from(MutationRecord).where(where)) or 0
    if n:
        report.counts["mutations (payload removed)"] += n
        if not dry_run:
            session.execute(sa.update(MutationRecord).where(where).values(payload={"purged": True}))


def _drop_customers(session, customers, wo_ids, archive, report, dry_run) -> None:
    """A customer (and their products) goes only when no other work order of theirs remains."""
    still = set(
        session.scalars(
            sa.select(WorkOrder.customer_id).where(WorkOrder.customer_id.in_(customers), WorkOrder.id.not_in(wo_ids))
        )
    )
    gone = customers - still
    if gone:
        _take(session, Product.__table__, Product.__table__.c.customer_id.in_(gone), archive, report, dry_run)
        _take(session, Customer.__table__, Customer.__table__.c.id.in_(gone), archive, report, dry_run)


def _drop_blobs(session, blobs: set[str], archive, report, dry_run) -> None:
    """Blob rows and bytes: the bytes go into the archive too (a signature is evidence)."""
    if not blobs:
        return
    store = blob_store()
    for table in reversed(db.metadata.sorted_tables):
        refs = [fk for fk in table.foreign_keys if fk.column.table.name == "blobs"]
        if refs:
            _take(session, table, refs[0].parent.in_(blobs), archive, report, dry_run)
    _take(session, Blob.__table__, Blob.__table__.c.sha256.in_(blobs), archive, report, dry_run)
    for sha in sorted(blobs):
        archive.blob(sha, store.get(sha))
        if not dry_run:
            store.delete(sha)
