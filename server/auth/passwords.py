"""Password hashing with Argon2id (memory-hard), via argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's recommendation
# Verified against when the email is unknown, so timing does not reveal which accounts exist.
_DUMMY = _hasher.hash("onsite-timing-equaliser")


class WeakPassword(ValueError):
    """A password the policy refuses; str() says why, in words for the person choosing it."""


MIN_LENGTH, MAX_LENGTH = 10, 1024
# NIST SP 800-63B (5.1.1.2): a length floor, no composition rules, and no values that are
# commonly used or derived from the account; a few of the most common ones are refused here.
COMMON = {
    "1234567890",
    "12345678910",
    "0123456789",
    "qwertyuiop",
    "password12",
    "password123",
    "passw0rd123",
    "1q2w3e4r5t",
    "iloveyou12",
    "abcdefghij",
    "a1b2c3d4e5",
    "qwerty1234",
    "1qaz2wsx3edc",
}


def check_password(password: str, email: str | None = None) -> None:
    """Raise WeakPassword unless `password` meets the policy (for `email`'s account)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"A password needs at least {MIN_LENGTH} characters (this one has {len(password)}); "
            "a few words together are easy to remember."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"A password may have at most {MAX_LENGTH} characters.")
    if len(set(password)) == 1:
        raise WeakPassword("A password must not be one character repeated.")
    lowered = password.casefold()
    if email and lowered in {email.casefold(), email.split("@")[0].casefold()}:
        raise WeakPassword("A password must not be the account's email address or its name part.")
    if lowered in COMMON:
        raise WeakPassword("This password is among the most common ones; choose another.")


def hash_password(password: str, email: str | None = None) -> str:
    """Hash a password for storage, once it meets the policy (every path that sets one comes here)."""
    check_password(password, email)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends the same work, even with no hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
