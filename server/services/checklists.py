"""The per job-type checklists' one write path: copy server/domain/checklists.json into the
synced `job_checklist` records (issue #15).

Made through the ORM so the change log carries each list to the phones (init-db and
seed-demo call `ensure`; the caller commits). A row whose revision or lists differ from
the data file is brought up to date; an unchanged one is left alone (no new version).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain import checklists
from ..extensions import db
from ..models import JobChecklist


def ensure(session: Session | None = None) -> list[JobChecklist]:
    """One row per job type, as the data file says."""
    session = session or db.session()
    rows = {r.job_type: r for r in session.scalars(sa.select(JobChecklist))}
    revision = checklists.revision()
    for c in checklists.all_checklists():
        row = rows.get(c.job_type)
        if row is None:
            row = rows[c.job_type] = JobChecklist(job_type=c.job_type)
            session.add(row)
        wanted = {"revision": revision, "kit": list(c.kit), "entry": list(c.entry), "checks": list(c.checks)}
        for name, value in wanted.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    session.flush()
    return list(rows.values())
