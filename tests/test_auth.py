"""Signing in and out, tokens, CSRF, rate limits, cookies, headers and the API docs."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, ApiClient, isolate_requests, make_user, reset_database
from conftest import test_config as app_config  # (a plain import would be collected as a test)

from server import create_app
from server.auth.passwords import verify_password
from server.extensions import db as _db
from server.models import ApiToken, Customer, User

WRONG = "Email or password is wrong, or this account may not sign in here."
NEW_CUSTOMER = {"name": "孙七", "phone": "13900000007", "address": "广州市天河区体育西路 7 号"}


def customers_in_db() -> int:
    """Customers committed to the database (not just pending in this test's session)."""
    _db.session.rollback()  # end the test session's transaction: on SQLite it holds the lock
    with _db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Customer))


# --- password sign-in ------------------------------------------------------------------


def test_sign_in_starts_a_session_that_says_who_you_are(app, people):
    client = ApiClient(app)
    response = client.login("tech1@test.onsite")
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == "tech1@test.onsite" and body["user"]["role"] == "technician"
    assert body["csrf_token"]
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    session = client.get("/api/auth/session").get_json()
    assert session["user"]["id"] == people["tech1"].id
    assert client.get("/api/auth/me").get_json()["user"]["name"] == "王师傅"


def test_email_is_matched_without_regard_to_case(app, people):
    assert ApiClient(app).login("TECH1@Test.Onsite").status_code == 200


@pytest.mark.parametrize(
    "email, password",
    [("tech1@test.onsite", "wrong password"), ("nobody@test.onsite", PASSWORD), ("nobody@test.onsite", "x")],
)
def test_wrong_password_and_unknown_email_get_the_same_answer(app, people, email, password):
    response = ApiClient(app).login(email, password)
    assert response.status_code == 401
    body = response.get_json()
    assert body.pop("message") in (WRONG, "邮箱或密码错误，或该账号不能在此登录。")  # in the request's language
    assert body == {
        "code": 401,
        "status": "Unauthorized",
        "errors": {},
        "reason": "auth.wrong_credentials",
        "params": {},
    }


def test_a_deactivated_account_cannot_sign_in_or_use_its_session(app, db, people):
    client = ApiClient(app)
    client.login("tech2@test.onsite")
    people["tech2"].active = False
    db.session.commit()
    assert client.get("/api/auth/me").status_code == 401
    response = ApiClient(app).login("tech2@test.onsite")
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.wrong_credentials"


def test_passwords_are_stored_as_argon2id_hashes(db, people):
    stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "tech1@test.onsite"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD) and not verify_password(stored, PASSWORD + "!")


def test_anonymous_session_has_no_user_but_a_csrf_token(app):
    body = app.test_client().get("/api/auth/session").get_json()
    assert body["user"] is None and body["csrf_token"]


def test_me_without_signing_in_is_401_with_the_error_body(app):
    response = app.test_client().get("/api/auth/me")
    assert response.status_code == 401
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors", "reason", "params"} and body["code"] == 401
    assert body["reason"] == "auth.sign_in_required"


def test_sign_out_ends_the_session(client_for):
    client = client_for("dispatcher")
    response = client.post("/api/auth/logout")
    assert response.status_code == 200 and response.get_json()["user"] is None
    client.csrf = None
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/work-orders/").status_code == 401
    assert client.get("/api/auth/session").get_json()["user"] is None


