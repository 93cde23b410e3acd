"""Revocable sign-in (issue #12, finding 1): every session, remember cookie and bearer token
resolves through a server-side row, so logout, revocation, passkey removal, a new password and
deactivation end it at once, whatever copy of a cookie or token a lost phone still holds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from conftest import PASSWORD, ApiClient
from test_passkeys import URL as PASSKEYS
from test_passkeys import SoftAuthenticator

from server.auth import sign_ins
from server.models import ApiToken, SignIn, utcnow


def saved_cookies(client: ApiClient) -> dict[str, str]:
    return {
        name: client.client.get_cookie(name).value
        for name in ("session", "remember_token")
        if client.client.get_cookie(name) is not None
    }


def replay(app, cookies: dict[str, str]):
    """A new browser holding copies of `cookies` asks who it is."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/api/auth/me")


def bearer(app, token: str, path: str = "/api/auth/me"):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_the_remember_cookie_carries_a_sign_in_token_not_the_user_id(app, people, client_for):
    tech = client_for("tech1")
    remember = saved_cookies(tech)["remember_token"]
    assert people["tech1"].id not in remember
    assert replay(app, {"remember_token": remember}).status_code == 200


def test_after_logout_a_saved_remember_cookie_or_session_cookie_is_refused(app, people, client_for):
    tech = client_for("tech1")
    cookies = saved_cookies(tech)
    assert set(cookies) == {"session", "remember_token"}
    assert replay(app, cookies).status_code == 200
    assert tech.post("/api/auth/logout", json={}).status_code == 200
    assert replay(app, {"remember_token": cookies["remember_token"]}).status_code == 401
    assert replay(app, {"session": cookies["session"]}).status_code == 401


def test_signing_in_again_rotates_the_token(app, people, client_for):
    tech = client_for("tech1")
    before = saved_cookies(tech)
    assert tech.login(people["tech1"].email).status_code == 200
    assert replay(app, before).status_code == 401
    assert replay(app, saved_cookies(tech)).status_code == 200


def test_a_sign_in_is_listed_and_revoked_like_a_lost_phone(app, db, people, client_for):
    phone = client_for("tech1")
    laptop = client_for("tech1")
    listed = laptop.get("/api/auth/sign-ins").get_json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert {s["method"] for s in listed} == {"password"}
    phone_id = next(s["id"] for s in listed if not s["current"])
    assert laptop.delete(f"/api/auth/sign-ins/{phone_id}").status_code == 204
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200
    # Someone else's sign-in is not found.
    other = client_for("tech2")
    mine = laptop.get("/api/auth/sign-ins").get_json()[0]["id"]
    assert other.delete(f"/api/auth/sign-ins/{mine}").status_code == 404
    assert laptop.get("/api/auth/me").status_code == 200


def test_an_expired_or_idle_sign_in_is_refused(app, db, people, client_for):
    tech = client_for("tech1")
    db.session.execute(sa.update(SignIn).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert tech.get("/api/auth/me").status_code == 401


def test_tokens_expire_are_listed_with_last_use_and_are_revoked(app, db, people, client_for):
    created = app.test_client().post(
        "/api/auth/token",
        json={"email": people["tech1"].email, "password": PASSWORD, "name": "harness", "expires_in_days": 7},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    token, token_id = body["token"], body["id"]
    assert bearer(app, token).status_code == 200

    tech = client_for("tech1")
    listed = tech.get("/api/auth/tokens").get_json()
    assert [t["id"] for t in listed] == [token_id] and "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None and listed[0]["name"] == "harness"

    # Noted at most once a minute: a second use within the minute writes nothing.
    first_use = db.session.get(ApiToken, token_id).last_used_at
    assert bearer(app, token).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at == first_use

    # Another user cannot revoke it; its owner can, and then it answers 401.
    assert client_for("tech2").delete(f"/api/auth/tokens/{token_id}").status_code == 404
    assert bearer(app, token).status_code == 200
    assert tech.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    assert bearer(app, token).status_code == 401
    assert bearer(app, token, "/api/sync/pull?cursor=&limit=10").status_code == 401


def test_an_expired_token_is_refused_by_the_app_and_by_the_idle_pull_lane(app, db, people):
    token, record = sign_ins.issue_token(people["tech1"], "phone")
    db.session.commit()
    first = bearer(app, token, "/api/sync/pull?limit=10")
    assert first.status_code == 200
    cursor = first.get_json()["cursor"]
    idle = f"/api/sync/pull?limit=10&cursor={cursor}"
    assert bearer(app, token, idle).status_code == 200
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1), last_used_at=utcnow()))
    db.session.commit()
    assert bearer(app, token, idle).status_code == 401
    assert bearer(app, token).status_code == 401


