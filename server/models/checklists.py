"""The per job-type checklists as synced records (issue #15).

One row per work-order type, copied from server/domain/checklists.json by
services/checklists.py (the only writer), so phones pull them through the change log and
work offline from their copy. Read-only for devices.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Versioned


class JobChecklist(Versioned, db.Model):
    __tablename__ = "job_checklists"

    job_type: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    revision: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    kit: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    entry: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    checks: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