def test_signing_in_starts_a_new_session_so_an_old_csrf_token_stops_working(app, people):
    client = ApiClient(app)
    before = client.get("/api/auth/session").get_json()["csrf_token"]
    client.login("dispatch@test.onsite")
    response = client.client.post("/api/customers", json=NEW_CUSTOMER, headers={"X-CSRFToken": before})
    assert response.status_code == 400
    assert customers_in_db() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "tech1@test.onsite"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "tech1@test.onsite", "password": PASSWORD, "role": "manager"}, "role"),
    ],
)
def test_login_with_bad_input_is_422(app, body, field):
    response = ApiClient(app).post("/api/auth/login", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


# --- bearer tokens -----------------------------------------------------------------------


def test_a_bearer_token_works_without_a_session_or_csrf(app, db, people):
    plain = app.test_client()  # no cookies, no CSRF token, like an integration
    response = plain.post(
        "/api/auth/token", json={"email": "dispatch@test.onsite", "password": PASSWORD, "name": "ERP link"}
    )
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert response.get_json()["user"]["role"] == "dispatcher"

    other = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert other.get("/api/auth/me", headers=auth).get_json()["user"]["email"] == "dispatch@test.onsite"
    created = other.post("/api/customers", json=NEW_CUSTOMER, headers=auth)
    assert created.status_code == 201
    # Only a digest is kept: the database never holds a usable token.
    stored = db.session.scalars(sa.select(ApiToken.token_sha256)).all()
    assert len(stored) == 1 and token not in stored[0] and re.fullmatch(r"[0-9a-f]{64}", stored[0])


def test_token_creation_checks_the_password(app, people):
    response = app.test_client().post("/api/auth/token", json={"email": "dispatch@test.onsite", "password": "nope"})
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.wrong_credentials"


@pytest.mark.parametrize("header", ["Bearer ons_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_a_bad_token_is_401_and_changes_nothing(app, people, header):
    client = app.test_client()
    response = client.post("/api/customers", json=NEW_CUSTOMER, headers={"Authorization": header})
    assert response.status_code in (400, 401)  # no session: CSRF (Basic) or sign-in (Bearer)
    if header.startswith("Bearer ons_"):
        assert response.status_code == 401
    assert customers_in_db() == 0


# --- CSRF -----------------------------------------------------------------------------------


def test_cookie_writes_need_the_csrf_header(client_for):
    client = client_for("dispatcher")
    response = client.client.post("/api/customers", json=NEW_CUSTOMER)
    assert response.status_code == 400
    body = response.get_json()
    assert "CSRF" in body["message"] and "X-CSRFToken" in body["message"]
    assert "/api/auth/session" in body["message"]  # says where to get the token
    wrong = client.client.post("/api/customers", json=NEW_CUSTOMER, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert customers_in_db() == 0
    assert client.post("/api/customers", json=NEW_CUSTOMER).status_code == 201


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_unsafe_method_is_checked(client_for, world, method):
    client = client_for("dispatcher")
    url = {"put": "/api/van-stock", "patch": f"/api/customers/{world['customers'][0].id}", "delete": "/api/customers"}[
        method
    ]
    response = getattr(client.client, method)(url, json={})
    assert response.status_code == 400 and "CSRF" in response.get_json()["message"]


def test_an_authorization_header_does_not_waive_csrf_for_a_cookie_session(client_for):
    client = client_for("dispatcher")
    response = client.client.post("/api/customers", json=NEW_CUSTOMER, headers={"Authorization": "Bearer junk"})
    assert response.status_code == 400
    assert customers_in_db() == 0


# --- login rate limit -------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path):
    """An app that allows three password attempts a minute (sqlite is enough: no DB involved)."""
    app = create_app({**app_config(tmp_path, "sqlite"), "LOGIN_RATE_LIMIT": "3 per minute"})
    isolate_requests(app)
    with app.app_context():
        reset_database("sqlite")
        make_user("tech1@test.onsite", "technician")
        _db.session.commit()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_login_is_rate_limited_with_the_json_error_body(limited_app):
    client = ApiClient(limited_app)
    statuses = [client.login("tech1@test.onsite", "guess").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    blocked = client.login("tech1@test.onsite")  # even the right password, once over the limit
    assert blocked.status_code == 429
    body = blocked.get_json()
    assert body["code"] == 429 and body["status"] == "Too Many Requests"
    assert "try again" in body["message"] and body["errors"] == {}
    assert "Retry-After" in blocked.headers or "X-RateLimit-Reset" in blocked.headers


def test_token_creation_shares_the_login_budget(limited_app):
    client = ApiClient(limited_app)
    for _ in range(2):
        client.login("tech1@test.onsite", "guess")
    assert (
        limited_app.test_client()
        .post("/api/auth/token", json={"email": "tech1@test.onsite", "password": "guess"})
        .status_code
        == 401
    )
    over = limited_app.test_client().post("/api/auth/token", json={"email": "tech1@test.onsite", "password": PASSWORD})
    assert over.status_code == 429


def test_reading_the_session_is_not_rate_limited(limited_app):
    client = limited_app.test_client()
    assert {client.get("/api/auth/session").status_code for _ in range(10)} == {200}


# --- cookies and headers -----------------------------------------------------------------------


def test_session_cookies_are_httponly_samesite_and_secure_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = {k: v for k, v in app_config(tmp_path, "sqlite").items() if not k.endswith("COOKIE_SECURE")}
    app = create_app(config)
    isolate_requests(app)
    with app.app_context():
        reset_database("sqlite")
        make_user("tech1@test.onsite", "technician")
        _db.session.commit()
        client = app.test_client()
        token = client.get("/api/auth/session", base_url="https://localhost").get_json()["csrf_token"]
        response = client.post(
            "/api/auth/login",
            json={"email": "tech1@test.onsite", "password": PASSWORD},
            headers={"X-CSRFToken": token, "Referer": "https://localhost/app/"},
            base_url="https://localhost",
        )  # on HTTPS Flask-WTF also checks the referrer
        _db.session.remove()
        _db.engine.dispose()
    assert response.status_code == 200
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        flags = [f.strip().lower() for f in cookies[name].split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]


@pytest.mark.parametrize("path", ["/api/auth/session", "/api/no-such-thing", "/healthz", "/", "/app/"])
def test_security_headers_on_pages_and_api(app, path):
    response = app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_api_answers_are_not_cached(client_for, world):
    response = client_for("tech1").get(f"/api/customers/{world['customers'][0].id}")
    assert response.headers["Cache-Control"] == "no-store"


# --- the API document -----------------------------------------------------------------------------


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_is_valid_and_lists_every_api_path(app):
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "Onsite API"
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)
    documented = set(spec["paths"])
    served = {
        flask_to_openapi(r.rule)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/") and not r.rule.startswith(("/api/docs", "/api/openapi.json"))
    }
    assert served - documented == set()
    for path in (
        "/api/work-orders/",
        "/api/work-orders/{wo_id}",
        "/api/customers",
        "/api/products/{product_id}",
        "/api/parts",
        "/api/van-stock",
        "/api/auth/login",
    ):
        assert path in documented


def test_openapi_describes_the_schemas_with_their_limits(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    work_order_in = schemas["WorkOrderIn"]
    assert {"customer_id", "channel", "type", "priority", "fault_description"} <= set(work_order_in["required"])
    assert work_order_in["properties"]["fault_description"]["maxLength"] == 2000
    assert set(work_order_in["properties"]["channel"]["enum"]) == {"phone", "chat", "wechat", "website", "walk_in"}
    assert "required" not in schemas["CustomerPatch"]  # a correction sends only what changed


def test_docs_page_loads_swagger_ui_from_this_server_so_it_works_offline(app):
    import re

    client = app.test_client()
    page = client.get("/api/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        assert asset.startswith("/static/apidocs/"), asset
        served = client.get(asset)
        assert served.status_code == 200 and len(served.get_data()) > 10_000, asset
        served.close()
    csp = page.headers["Content-Security-Policy"]
    assert "http" not in csp  # no other origin is trusted


def test_docs_page_is_html_that_loads_the_document(app):
    response = app.test_client().get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "swagger" in html.lower() and "openapi.json" in html


def test_office_sign_in_shares_the_password_budget(limited_app):
    client = ApiClient(limited_app)
    client.login("tech1@test.onsite", "guess")
    client.login("tech1@test.onsite", "guess")
    office = limited_app.test_client()
    office.get("/office/login")
    token = office.get("/api/auth/session").get_json()["csrf_token"]
    form = {"email": "tech1@test.onsite", "password": "guess", "csrf_token": token}
    assert office.post("/office/login", data=form).status_code == 401
    assert office.post("/office/login", data={**form, "password": PASSWORD}).status_code == 429


def test_office_sign_in_answers_a_technicians_right_password_like_a_wrong_one(app, people):
    def attempt(password: str) -> tuple[int, str]:
        browser = app.test_client()
        browser.get("/office/lang/en")
        token = browser.get("/api/auth/session").get_json()["csrf_token"]
        answer = browser.post(
            "/office/login", data={"email": people["tech1"].email, "password": password, "csrf_token": token}
        )
        # The page signs its own CSRF token with the current second, so it may differ from `token`.
        return answer.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", answer.get_data(as_text=True))

    right, wrong = attempt(PASSWORD), attempt("not the password")
    assert right == wrong and right[0] == 401
    assert "may not sign in here" in right[1] and "dispatcher or manager account" not in right[1]
