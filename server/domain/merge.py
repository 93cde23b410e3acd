"""Merge rules for a device's update of a work order: pure functions over plain data.

A write is *concurrent* for a field when someone else changed the field on the server
after the version the device last saw (`base_version`): the office or another device.
A device's own earlier write (recorded in `field_writers`) is not concurrent with its
later ones, so two offline edits of one job in a row never conflict with each other, and
an office change between them is still caught. Non-concurrent writes simply apply.
Concurrent writes with a different value are settled by one rule per field, and the
losing value is reported so it can go to the conflict log:

- status: only moves the lifecycle allows. A device move that is still allowed from
  the server's status applies (the server's value is logged as overwritten); one that
  is not keeps the server's status (the device's value is logged).
- technician_notes: free text is merged (both kept, server text first) unless one
  already contains the other; nothing is lost, the merge is logged.
- every other field: last arrival wins; the overwritten server value is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import lifecycle

TEXT_MERGE_FIELDS = frozenset({"technician_notes"})
TEXT_SEPARATOR = "\n— — —\n"


@dataclass
class FieldConflict:
    """One field whose concurrent values disagreed, and how it was settled."""

    field: str
    rule: str
    server_value: object
    device_value: object
    kept: object

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "server_value": self.server_value,
            "device_value": self.device_value,
            "kept": self.kept,
        }


@dataclass
class MergeResult:
    """What to write, what lost, and what was refused outright."""

    changes: dict = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    refusal: lifecycle.TransitionError | None = None  # why, as a code and params


def merge_text(server: str | None, device: str | None) -> str | None:
    """Keep both texts; if one already holds the other, the longer one is enough."""
    server, device = server or "", device or ""
    if device in server:
        return server or None
    if server in device:
        return device or None
    return server + TEXT_SEPARATOR + device


def merge_work_order(
    current: dict,
    field_versions: dict,
    base_version: int,
    proposed: dict,
    role: str,
    field_writers: dict | None = None,
    device_id: str | None = None,
) -> MergeResult:
    """Decide the outcome of a device's `proposed` field values against the server's `current`."""
    result = MergeResult()
    for name, value in proposed.items():
        server_value = current.get(name)
        if value == server_value:
            continue
        concurrent = is_concurrent(name, field_versions, base_version, field_writers, device_id)
        if name == "status":
            _merge_status(result, server_value, value, role, concurrent)
        elif not concurrent:
            result.changes[name] = value
        elif name in TEXT_MERGE_FIELDS:
            merged = merge_text(server_value, value)
            result.changes[name] = merged
            result.conflicts.append(FieldConflict(name, "text_merged", server_value, value, merged))
        else:
            result.changes[name] = value
            result.conflicts.append(FieldConflict(name, "last_arrival_wins", server_value, value, value))
    return result


def is_concurrent(
    name: str, field_versions: dict, base_version: int, field_writers: dict | None = None, device_id: str | None = None
) -> bool:
    """Did someone other than `device_id` change `name` after `base_version`?"""
    if field_versions.get(name, 0) <= base_version:
        return False
    return device_id is None or (field_writers or {}).get(name) != device_id


def _merge_status(result: MergeResult, server: str, device: str, role: str, concurrent: bool) -> None:
    try:
        lifecycle.check_transition(server, device, role)
    except lifecycle.TransitionError as exc:
        if not concurrent:
            result.errors["status"] = [str(exc)]
            result.refusal = exc
            return
        result.conflicts.append(FieldConflict("status", "lifecycle_kept_server", server, device, server))
        return
    result.changes["status"] = device
    if concurrent:
        result.conflicts.append(FieldConflict("status", "lifecycle_move_applied", server, device, device))
