"""The idle-pull lane (server/sync/idle_pull.py): up-to-date bearer-token pulls answered in
one query, the same answer as the full view's, and everything else left to the full view."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.auth.session import issue_token

from .device import SimDevice


@pytest.fixture
def phone(app, db, people, world):
    """tech1's phone, authenticated by bearer token, pulled up to date."""
    token = issue_token(people["tech1"], "phone")
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    device = SimDevice(client)
    assert device.pull_all(), "the seed gives tech1 a job to pull"
    return device


class FullView:
    """Stands between the lane and the app, counting what the lane passes on."""

    def __init__(self, app):
        self.lane = app.wsgi_app
        self.app_wsgi = self.lane.wsgi_app
        self.calls = 0
        self.lane.wsgi_app = self

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app_wsgi(environ, start_response)


def test_an_up_to_date_pull_gets_the_full_views_answer_without_reaching_the_app(app, phone):
    url = f"/api/sync/pull?cursor={phone.cursor}"
    full = app.wsgi_app.wsgi_app  # the app itself, behind the lane
    app_client = app.test_client()
    app_client.environ_base.update(phone.client.environ_base)
    app.wsgi_app, lane = full, app.wsgi_app
    expected = app_client.get(url)
    app.wsgi_app = lane

    passed_on = FullView(app)
    answer = phone.client.get(url)
    assert passed_on.calls == 0  # answered by the lane
    assert answer.status_code == expected.status_code == 200
    assert answer.get_data() == expected.get_data()
    assert answer.get_json() == {"changes": [], "cursor": phone.cursor, "has_more": False, "reset": False}
    for name in (
        "Content-Type",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "Cache-Control",
    ):
        assert answer.headers[name] == expected.headers[name], name


def test_a_change_after_the_cursor_is_sent_at_once(app, db, phone, client_for, world):
    office = client_for("dispatcher")
    edit = office.patch(f"/api/work-orders/{world['wo1'].id}", json={"fault_description": "外机不启动"})
    assert edit.status_code == 200, edit.get_json()
    passed_on = FullView(app)
    changes = phone.pull_all()
    assert passed_on.calls == 1
    assert [c["fields"]["fault_description"] for c in changes if c["entity"] == "work_order"] == ["外机不启动"]
    phone.pull_all()
    assert passed_on.calls == 1  # up to date again: back to the lane


def test_a_revoked_token_or_a_disabled_account_is_refused(app, db, phone, people):
    url = f"/api/sync/pull?cursor={phone.cursor}"
    people["tech1"].active = False
    db.session.commit()
    refused = phone.client.get(url)
    assert refused.status_code == 401
    people["tech1"].active = True
    db.session.execute(sa.text("DELETE FROM api_tokens"))
    db.session.commit()
    assert phone.client.get(url).status_code == 401


@pytest.mark.parametrize(
    "query, status",
    [
        ("limit=0&cursor={c}", 422),  # out of range
        ("cursor={c}&surprise=1", 200),  # unknown: the full view ignores it
        ("cursor=not-a-cursor", 400),
        ("cursor={c}&cursor={c}", 200),  # repeated: the full view takes the first
        ("limit=20&cursor={c}", 200),
    ],
)
def test_parameters_the_lane_does_not_take_are_judged_by_the_full_view(app, phone, query, status):
    passed_on = FullView(app)
    answer = phone.client.get("/api/sync/pull?" + query.format(c=phone.cursor))
    assert answer.status_code == status, answer.get_json()
    assert passed_on.calls == (0 if query.startswith("limit=20") else 1)
    if status == 200:
        assert answer.get_json()["changes"] == []


def test_a_cookie_session_pull_goes_to_the_full_view(app, client_for):
    browser = SimDevice(client_for("tech1"))
    browser.pull_all()
    passed_on = FullView(app)
    answer = browser.client.get(f"/api/sync/pull?cursor={browser.cursor}")
    assert answer.status_code == 200 and answer.get_json()["changes"] == []
    assert passed_on.calls == 1


def test_a_connection_the_database_dropped_is_replaced(app, db, phone, backend):
    if backend != "postgresql":
        pytest.skip("a SQLite file cannot drop its connections")
    url = f"/api/sync/pull?cursor={phone.cursor}"
    assert phone.client.get(url).status_code == 200
    # The server ends every other session on this database (a restart, a failover).
    db.session.execute(
        sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
    db.session.commit()
    passed_on = FullView(app)
    first = phone.client.get(url)
    assert first.status_code == 200 and first.get_json()["changes"] == []
    assert passed_on.calls == 1  # the lane's connection was dead: the full view answered
    assert phone.client.get(url).status_code == 200
    assert passed_on.calls == 1  # and the lane has a fresh one
