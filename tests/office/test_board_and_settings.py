"""SLA clocks: the board sorts by time left and flags breaches; a manager sets the hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.domain.work_calendar import WEEKDAYS
from server.services import sla_settings as office_settings
from server.services.sla_board import sla_clock
from server.services.work_orders import create_work_order

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("minutes_in, state", [(30, "ok"), (100, "near"), (119, "near"), (121, "breached")])
def test_a_two_hour_response_clock_goes_near_then_breached(minutes_in, state):
    clock = sla_clock(T0, T0 + timedelta(hours=2), T0 + timedelta(hours=24), None, T0 + timedelta(minutes=minutes_in))
    assert clock.kind == "response" and clock.state == state
    assert clock.left == timedelta(minutes=120 - minutes_in)


def test_after_first_response_the_resolution_clock_runs():
    clock = sla_clock(
        T0, T0 + timedelta(hours=2), T0 + timedelta(hours=24), T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    )
    assert clock.kind == "resolution" and clock.state == "ok"
    assert clock.left == timedelta(hours=21)


def test_a_missed_response_stays_breached_until_someone_responds():
    clock = sla_clock(T0, T0 + timedelta(hours=2), T0 + timedelta(hours=24), None, T0 + timedelta(hours=5))
    assert clock.kind == "response" and clock.state == "breached"


def _order(world, people, priority, created_at, **kw):
    c2, p2 = world["customers"][1], world["products"][1]  # a normal-tier customer
    return create_work_order(
        {
            "customer_id": c2.id,
            "product_id": p2.id,
            "channel": "phone",
            "type": "repair",
            "priority": priority,
            "fault_description": "漏水",
            **kw,
        },
        people["dispatcher"],
        now=created_at,
    )


def round_the_clock(people, db, response=None, resolution=None):
    """Wall-clock SLA hours (the old 2/4/24 h) in a calendar open 24 h a day, every day."""
    everyday = dict.fromkeys(WEEKDAYS, ["00:00", "24:00"])
    office_settings.save_calendar(everyday, [], 8, people["manager"])
    office_settings.save(
        response or {"urgent": 2, "important": 4, "normal": 24},
        resolution or {"urgent": 24, "important": 48, "normal": 72},
        3,
        people["manager"],
    )
    db.session.commit()


def test_board_sorts_open_orders_by_time_left_with_breaches_first(client_for, world, people, db):
    round_the_clock(people, db)
    now = datetime.now(UTC)
    breached = _order(world, people, "urgent", now - timedelta(hours=3))  # response due 1 h ago
    near = _order(world, people, "urgent", now - timedelta(minutes=100))  # 20 min left of 2 h
    fresh = _order(world, people, "normal", now)  # 24 h left
    done = _order(world, people, "urgent", now - timedelta(hours=5))
    db.session.flush()
    done.status = "cancelled"
    db.session.commit()

    body = client_for("dispatcher").get("/api/office/board").get_json()
    tickets = [r["ticket_no"] for r in body["rows"]]
    assert done.ticket_no not in tickets
    assert tickets.index(breached.ticket_no) < tickets.index(near.ticket_no) < tickets.index(fresh.ticket_no)
    by_ticket = {r["ticket_no"]: r for r in body["rows"]}
    assert by_ticket[breached.ticket_no]["clock"]["state"] == "breached"
    assert by_ticket[breached.ticket_no]["clock"]["left_seconds"] < 0
    assert by_ticket[near.ticket_no]["clock"]["state"] == "near"
    assert by_ticket[fresh.ticket_no]["clock"]["state"] == "ok"
    assert body["counts"]["breached"] >= 1 and body["counts"]["near"] >= 1


def test_vip_orders_show_their_raised_priority(client_for, world):
    body = client_for("dispatcher").get("/api/office/board").get_json()
    row = next(r for r in body["rows"] if r["ticket_no"] == world["wo1"].ticket_no)  # VIP customer, normal
    assert row["priority"] == "normal" and row["effective_priority"] == "important"


def test_board_filters_by_technician(client_for, world, people):
    body = client_for("dispatcher").get(f"/api/office/board?technician_id={people['tech2'].id}").get_json()
    assert [r["ticket_no"] for r in body["rows"]] == [world["wo2"].ticket_no]


SETTINGS = {
    "response_hours": {"urgent": 1, "important": 3, "normal": 12},
    "resolution_hours": {"urgent": 8, "important": 24, "normal": 48},
    "low_rating_threshold": 2,
}


def test_defaults_come_from_seeds_000_and_001(client_for):
    body = client_for("dispatcher").get("/api/office/sla-settings").get_json()
    # Seed 001 §四3: respond to 緊急 in 15 min, 普通 in 30 min; resolve 緊急 in 4 h, 普通 in 24 h.
    assert body["response_hours"] == {"urgent": 0.25, "important": 0.25, "normal": 0.5}
    assert body["resolution_hours"] == {"urgent": 4.0, "important": 24.0, "normal": 24.0}
    assert body["low_rating_threshold"] == 3
    calendar = client_for("dispatcher").get("/api/office/work-calendar").get_json()
    # Seed 000 §二(一)2: standard working days 8:30-18:00; §二(二)1: 8 h of the next working day.
    assert calendar["hours"] == {
        **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ["08:30", "18:00"]),
        "sat": None,
        "sun": None,
    }
    assert calendar["holidays"] == [] and calendar["after_hours_response_hours"] == 8.0


def test_a_manager_changes_the_hours_and_new_intakes_use_them(client_for, people, db):
    round_the_clock(people, db)
    manager = client_for("manager")
    response = manager.put("/api/office/sla-settings", json=SETTINGS)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["response_hours"]["urgent"] == 1.0
    from .test_intake import request_body

    wo = manager.post("/api/office/intake", json=request_body(priority="urgent")).get_json()["work_order"]
    assert datetime.fromisoformat(wo["response_due"]) - datetime.fromisoformat(wo["created_at"]) == timedelta(hours=1)
    assert datetime.fromisoformat(wo["resolution_due"]) - datetime.fromisoformat(wo["created_at"]) == timedelta(hours=8)


def test_a_dispatcher_may_read_but_not_change_the_hours(client_for):
    assert client_for("dispatcher").put("/api/office/sla-settings", json=SETTINGS).status_code == 403


@pytest.mark.parametrize(
    "change, field",
    [
        ({"response_hours": {"urgent": 1, "important": 3}}, "response_hours"),
        ({"response_hours": {"urgent": 0, "important": 3, "normal": 12}}, "response_hours"),
        ({"resolution_hours": {"urgent": 0.5, "important": 24, "normal": 48}}, "resolution_hours"),
        ({"low_rating_threshold": 5}, "low_rating_threshold"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(client_for, change, field):
    response = client_for("manager").put("/api/office/sla-settings", json={**SETTINGS, **change})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
