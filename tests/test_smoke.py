"""The first thing a new user does: sign in and list today's jobs."""


def test_healthz_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_technician_lists_own_jobs_and_cannot_open_another_technicians(client_for, world):
    tech1 = client_for("tech1")
    jobs = tech1.get("/api/work-orders/mine").get_json()
    assert [j["ticket_no"] for j in jobs] == [world["wo1"].ticket_no]
    assert tech1.get(f"/api/work-orders/{world['wo2'].id}").status_code == 404
    assert tech1.get(f"/api/work-orders/{world['wo1'].id}").status_code == 200
