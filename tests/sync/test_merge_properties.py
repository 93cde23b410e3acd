"""Property-based tests of the pure merge rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.domain import lifecycle
from server.domain.merge import merge_text, merge_work_order

STATUSES = [s.value for s in lifecycle.Status]
ROLES = ["technician", "dispatcher", "manager"]
texts = st.text(max_size=40)


@given(texts, texts)
def test_merged_text_keeps_both_sides(server, device):
    merged = merge_text(server, device) or ""
    assert server in merged and device in merged


@given(texts)
def test_merging_a_text_with_itself_changes_nothing(text):
    assert merge_text(text, text) == (text or None)


@given(
    current=st.fixed_dictionaries(
        {"status": st.sampled_from(STATUSES), "technician_notes": texts, "outcome": st.none() | texts}
    ),
    proposed=st.fixed_dictionaries(
        {}, optional={"status": st.sampled_from(STATUSES), "technician_notes": texts, "outcome": st.none() | texts}
    ),
    field_versions=st.dictionaries(st.sampled_from(["status", "technician_notes", "outcome"]), st.integers(1, 10)),
    base_version=st.integers(1, 10),
    role=st.sampled_from(ROLES),
)
def test_merge_rules(current, proposed, field_versions, base_version, role):
    result = merge_work_order(current, field_versions, base_version, proposed, role)
    # status only ever moves along the lifecycle
    if "status" in result.changes:
        assert lifecycle.can_transition(current["status"], result.changes["status"], role)
    for name, value in proposed.items():
        concurrent = field_versions.get(name, 0) > base_version
        conflicts = [c for c in result.conflicts if c.field == name]
        if value == current[name]:
            assert name not in result.changes and not conflicts
        elif not concurrent:
            # a write based on the latest value applies as sent (or is refused, for a bad move)
            assert not conflicts
            assert result.changes.get(name) == value or name in result.errors
        else:
            # a concurrent write never vanishes: it wins, merges or is logged as the loser
            assert len(conflicts) == 1 and not result.errors.get(name)
            c = conflicts[0]
            assert c.server_value == current[name] and c.device_value == value
            assert c.kept == result.changes.get(name, current[name])


@given(
    current=st.fixed_dictionaries({"technician_notes": texts, "outcome": st.none() | texts}),
    proposed=st.fixed_dictionaries({}, optional={"technician_notes": texts, "outcome": st.none() | texts}),
    field_versions=st.dictionaries(st.sampled_from(["technician_notes", "outcome"]), st.integers(1, 10)),
    field_writers=st.dictionaries(st.sampled_from(["technician_notes", "outcome"]), st.sampled_from(["me", "other"])),
    base_version=st.integers(1, 10),
)
def test_a_devices_own_writes_are_never_concurrent_and_everyone_elses_are(
    current, proposed, field_versions, field_writers, base_version
):
    result = merge_work_order(current, field_versions, base_version, proposed, "technician", field_writers, "me")
    for name, value in proposed.items():
        if value == current[name]:
            continue
        logged = [c for c in result.conflicts if c.field == name]
        someone_else = field_versions.get(name, 0) > base_version and field_writers.get(name) != "me"
        assert bool(logged) == someone_else, (name, field_writers)
        if someone_else and name != "technician_notes":
            assert logged[0].server_value == current[name]  # the overwritten value is logged
