"""Service ticket numbers: one format for every intake channel."""

from __future__ import annotations

import re
from datetime import date

PATTERN = re.compile(r"^SR-\d{8}-\d{4,}$")


def format_ticket(day: date, number: int) -> str:
    """SR-YYYYMMDD-NNNN, e.g. SR-20261123-0042."""
    return f"SR-{day:%Y%m%d}-{number:04d}"