def test_removing_a_passkey_ends_the_sessions_it_started(app, db, people, client_for):
    tech = client_for("tech1")
    authenticator = SoftAuthenticator()
    options = tech.post(f"{PASSKEYS}/register/options", json={"name": "phone"}).get_json()["publicKey"]
    passkey_id = tech.post(
        f"{PASSKEYS}/register/verify", json={"credential": authenticator.create(options)}
    ).get_json()["id"]

    phone = ApiClient(app)
    options = phone.post(f"{PASSKEYS}/login/options", json={}).get_json()["publicKey"]
    signed_in = phone.post(f"{PASSKEYS}/login/verify", json={"credential": authenticator.get(options)})
    assert signed_in.status_code == 200
    cookies = saved_cookies(phone)
    assert replay(app, cookies).status_code == 200

    assert tech.delete(f"{PASSKEYS}/{passkey_id}").status_code == 204
    assert phone.get("/api/auth/me").status_code == 401
    assert replay(app, {"remember_token": cookies["remember_token"]}).status_code == 401
    assert tech.get("/api/auth/me").status_code == 200  # signed in with the password: not the passkey's


def test_a_new_password_ends_every_other_session_and_token(app, db, people, client_for):
    phone = client_for("tech1")
    laptop = client_for("tech1")
    token = sign_ins.issue_token(people["tech1"], "harness")[0]
    db.session.commit()
    wrong = laptop.post("/api/auth/password", json={"current_password": "nope", "new_password": "a new passphrase 42"})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]
    changed = laptop.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "a new passphrase 42"}
    )
    assert changed.status_code == 200, changed.get_json()
    assert laptop.get("/api/auth/me").status_code == 200
    assert phone.get("/api/auth/me").status_code == 401
    assert bearer(app, token).status_code == 401
    assert ApiClient(app).login(people["tech1"].email, "a new passphrase 42").status_code == 200


def test_deactivation_ends_every_session_and_token(app, db, people, client_for):
    phone = client_for("tech1")
    cookies = saved_cookies(phone)
    token = sign_ins.issue_token(people["tech1"], "harness")[0]
    db.session.commit()
    sign_ins.deactivate(people["tech1"])
    db.session.commit()
    assert phone.get("/api/auth/me").status_code == 401
    assert replay(app, cookies).status_code == 401
    assert bearer(app, token).status_code == 401
    # Reactivating the account does not bring the old sessions back.
    people["tech1"].active = True
    db.session.commit()
    assert replay(app, cookies).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_cli_deactivates_a_user_and_revokes_sessions(app, db, people, client_for):
    runner = app.test_cli_runner()
    phone = client_for("tech2")
    result = runner.invoke(args=["revoke-sessions", people["tech2"].email])
    assert result.exit_code == 0, result.output
    assert phone.get("/api/auth/me").status_code == 401
    assert ApiClient(app).login(people["tech2"].email).status_code == 200

    other = client_for("tech1")
    result = runner.invoke(args=["deactivate-user", people["tech1"].email])
    assert result.exit_code == 0, result.output
    assert other.get("/api/auth/me").status_code == 401
    assert ApiClient(app).login(people["tech1"].email).status_code == 401
    assert runner.invoke(args=["deactivate-user", "nobody@test.onsite"]).exit_code != 0
