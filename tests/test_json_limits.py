"""Limits on every JSON body before the schemas see it, and malformed input never a 500 (issue #12, finding 2)."""

from __future__ import annotations

import io

import pytest
from werkzeug.test import EnvironBuilder

from server.request_limits import find_violations, json_path
from tests.conftest import PASSWORD
from tests.office.helpers import CSRF_FIELD
from tests.test_request_size import assert_error_body

LIMITS = (32, 65_536, 256, 1_000)


def post_raw(app, path: str, raw: bytes):
    return app.test_client().post(path, data=raw, headers={"Content-Type": "application/json"})


def test_5000_deep_json_unauthenticated_is_400(app):
    raw = b'{"email": "a@b.cn", "password": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    error = assert_error_body(post_raw(app, "/api/auth/token", raw), 400)
    assert "Invalid JSON body" in error["message"] and "deep" in error["message"]


@pytest.mark.parametrize(
    "raw, path, words",
    [
        (b'{"email": "a@b.cn", "password": ' + b"[" * 40 + b"]" * 40 + b"}", "password" + "[0]" * 31, "levels deep"),
        (b'{"email": "a@b.cn", "password": "' + b"x" * 70_000 + b'"}', "password", "characters"),
        (b'{"email": "a@b.cn", "password": "p", "name": 9223372036854775808}', "name", "64-bit"),
        (b'{"email": "a@b.cn", "password": "p", "name": -9223372036854775809}', "name", "64-bit"),
        (b'{"email": "a@b.cn", "password": "p", "name": 18446744073709551616}', "name", "64-bit"),
        (b'{"email": "a@b.cn", "password": "p", "name": 1e300}', "name", "64-bit"),
        (b'{"email": "a@b.cn", "password": "a\\u0000b"}', "password", "NUL"),
        (b'{"email": "a@b.cn", "password": "p", "name": [' + b"1," * 1500 + b"1]}", "name", "items"),
        (b'{"email": "a@b.cn", "password": "p", "n\\u0000": 1}', "'n\\x00'", "NUL"),
    ],
)
def test_a_body_over_a_limit_is_422_naming_the_place(app, raw, path, words):
    error = assert_error_body(post_raw(app, "/api/auth/token", raw), 422)
    assert path in error["errors"], error["errors"]
    assert words in error["errors"][path][0] and path in error["message"], error


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": NaN}',
        b'{"email": Infinity}',
        b'{"email": "\\ud800"}',
        b'{"email": 1e999}',
        b"\xff\xfe{",
        b'{"email": "a"',
    ],
)
def test_what_is_not_strict_json_is_400(app, raw):
    error = assert_error_body(post_raw(app, "/api/auth/token", raw), 400)
    assert error["message"].startswith("Invalid JSON body")


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    environ = EnvironBuilder(
        path="/api/auth/token",
        method="POST",
        headers={"Content-Type": "application/json"},
        input_stream=io.BytesIO(b'{"email": "' + b"x" * 5000 + b'"}'),
        environ_overrides={"wsgi.input_terminated": True},
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    response = app.response_class.from_app(app.wsgi_app, environ)
    assert_error_body(response, 413)


def test_the_walk_names_paths_and_keeps_within_limits():
    doc = {"mutations": [{"seq": 1}, {"seq": 2, "fields": {"data": {"a": "x\x00"}}}], "n": 2**63}
    found = {json_path(path): message for path, message, _ in find_violations(doc, LIMITS)}
    assert set(found) == {"mutations[1].fields.data.a", "n"}
    assert find_violations({"ok": [1, -(2**63), 2**63 - 1, 1.5, None, True, "text"]}, LIMITS) == []


def test_a_nul_in_a_path_is_404_on_every_database(client_for, world):
    response = client_for("tech1").delete("/api/auth/passkeys/%00")
    assert_error_body(response, 404)


def test_a_nul_in_a_query_or_form_is_422(app, client_for, world):
    assert "q" in assert_error_body(client_for("dispatcher").get("/api/customers?q=%00"), 422)["errors"]
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/office/login").get_data(as_text=True)).group(1)
    response = client.post("/office/login", data={"csrf_token": token, "email": "a\x00@b.cn", "password": "p"})
    assert "email" in assert_error_body(response, 422)["errors"]
    assert "NUL" in response.get_json()["message"]


@pytest.mark.parametrize("next_url", ["/office%0d%0aSet-Cookie:%20x=1", "/office/board%0a"])
def test_cr_lf_in_next_on_the_login_pages_is_not_a_500(app, people, next_url):
    client = app.test_client()
    page = client.get(f"/office/login?next={next_url}")
    assert page.status_code == 200
    token = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    signed_in = client.post(
        f"/office/login?next={next_url}",
        data={"csrf_token": token, "email": people["dispatcher"].email, "password": PASSWORD},
    )
    assert signed_in.status_code == 302 and "\n" not in signed_in.headers["Location"]
    assert signed_in.headers["Location"].endswith("/office/board")
    assert client.get(f"/office/lang/en?next={next_url}").status_code == 302
