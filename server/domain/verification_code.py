"""The short verification code a customer reads instead of a 64-digit hash (issue #15).

The code is the first 40 bits of the signed summary's SHA-256 (server/domain/signed_summary.py),
written as eight Crockford base-32 characters in two groups: "7K2M-Q9XD". No I, L, O or U,
so nothing reads as 1 or 0. The phone computes the same code (pwa/static/js/summary.js
verificationCode); the PDF, the hand-over screen and the tracking page print it, and
/verify/<code> accepts it. 2^40 codes: two sign-offs sharing one by chance is negligible
at a service company's volume, and the full hash stays on record for the proof.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 40
_CODE = re.compile(r"^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$")
# What people mistype when copying a code: read as the digit it looks like.
_LOOKALIKE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def short_code(summary_sha256: str) -> str:
    """'7K2M-Q9XD' for a hex SHA-256."""
    value = int(summary_sha256[: BITS // 4], 16)
    chars = "".join(ALPHABET[(value >> shift) & 31] for shift in range(BITS - 5, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def hash_prefix(code: str) -> str | None:
    """The hex digits a code stands for (the start of the summary hash), or None when it is no code."""
    if not _CODE.match(code or ""):
        return None
    text = code.replace("-", "").upper().translate(_LOOKALIKE)
    if any(c not in ALPHABET for c in text):
        return None
    value = 0
    for c in text:
        value = value * 32 + ALPHABET.index(c)
    return f"{value:0{BITS // 4}x}"
