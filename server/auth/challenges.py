"""Pending passkey ceremonies, kept on the server and taken once.

The browser's session holds only a random handle. The challenge itself waits in Redis
(`SET … EX`, taken with `GETDEL`: atomic, so two workers cannot both use it) or, without
Redis, in the `passkey_challenges` table (taken with a DELETE whose row count says who got
it). A captured cookie replayed with a captured assertion finds nothing to take.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import sqlalchemy as sa

from .. import shared_state
from ..extensions import db
from ..models import PasskeyChallenge, utcnow

PREFIX = "onsite:passkey-challenge:"


def put(state: dict, seconds: int) -> str:
    """Keep `state` for `seconds` and return its handle (the database row is committed here)."""
    handle = secrets.token_urlsafe(32)
    client = shared_state.redis()
    if client is not None:
        client.set(PREFIX + handle, json.dumps(state), ex=max(int(seconds), 1))
        return handle
    now = utcnow()
    db.session.execute(sa.delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < now))  # tidy up
    db.session.add(PasskeyChallenge(id=handle, state=state, expires_at=now + timedelta(seconds=max(seconds, 0))))
    db.session.commit()
    return handle


def take(handle: str) -> dict | None:
    """The state kept under `handle`, removed for good; None when unknown or already taken."""
    if not isinstance(handle, str) or not handle or len(handle) > 64:
        return None
    client = shared_state.redis()
    if client is not None:
        raw = client.getdel(PREFIX + handle)
        return json.loads(raw) if raw else None
    row = db.session.get(PasskeyChallenge, handle)
    if row is None:
        return None
    state = dict(row.state)
    taken = db.session.execute(sa.delete(PasskeyChallenge).where(PasskeyChallenge.id == handle)).rowcount
    db.session.commit()  # used up whatever the ceremony's outcome (an error answer rolls back)
    return state if taken == 1 else None
