"""State several workers share: a Redis client when `REDIS_URL` is configured, else None.

Rate limits go to Flask-Limiter's own storage (`RATELIMIT_STORAGE_URI`); pending passkey
challenges go here (server/auth/challenges.py), or to the database without Redis.
"""

from __future__ import annotations

import threading

from flask import current_app

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


def client(url: str, **options):
    """One Redis client per URL (and options) and process: its connection pool is thread-safe."""
    key = (url, tuple(sorted(options.items())))
    found = _clients.get(key)
    if found is None:
        import redis as redis_lib

        with _lock:  # checked again: another thread may have made it meanwhile
            found = _clients.get(key) or _clients.setdefault(key, redis_lib.Redis.from_url(url, **options))
    return found


def redis_url() -> str | None:
    """The configured Redis (config REDIS_URL), or None."""
    return current_app.config.get("REDIS_URL") or None


def redis():
    """One Redis client per URL and process (its pool is thread-safe), or None without Redis."""
    url = redis_url()
    return client(url, socket_timeout=2) if url else None
