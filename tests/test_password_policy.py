"""A password policy on every path that sets a password (issue #12, finding 3)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.auth.passwords import WeakPassword, check_password, hash_password, verify_password
from server.models import User


@pytest.mark.parametrize(
    "password, why",
    [
        ("x", "at least 10"),
        ("short pw", "at least 10"),
        ("aaaaaaaaaaaa", "one character"),
        ("ops.lead@corp.cn", "email"),
        ("OPS.LEAD@CORP.CN", "email"),
        ("ops.lead", "at least 10"),
        ("1234567890", "common"),
        ("p" * 1025, "at most"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, why):
    with pytest.raises(WeakPassword, match=why):
        hash_password(password, "ops.lead@corp.cn")


def test_a_long_passphrase_is_accepted():
    check_password("correct horse battery", "ops.lead@corp.cn")
    assert verify_password(hash_password("长城长城 远方的家在这里", "ops.lead@corp.cn"), "长城长城 远方的家在这里")


def test_create_user_refuses_a_one_character_password(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "new@test.onsite", "New", "--role", "dispatcher", "--password", "x"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "new@test.onsite")) is None
    result = runner.invoke(
        args=["create-user", "new@test.onsite", "New", "--role", "dispatcher", "--password", "new@test.onsite"]
    )
    assert result.exit_code != 0 and "email" in result.output
    result = runner.invoke(
        args=["create-user", "new@test.onsite", "New", "--role", "dispatcher", "--password", "a sound passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.email == "new@test.onsite")) is not None
