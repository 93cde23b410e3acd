"""Customer personal data at rest: AES-256-GCM with keys from the environment.

Values are stored as ``v2:<key id>:<base64(nonce | ciphertext+tag)>``, sealed with the
key id, the table, the column and the row's id as associated data: a ciphertext copied to
another row or column does not decrypt. ``v1`` values (associated data the key id only,
written before) still decrypt, and ``rotate-keys`` rewrites them as ``v2``. The key ring
comes from ``DATA_KEYS`` ("id1:base64key,id2:base64key"); the first key encrypts, every
key decrypts, so keys rotate by putting a new one first and running
``flask --app server rotate-keys``. Phone numbers are also stored as a keyed hash
(HMAC-SHA256 over the digits, key ``PHONE_HASH_KEY``) so the office can find a customer
by phone without decrypting every row.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, has_app_context

PREFIX = "v2"
LEGACY_PREFIX = "v1"  # associated data the key id only
# What a value that does not decrypt reads as (the failure is logged; pages keep working).
UNREADABLE = "[unreadable]"


class DecryptionError(ValueError):
    """A stored value could not be decrypted (unknown key id or tampered data)."""


@dataclass(frozen=True)
class KeyRing:
    """Data keys by id; the first one encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            kid, _, b64 = item.partition(":")
            key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", kid) or len(key) != 32:
                raise ValueError("DATA_KEYS entries look like 'id:<32 bytes, base64>'")
            keys.append((kid, key))
        if not keys:
            raise ValueError("DATA_KEYS holds no key")
        return cls(tuple(keys))

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, kid: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == kid:
                return key
        raise DecryptionError(f"no data key with id {kid!r}")


@functools.lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    """One AES-GCM context per data key: setting one up cost twice the decryption of a phone
    number, and a first pull opens hundreds of values."""
    return AESGCM(key)


def new_key_spec(kid: str = "k1") -> str:
    """A fresh key-ring entry, for set-up and rotation."""
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


@dataclass(frozen=True)
class Place:
    """Where a value is stored: bound into its associated data."""

    table: str
    column: str
    row_id: str

    def associated_data(self, kid: str) -> bytes:
        return "\x1f".join((kid, self.table, self.column, self.row_id)).encode()


def encrypt(ring: KeyRing, plaintext: str, place: Place | None = None) -> str:
    """Encrypt with the ring's current key (random 96-bit nonce), bound to its place.

    Without a place it writes the legacy form (associated data the key id only): only for
    writes that know no row, which ``rotate-keys`` binds later.
    """
    kid = ring.current_id
    prefix, ad = (PREFIX, place.associated_data(kid)) if place is not None else (LEGACY_PREFIX, kid.encode())
    nonce = os.urandom(12)
    sealed = _cipher(ring.key(kid)).encrypt(nonce, plaintext.encode(), ad)
    return f"{prefix}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(ring: KeyRing, stored: str, place: Place | None = None) -> str:
    """Decrypt a stored value, whichever ring key sealed it, checking its place (v2)."""
    try:
        prefix, kid, b64 = stored.split(":", 2)
        raw = base64.b64decode(b64)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix == PREFIX:
        if place is None:
            raise DecryptionError("a bound value needs its table, column and row to decrypt")
        ad = place.associated_data(kid)
    elif prefix == LEGACY_PREFIX:
        ad = kid.encode()
    else:
        raise DecryptionError("unknown format")
    try:
        return _cipher(ring.key(kid)).decrypt(raw[:12], raw[12:], ad).decode()
    except Exception as exc:  # InvalidTag: tampered, moved from another row or column, or the wrong key
        raise DecryptionError("value does not decrypt with its key at this place") from exc


def open_or_unreadable(ring: KeyRing, stored: str, place: Place) -> str:
    """The plain text of a stored value, or UNREADABLE when it does not decrypt at its place (moved,
    tampered with, or sealed by a key no longer held): logged by place, never by value, so a
    page shows the placeholder instead of failing (issue #12, finding 8)."""
    try:
        return decrypt(ring, stored, place)
    except DecryptionError as exc:
        logging.getLogger(__name__).error(
            "%s.%s of row %s does not decrypt (%s): shown as unreadable", place.table, place.column, place.row_id, exc
        )
        return UNREADABLE


def is_current(ring: KeyRing, stored: str) -> bool:
    """Sealed with the ring's current key and bound to its place (nothing for rotate-keys to do)."""
    parts = stored.split(":", 2)
    return len(parts) == 3 and parts[0] == PREFIX and parts[1] == ring.current_id


def key_id_of(stored: str) -> str | None:
    """The id of the key that sealed a stored value."""
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] in (PREFIX, LEGACY_PREFIX) else None


def phone_digits(phone: str) -> str:
    """The digits of a phone number, the form that is hashed and searched.

    China's country code is dropped from mobile numbers, so +86 138… and 138… match.
    """
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def phone_digest(hash_key: bytes, phone: str) -> str:
    """Keyed hash of a phone number for exact-match search."""
    return hmac.new(hash_key, phone_digits(phone).encode(), hashlib.sha256).hexdigest()


def app_ring() -> KeyRing:
    """The key ring of the running app (parsed once per app)."""
    ring = current_app.extensions.get("onsite_keyring")
    if ring is None:
        ring = KeyRing.parse(current_app.config["DATA_KEYS"])
        current_app.extensions["onsite_keyring"] = ring
    return ring


def app_phone_digest(phone: str) -> str:
    """phone_digest with the app's PHONE_HASH_KEY."""
    return phone_digest(current_app.config["PHONE_HASH_KEY"].encode(), phone)


def require_app_context() -> None:
    if not has_app_context():
        raise RuntimeError("customer data is encrypted with the app's keys: use an app context")
