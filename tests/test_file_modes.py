"""The SQLite file and the instance/ secrets are created 0600 (issue #12, finding 3)."""

from __future__ import annotations

import os
import stat

import sqlalchemy as sa

from server import config, create_app
from server.extensions import db
from tests.conftest import test_config as config_for


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_database_is_created_0600(tmp_path):
    old = os.umask(0o022)
    try:
        app = create_app(config_for(tmp_path, "sqlite"))
        with app.app_context():
            db.session.execute(sa.text("CREATE TABLE t (x int)"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(old)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("test.db")]
    assert files and all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}


def test_instance_secrets_are_0600_even_when_found_wider(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    old = os.umask(0o022)
    try:
        first = config._secret_key()
        path = tmp_path / "instance" / "secret_key"
        assert mode(path) == 0o600 and mode(tmp_path / "instance") == 0o700
        os.chmod(path, 0o644)  # as an older version or a copy by hand might have left it
        assert config._secret_key() == first
        assert mode(path) == 0o600
    finally:
        os.umask(old)
