"""A local Web Push endpoint started by the tests: it holds a browser's keys and reads messages as one.

It plays both the push service and the browser: each subscription it hands out has a real
P-256 key pair and auth secret (RFC 8291); a POST to the subscription's URL is checked like a
push service checks it (the VAPID JWT's ES256 signature against the `k` key, RFC 8292) and
decrypted like a browser decrypts it (aes128gcm, RFC 8188) with the subscription's private key.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscription's keys, as a browser keeps them."""

    name: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)


@dataclass
class Received:
    browser: str
    status: int
    headers: dict
    vapid_claims: dict | None
    vapid_key: str | None  # the `k` of the Authorization header (the sender's public key)
    signature_ok: bool
    payload: dict | None  # decrypted


def verify_vapid(authorization: str) -> tuple[dict | None, str | None, bool]:
    """(claims, k, the JWT's ES256 signature checks against k)."""
    if not authorization or not authorization.lower().startswith("vapid "):
        return None, None, False
    parts = dict(p.strip().split("=", 1) for p in authorization[6:].split(","))
    token, key = parts.get("t", ""), parts.get("k")
    header_b64, claims_b64, signature_b64 = token.split(".")
    claims = json.loads(unb64url(claims_b64))
    signature = unb64url(signature_b64)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        ok = json.loads(unb64url(header_b64)).get("alg") == "ES256"
    except Exception:
        ok = False
    return claims, key, ok


class PushEndpoint:
    """An HTTP push service on 127.0.0.1; `statuses[name]` answers in turn (then 201)."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.statuses: dict[str, list[int]] = {}
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                name = self.path.rsplit("/", 1)[-1]
                browser = endpoint.browsers.get(name)
                queued = endpoint.statuses.get(name) or []
                status = queued.pop(0) if queued else (201 if browser else 404)
                claims, key, ok = verify_vapid(self.headers.get("Authorization", ""))
                payload = None
                if browser is not None and status < 300:
                    plain = http_ece.decrypt(
                        body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
                    )
                    payload = json.loads(plain)
                with endpoint.arrived:
                    endpoint.received.append(
                        Received(
                            name, status, {k.lower(): v for k, v in self.headers.items()}, claims, key, ok, payload
                        )
                    )
                    endpoint.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(name)
        return self.browsers[name]

    def url(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def subscription(self, name: str) -> dict:
        """PushSubscription.toJSON() of a new browser called `name`."""
        browser = self.browser(name)
        return {
            "endpoint": self.url(name),
            "expirationTime": None,
            "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)},
        }

    def delivered(self, name: str | None = None) -> list[Received]:
        return [r for r in self.received if r.status < 300 and (name is None or r.browser == name)]

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Until `count` messages were delivered (the inline runner's thread sends them)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.delivered()) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
        return self.delivered()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
