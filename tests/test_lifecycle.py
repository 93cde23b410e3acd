"""The work-order lifecycle: every allowed move per role, every other move refused.

First the pure rules in server.domain.lifecycle, then the same rules through
PATCH /api/work-orders/<id> {status}, where a refused move is a 409.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from server.domain.lifecycle import (
    TERMINAL,
    TRANSITIONS,
    Status,
    TransitionError,
    allowed_targets,
    can_transition,
    check_transition,
    technician_holds,
)
from server.models import VisitEvent, WorkOrder

ROLES = ("technician", "dispatcher", "manager")
ALLOWED = [(frm.value, to.value, role) for (frm, to), roles in TRANSITIONS.items() for role in sorted(roles)]
REFUSED_FOR_ROLE = [
    (frm.value, to.value, role) for (frm, to), roles in TRANSITIONS.items() for role in ROLES if role not in roles
]
UNLISTED = [(frm.value, to.value) for frm, to in itertools.permutations(Status, 2) if (frm, to) not in TRANSITIONS]


# --- the rules themselves -----------------------------------------------------------


@pytest.mark.parametrize("current, target, role", ALLOWED)
def test_every_listed_move_is_allowed_for_its_roles(current, target, role):
    check_transition(current, target, role)  # does not raise
    assert can_transition(current, target, role)
    assert target in allowed_targets(current, role)


@pytest.mark.parametrize("current, target, role", REFUSED_FOR_ROLE)
def test_a_listed_move_is_refused_to_other_roles_with_a_reason(current, target, role):
    with pytest.raises(TransitionError) as refused:
        check_transition(current, target, role)
    assert str(refused.value) == f"a {role} cannot move a work order from '{current}' to '{target}'"
    assert not can_transition(current, target, role)
    assert target not in allowed_targets(current, role)


@pytest.mark.parametrize("current, target", UNLISTED)
@pytest.mark.parametrize("role", ROLES)
def test_every_unlisted_move_is_refused_to_everyone(current, target, role):
    with pytest.raises(TransitionError) as refused:
        check_transition(current, target, role)
    message = str(refused.value)
    assert message.startswith(f"cannot go from '{current}' to '{target}'; allowed: ")
    # The message names what *is* possible, so the user knows what to do instead.
    for possible in allowed_targets(current):
        assert possible in message
    assert not can_transition(current, target)


def test_the_lists_above_cover_every_pair_of_statuses():
    n = len(Status)
    assert len(TRANSITIONS) + len(UNLISTED) == n * (n - 1)


@pytest.mark.parametrize("final", sorted(s.value for s in TERMINAL))
def test_closed_and_cancelled_are_final(final):
    assert allowed_targets(final) == []
    with pytest.raises(TransitionError, match=r"allowed: none \(final status\)"):
        check_transition(final, Status.ASSIGNED.value, "manager")
    assert not technician_holds(final)


def test_staying_in_the_same_status_is_not_a_move():
    for status, role in itertools.product(Status, ROLES):
        check_transition(status.value, status.value, role)


@pytest.mark.parametrize("current, target", [("new", "teleported"), ("limbo", "assigned")])
def test_unknown_statuses_are_refused(current, target):
    with pytest.raises(TransitionError):
        check_transition(current, target, "manager")
    assert not can_transition(current, target)


def test_unknown_role_may_make_no_move():
    assert allowed_targets("on_site", "customer") == []
    with pytest.raises(TransitionError, match="a customer cannot"):
        check_transition("on_site", "completed", "customer")


def test_the_technician_holds_the_job_until_it_is_closed_or_cancelled():
    held = {s.value for s in Status if technician_holds(s.value)}
    assert held == {s.value for s in Status} - {"closed", "cancelled"}


def test_only_the_office_cancels_closes_or_hands_a_job_back():
    for to in ("cancelled", "closed", "new"):
        assert not any(to in allowed_targets(frm.value, "technician") for frm in Status), f"a technician can reach {to}"


def test_every_open_status_has_a_way_forward_and_is_reachable_from_new():
    reachable, frontier = {"new"}, ["new"]
    while frontier:
        for to in allowed_targets(frontier.pop()):
            if to not in reachable:
                reachable.add(to)
                frontier.append(to)
    assert reachable == {s.value for s in Status}
    for status in set(Status) - TERMINAL:
        assert allowed_targets(status.value), f"{status.value} is a dead end"


# --- the same rules through the API -------------------------------------------------


def put_in_status(db, wo_id: str, status: str, technician_id: str) -> None:
    """Set up a work order in a given status (as earlier moves would have left it)."""
    wo = db.session.get(WorkOrder, wo_id)
    wo.status, wo.technician_id = status, technician_id
    db.session.commit()


def ready_to_complete(db, wo_id: str) -> None:
    """What completing needs besides the move (issue #13): an outcome that ends the visit and the
    customer's sign-off or, as here, their recorded refusal to sign."""
    wo = db.session.get(WorkOrder, wo_id)
    wo.outcome = "fixed"
    db.session.add(VisitEvent(work_order_id=wo_id, kind="sign_off_declined", data={"reason": "不愿签字"}))
    db.session.commit()


def status_in_db(db, wo_id: str) -> tuple[str, str | None]:
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    return wo.status, wo.technician_id


def test_every_allowed_move_works_through_the_api(db, client_for, people, world):
    """Each listed move made by the least privileged role allowed it: 200 and the new status."""
    tech1, office = client_for("tech1"), client_for("dispatcher")
    wo_id, tech_id = world["wo1"].id, people["tech1"].id
    results = {}
    ready_to_complete(db, wo_id)
    for (frm, to), roles in TRANSITIONS.items():
        put_in_status(db, wo_id, frm.value, tech_id)
        client = tech1 if "technician" in roles else office
        response = client.patch(f"/api/work-orders/{wo_id}", json={"status": to.value})
        results[(frm.value, to.value)] = (response.status_code, response.get_json().get("status"))
    assert results == {(f.value, t.value): (200, t.value) for f, t in TRANSITIONS}


def test_office_only_moves_are_409_for_the_technician(db, client_for, people, world):
    tech1 = client_for("tech1")
    wo_id, tech_id = world["wo1"].id, people["tech1"].id
    office_only = [(f.value, t.value) for (f, t), roles in TRANSITIONS.items() if "technician" not in roles]
    assert office_only
    for frm, to in office_only:
        put_in_status(db, wo_id, frm, tech_id)
        response = tech1.patch(f"/api/work-orders/{wo_id}", json={"status": to})
        body = response.get_json()
        assert response.status_code == 409, (frm, to, body)
        assert body["reason"] == "work_order.status_not_for_role"
        assert body["params"] == {"role": "technician", "current": frm, "target": to}
        assert body["errors"]["status"] == [body["message"]]
        assert status_in_db(db, wo_id) == (frm, tech_id)


FORBIDDEN_SAMPLE = [
    ("new", "completed", "dispatcher"),
    ("new", "on_site", "manager"),
    ("assigned", "on_site", "tech1"),  # must depart first
    ("assigned", "completed", "tech1"),
    ("scheduled", "completed", "tech1"),
    ("en_route", "completed", "tech1"),
    ("on_site", "closed", "manager"),  # closing needs a completed visit
    ("on_site", "new", "dispatcher"),
    ("awaiting_parts", "completed", "tech1"),
    ("completed", "on_site", "dispatcher"),
    ("closed", "assigned", "dispatcher"),
    ("cancelled", "new", "manager"),
]


def test_forbidden_moves_are_409_and_change_nothing(db, client_for, people, world):
    clients = {who: client_for(who) for who in ("tech1", "dispatcher", "manager")}
    wo_id, tech_id = world["wo1"].id, people["tech1"].id
    for frm, to, who in FORBIDDEN_SAMPLE:
        put_in_status(db, wo_id, frm, tech_id)
        version = db.session.get(WorkOrder, wo_id).version
        response = clients[who].patch(f"/api/work-orders/{wo_id}", json={"status": to})
        body = response.get_json()
        assert response.status_code == 409, (frm, to, who, body)
        assert set(body) >= {"code", "status", "message", "errors"} and body["code"] == 409
        assert body["reason"] == "work_order.status_not_allowed"
        assert body["params"] == {"current": frm, "target": to, "allowed": body["params"]["allowed"]}
        assert "status" in body["errors"]
        assert status_in_db(db, wo_id) == (frm, tech_id)
        assert db.session.get(WorkOrder, wo_id).version == version


def test_a_technician_loses_a_closed_job_entirely(db, client_for, people, world):
    wo_id = world["wo1"].id
    put_in_status(db, wo_id, "closed", people["tech1"].id)
    response = client_for("tech1").patch(f"/api/work-orders/{wo_id}", json={"status": "assigned"})
    assert response.status_code == 404


def test_unknown_status_value_is_422_not_409(client_for, world):
    response = client_for("dispatcher").patch(f"/api/work-orders/{world['wo1'].id}", json={"status": "teleported"})
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_completing_records_when_and_reopening_keeps_the_technician(db, client_for, people, world):
    wo_id = world["wo1"].id
    put_in_status(db, wo_id, "on_site", people["tech1"].id)
    ready_to_complete(db, wo_id)
    done = client_for("tech1").patch(f"/api/work-orders/{wo_id}", json={"status": "completed"}).get_json()
    assert done["status"] == "completed" and done["completed_at"]
    reopened = client_for("dispatcher").patch(f"/api/work-orders/{wo_id}", json={"status": "assigned"})
    assert reopened.status_code == 200
    assert status_in_db(db, wo_id) == ("assigned", people["tech1"].id)


def test_handing_a_job_back_to_new_unassigns_the_technician(db, client_for, people, world):
    wo_id = world["wo1"].id
    response = client_for("dispatcher").patch(f"/api/work-orders/{wo_id}", json={"status": "new"})
    assert response.status_code == 200
    assert response.get_json()["technician_id"] is None
    assert status_in_db(db, wo_id) == ("new", None)
    assert client_for("tech1").get(f"/api/work-orders/{wo_id}").status_code == 404


def test_a_technician_is_offered_only_the_moves_they_may_make(db, client_for, people, world):
    wo_id = world["wo1"].id
    put_in_status(db, wo_id, "assigned", people["tech1"].id)
    as_tech = client_for("tech1").get(f"/api/work-orders/{wo_id}").get_json()
    as_office = client_for("dispatcher").get(f"/api/work-orders/{wo_id}").get_json()
    assert sorted(as_tech["allowed_statuses"]) == ["en_route", "scheduled"]
    assert sorted(as_office["allowed_statuses"]) == ["cancelled", "en_route", "new", "scheduled"]


def test_status_changes_bump_the_version(db, client_for, world):
    wo_id = world["wo1"].id
    before = db.session.scalar(sa.select(WorkOrder.version).where(WorkOrder.id == wo_id))
    response = client_for("tech1").patch(f"/api/work-orders/{wo_id}", json={"status": "en_route"})
    assert response.status_code == 200
    assert response.get_json()["version"] == before + 1
