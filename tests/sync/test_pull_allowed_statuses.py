"""A pulled work order says which statuses its reader may set next, for the user pulled for.

Pull pages are built outside any request here (no request context, nobody signed in), as
a background job or another worker might build them: the statuses must come from the
user passed in, never from whoever Flask-Login thinks is signed in.
"""

from __future__ import annotations

from flask import has_request_context

from server.domain.lifecycle import Status, allowed_targets
from server.sync.pull import pull

# Statuses a technician's job can be in while the technician still holds it.
HELD = [
    Status.ASSIGNED,
    Status.SCHEDULED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.AWAITING_PARTS,
    Status.RETURNED_TO_FACTORY,
    Status.COMPLETED,
]


def _jobs_in_every_held_status(db, world, people):
    """tech1's job plus one more per held status, all assigned to tech1."""
    from server.services.work_orders import create_work_order

    customer, product = world["customers"][0], world["products"][0]
    base = {
        "channel": "phone",
        "type": "repair",
        "priority": "normal",
        "fault_description": "不制冷",
        "customer_id": customer.id,
        "product_id": product.id,
        "technician_id": people["tech1"].id,
    }
    orders = {}
    for status in HELD:
        wo = create_work_order(dict(base), people["dispatcher"])
        wo.status = status.value  # set directly: this test is about what pull says, not how it got there
        db.session.flush()
        orders[wo.id] = status.value
    db.session.commit()
    return orders


def _pulled_work_orders(db, user) -> dict[str, dict]:
    page = pull(db.session, user, None, 500)
    assert not page.has_more
    return {c["id"]: c["fields"] for c in page.decoded_changes() if c["entity"] == "work_order" and c["op"] == "put"}


def test_a_technicians_pull_outside_a_request_carries_the_technicians_moves(db, world, people):
    orders = _jobs_in_every_held_status(db, world, people)
    assert not has_request_context()

    pulled = _pulled_work_orders(db, people["tech1"])

    assert set(orders) <= set(pulled)
    for fields in pulled.values():
        assert fields["allowed_statuses"] == allowed_targets(fields["status"], "technician"), fields["status"]
        assert not {"new", "cancelled", "closed"} & set(fields["allowed_statuses"])  # office-only moves
    assert {pulled[i]["status"] for i in orders} == {s.value for s in HELD}


def test_a_dispatchers_pull_outside_a_request_carries_the_offices_moves(db, world, people):
    orders = _jobs_in_every_held_status(db, world, people)

    pulled = _pulled_work_orders(db, people["dispatcher"])

    assert set(orders) | {world["wo1"].id, world["wo2"].id} <= set(pulled)
    for fields in pulled.values():
        assert fields["allowed_statuses"] == allowed_targets(fields["status"], "dispatcher"), fields["status"]
    assert "cancelled" in pulled[world["wo1"].id]["allowed_statuses"]  # an assigned job can be cancelled by the office


# The technician's own moves, written out from the lifecycle as the seeds describe the visit
# (not computed by allowed_targets), so the pull is checked against the rule, not against itself.
TECHNICIAN_MOVES = {
    "assigned": {"scheduled", "en_route"},
    "scheduled": {"en_route"},
    "en_route": {"on_site", "scheduled"},
    "on_site": {"completed", "awaiting_parts", "returned_to_factory", "scheduled"},
    "awaiting_parts": {"scheduled", "en_route"},
    "returned_to_factory": {"scheduled"},
    "completed": set(),
}


def test_a_technicians_pull_carries_exactly_the_moves_a_technician_may_make(db, world, people):
    orders = _jobs_in_every_held_status(db, world, people)

    pulled = _pulled_work_orders(db, people["tech1"])

    assert {status: set(pulled[i]["allowed_statuses"]) for i, status in orders.items()} == TECHNICIAN_MOVES


def test_a_pull_for_a_technician_while_a_dispatcher_is_signed_in_carries_the_technicians_moves(app, db, world, people):
    """The old bug: the pulled record asked Flask-Login's current_user, not the user pulled for."""
    from flask_login import current_user, login_user

    orders = _jobs_in_every_held_status(db, world, people)
    with app.test_request_context("/api/sync/pull"):
        login_user(people["dispatcher"])
        assert current_user.role == "dispatcher"
        pulled = _pulled_work_orders(db, people["tech1"])

    assert {status: set(pulled[i]["allowed_statuses"]) for i, status in orders.items()} == TECHNICIAN_MOVES
