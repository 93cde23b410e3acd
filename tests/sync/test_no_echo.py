"""No echo (issue #17): a device's pull leaves out the records its own push created and
reported; every other device, a reinstalled phone and a pull that names no device get them."""

from __future__ import annotations

from .device import SimDevice


def _visit(phone: SimDevice, wo_id: str) -> list[dict]:
    return [
        phone.mutation("checklist_answer", {"work_order_id": wo_id, "step": "kit_tools", "value": "yes"}),
        phone.mutation("checklist_answer", {"work_order_id": wo_id, "step": "knock", "value": "yes"}),
        phone.mutation(
            "diagnosis",
            {
                "work_order_id": wo_id,
                "fault_cause": "Board failure",
                "repair_method": "Replace",
                "customer_visible": True,
            },
        ),
    ]


def _ids(changes: list[dict]) -> set[str]:
    return {c["id"] for c in changes}


def test_a_pull_after_a_push_carries_no_echo_and_others_get_everything(client_for, world):
    tech = client_for("tech1")
    phone, other = SimDevice(tech), SimDevice(tech)  # the same technician's second phone
    office = SimDevice(client_for("dispatcher"))
    for device in (phone, other):
        device.pull_all(as_device=True)
    office.pull_all()
    wo = world["wo1"]

    batch = _visit(phone, wo.id)
    answer = phone.push(batch).get_json()
    assert [r["status"] for r in answer["results"]] == ["applied"] * 3
    assert all(r["version"] == 1 for r in answer["results"])
    created = {m["entity_id"] for m in batch}

    assert _ids(phone.pull_all(as_device=True)) & created == set()  # no echo
    assert _ids(other.pull_all(as_device=True)) >= created  # another device of the same user
    assert _ids(office.pull_all()) >= created  # the office

    # A reinstalled phone (a new device id) pulls from the start: everything, its old records too.
    reinstalled = SimDevice(tech)
    assert _ids(reinstalled.pull_all(as_device=True)) >= created
    # A client that names no device (the contract's pull) gets its own records back as before.
    plain = SimDevice(tech, device_id=phone.id)
    assert _ids(plain.pull_all()) >= created
    # The pushing phone's cursor moved past its echoes: a further pull is empty.
    assert phone.pull_all(as_device=True) == []


def test_an_echo_is_sent_when_the_server_changed_the_record_or_the_order(client_for, world):
    tech = client_for("tech1")
    phone = SimDevice(tech)
    phone.pull_all(as_device=True)
    wo = world["wo1"]
    note = phone.mutation(
        "work_order",
        {"technician_notes": "Back door"},
        op="update",
        entity_id=wo.id,
        base_version=wo.version,
    )
    answer = phone.push([*_visit(phone, wo.id), note]).get_json()
    assert [r["status"] for r in answer["results"]] == ["applied"] * 4
    record = phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "introduced", "value": "yes"})
    assert phone.push([record]).get_json()["results"][0]["status"] == "applied"
    void = phone.mutation("checklist_answer", op="delete", entity_id=record["entity_id"])
    assert phone.push([void]).get_json()["results"][0]["status"] == "applied"

    changes = {c["id"]: c for c in phone.pull_all(as_device=True)}
    # The work order comes back: the phone takes its version (the base of its next update) from a pull.
    assert changes[wo.id]["fields"]["technician_notes"] == "Back door"
    # The void comes back as a delete (the phone keeps a voided record marked until then).
    assert changes[record["entity_id"]]["op"] == "delete"
    assert len(changes) == 2


def test_the_same_push_pulled_from_the_start_is_sent_in_full(client_for, world):
    # After a reset the phone drops its synced records and pulls from the start: its own come back.
    tech = client_for("tech1")
    phone = SimDevice(tech)
    phone.pull_all(as_device=True)
    batch = _visit(phone, world["wo1"].id)
    assert phone.push(batch).status_code == 200
    phone.cursor = None
    assert _ids(phone.pull_all(as_device=True)) >= {m["entity_id"] for m in batch}


def test_a_push_can_carry_the_pull_that_follows_it(client_for, world):
    tech = client_for("tech1")
    phone, other = SimDevice(tech), SimDevice(tech)
    phone.pull_all(as_device=True)
    wo = world["wo1"]
    theirs = _visit(other, wo.id)
    assert other.push(theirs).status_code == 200

    mine = _visit(phone, wo.id)
    answer = tech.post("/api/sync/push", json={**phone.body(mine), "pull_cursor": phone.cursor}).get_json()
    assert [r["status"] for r in answer["results"]] == ["applied"] * 3
    page = answer["pull"]
    assert not page["has_more"] and not page["reset"]
    # The other phone's records come with the push's answer; this phone's own do not.
    assert _ids(page["changes"]) == {m["entity_id"] for m in theirs}
    # Its cursor is where a separate pull would leave it: nothing after it.
    phone.cursor = page["cursor"]
    assert phone.pull_all(as_device=True) == []

    # From the start (null cursor), the page carries everything, this phone's own records too.
    more = _visit(phone, wo.id)
    page = tech.post("/api/sync/push", json={**phone.body(more), "pull_cursor": None}).get_json()["pull"]
    assert _ids(page["changes"]) >= {m["entity_id"] for m in mine + more + theirs}


def test_a_push_with_a_bad_pull_cursor_is_refused_before_anything_applies(client_for, world):
    tech = client_for("tech1")
    phone = SimDevice(tech)
    response = tech.post("/api/sync/push", json={**phone.body(_visit(phone, world["wo1"].id)), "pull_cursor": "nope"})
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]
    office = SimDevice(client_for("dispatcher"))
    assert not [c for c in office.pull_all() if c["entity"] == "checklist_answer"]
