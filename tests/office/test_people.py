"""Staff and devices (issue #12, finding 1): a manager sees a technician's signed-in devices,
signs out a lost phone and deactivates an account; dispatchers and technicians may not."""

from __future__ import annotations

from conftest import PASSWORD, ApiClient

from server.auth import sign_ins
from server.extensions import db

from .helpers import PageClient


def manager_pages(app, people) -> PageClient:
    pages = PageClient(app)
    assert pages.login(people["manager"].email, PASSWORD).status_code == 302
    pages.get("/office/lang/en")
    return pages


def test_a_manager_signs_out_a_lost_phone(app, people, client_for):
    phone = client_for("tech1")
    laptop = client_for("tech1")
    token = sign_ins.issue_token(people["tech1"], "harness")[0]
    db.session.commit()
    pages = manager_pages(app, people)

    listing = pages.get("/office/people").get_data(as_text=True)
    assert people["tech1"].name in listing and f"/office/people/{people['tech1'].id}" in listing
    page_url = f"/office/people/{people['tech1'].id}"
    html = pages.get(page_url).get_data(as_text=True)
    assert html.count("data-sign-in=") == 2 and "harness" in html and "Sign out this device" in html

    phone_sign_in = phone.get("/api/auth/sign-ins").get_json()
    phone_id = next(s["id"] for s in phone_sign_in if s["current"])
    answer = pages.submit(page_url, f"{page_url}/sign-ins/{phone_id}/revoke", {})
    assert answer.status_code == 302
    assert "next request is refused" in pages.get(page_url).get_data(as_text=True)
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200
    assert ApiClient(app).client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    token_id = sign_ins.live_tokens(people["tech1"])[0].id
    assert pages.submit(page_url, f"{page_url}/tokens/{token_id}/revoke", {}).status_code == 302
    assert ApiClient(app).client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_manager_deactivates_an_account_and_every_session_ends(app, people, client_for):
    phone = client_for("tech2")
    pages = manager_pages(app, people)
    page_url = f"/office/people/{people['tech2'].id}"
    assert pages.submit(page_url, f"{page_url}/deactivate", {}).status_code == 302
    assert "Deactivated" in pages.get(page_url).get_data(as_text=True)
    assert phone.get("/api/auth/me").status_code == 401
    assert ApiClient(app).login(people["tech2"].email).status_code == 401


def test_only_managers_see_devices(app, people):
    dispatcher = PageClient(app)
    assert dispatcher.login(people["dispatcher"].email, PASSWORD).status_code == 302
    assert dispatcher.get("/office/people").status_code == 403
    assert dispatcher.get(f"/office/people/{people['tech1'].id}").status_code == 403
    pages = manager_pages(app, people)
    assert pages.get("/office/people/00000000-0000-4000-8000-000000000000").status_code == 404
