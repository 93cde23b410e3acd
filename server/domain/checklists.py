"""Per job-type checklists (issue #15): the data in checklists.json, read here, pure.

One list per work-order type of the kit checked before departure, the checks on entering
and the checks after the work, each item with its source in the seed (the json's `items`).
services/checklists.py stores the lists as the synced `job_checklist` records the phone works
from offline; the sync engine checks kit answers against the same lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("checklists.json")
PARTS = ("kit", "entry", "checks")


@dataclass(frozen=True)
class Checklist:
    job_type: str
    kit: tuple[str, ...]
    entry: tuple[str, ...]
    checks: tuple[str, ...]


@cache
def _data() -> dict:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for job_type, lists in data["job_types"].items():
        for part in PARTS:
            unknown = [k for k in lists[part] if k not in data["items"]]
            if unknown:  # every item names its source in the seed
                raise ValueError(f"checklists.json: {job_type}.{part} has items without a source: {unknown}")
    return data


def revision() -> int:
    return int(_data()["revision"])


def sources() -> dict[str, str]:
    """Item -> where it comes from (seed and section)."""
    return dict(_data()["items"])


def all_checklists() -> list[Checklist]:
    return [
        Checklist(job_type, *(tuple(lists[part]) for part in PARTS)) for job_type, lists in _data()["job_types"].items()
    ]


def for_job(job_type: str | None) -> Checklist:
    """The lists for a work-order type (a repair's for a type without its own)."""
    lists = _data()["job_types"]
    key = job_type if job_type in lists else "repair"
    return Checklist(key, *(tuple(lists[key][part]) for part in PARTS))


def all_items() -> set[str]:
    return set(_data()["items"])


def not_on_kit(job_type: str | None, keys) -> list[str]:
    """The keys that are not on this job type's kit list (a kit answer must be one of them)."""
    kit = set(for_job(job_type).kit)
    return [k for k in keys if k not in kit]
