"""Shared state for several workers (issue #12): the sign-in budget and passkey challenges live
in Redis when it is configured, so every worker sees the same counts and a challenge is taken
once whichever worker answers. Redis runs at 127.0.0.1:6379 here and in CI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS}")
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, env: dict, name: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (tmp / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "server.wsgi:app",  # the production entry point
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError((tmp / f"{name}.log").read_text())


def test_two_app_processes_share_one_sign_in_budget_in_redis(tmp_path):
    redis_or_skip()
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "shared-state-test",
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": f"onsite-test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "4 per minute",
        "PYTHONPATH": str(ROOT),
        "BLOB_DIR": str(tmp_path / "blobs"),
    }
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "--app", "server", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [
            flask,
            "--app",
            "server",
            "create-user",
            "tech@shared.onsite",
            "Tech",
            "--role",
            "technician",
            "--password",
            "a long passphrase 7",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    procs = []
    try:
        a, url_a = start_app(tmp_path, env, "a")
        procs.append(a)
        b, url_b = start_app(tmp_path, env, "b")
        procs.append(b)
        wrong = {"email": "tech@shared.onsite", "password": "not it at all"}
        # Two wrong guesses on each process, through the API and the office page alike...
        assert requests.post(f"{url_a}/api/auth/token", json=wrong, timeout=10).status_code == 401
        assert requests.post(f"{url_b}/api/auth/token", json=wrong, timeout=10).status_code == 401
        assert requests.post(f"{url_a}/api/auth/token", json=wrong, timeout=10).status_code == 401
        office = requests.Session()
        page = office.get(f"{url_b}/office/login", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        refused = office.post(f"{url_b}/office/login", data={**wrong, "csrf_token": csrf}, timeout=10)
        assert refused.status_code == 401
        # ...spend the one budget of four: the right password is now refused on either.
        right = {**wrong, "password": "a long passphrase 7"}
        assert requests.post(f"{url_a}/api/auth/token", json=right, timeout=10).status_code == 429
        assert requests.post(f"{url_b}/api/auth/token", json=right, timeout=10).status_code == 429
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def test_passkey_challenges_go_to_redis_and_are_taken_once(app, people, monkeypatch):
    client = redis_or_skip()
    from conftest import ApiClient

    from server.auth import challenges

    app.config["REDIS_URL"] = REDIS
    monkeypatch.setattr(challenges, "PREFIX", f"onsite-test:{uuid.uuid4().hex}:")
    with app.test_request_context():
        handle = challenges.put({"kind": "login", "challenge": "abc"}, 60)
        assert client.ttl(challenges.PREFIX + handle) > 0
        assert challenges.take(handle) == {"kind": "login", "challenge": "abc"}
        assert challenges.take(handle) is None  # GETDEL: once
    browser = ApiClient(app)
    assert browser.post("/api/auth/passkeys/login/options", json={}).status_code == 200
    assert len(client.keys(challenges.PREFIX + "*")) == 1
    used = browser.post("/api/auth/passkeys/login/verify", json={"credential": {"id": "x"}})
    assert used.status_code in (401, 422)
    assert client.keys(challenges.PREFIX + "*") == []
