"""Passkeys: recorded WebAuthn ceremonies replayed (as py_webauthn's own tests do) and a full
ceremony with a software authenticator, through the HTTP API."""

from __future__ import annotations

import hashlib
import json
import os
import struct

import cbor2
import pytest
import sqlalchemy as sa
from conftest import ApiClient
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from server.auth import passkeys as ceremony
from server.models import Passkey

RP_ID = "localhost"
ORIGIN = "http://localhost:5000"
URL = "/api/auth/passkeys"

# Recorded with a real authenticator; taken from py_webauthn's tests (rp "localhost", origin
# http://localhost:5000). Registration: "none" attestation, user verified, sign count 23.
REG_CHALLENGE = "TwN7n4WTyGKLc4ZY-qGsFqKnHM4nglqsyV0ICJlN2TO9XiRyFtrkaDwUvsql-gkLJXP6fnF1MlrZ53Mm4R7Cvw"
REG_CREDENTIAL = {
    "id": "9y1xA8Tmg1FEmT-c7_fvWZ_uoTuoih3OvR45_oAK-cwHWhAbXrl2q62iLVTjiyEZ7O7n-CROOY494k7Q3xrs_w",
    "rawId": "9y1xA8Tmg1FEmT-c7_fvWZ_uoTuoih3OvR45_oAK-cwHWhAbXrl2q62iLVTjiyEZ7O7n-CROOY494k7Q3xrs_w",
    "response": {
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjESZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAFwAAAAAAAAAAAAAAAAAAAAAAQPctcQPE5oNRRJk_nO_371mf7qE7qIodzr0eOf6ACvnMB1oQG165dqutoi1U44shGezu5_gkTjmOPeJO0N8a7P-lAQIDJiABIVggSFbUJF-42Ug3pdM8rDRFu_N5oiVEysPDB6n66r_7dZAiWCDUVnB39FlGypL-qAoIO9xWHtJygo2jfDmHl-_eKFRLDA",
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVHdON240V1R5R0tMYzRaWS1xR3NGcUtuSE00bmdscXN5VjBJQ0psTjJUTzlYaVJ5RnRya2FEd1V2c3FsLWdrTEpYUDZmbkYxTWxyWjUzTW00UjdDdnciLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
    },
    "type": "public-key",
    "clientExtensionResults": {},
}
REG_PUBLIC_KEY = (
    "pQECAyYgASFYIEhW1CRfuNlIN6XTPKw0RbvzeaIlRMrDwwep-uq_-3WQIlgg1FZwd_RZRsqS_qgKCDvcVh7ScoKNo3w5h5fv3ihUSww"
)

# Sign-in with a discoverable RSA passkey: user verified, userHandle sent, sign count 0 -> 1.
RSA_LOGIN = {
    "challenge": "iPmAi1Pp1XL6oAgq3PWZtZPnZa1zFUDoGbaQ0_KvVG1lF2s3Rt_3o4uSzccy0tmcTIpTTT4BU1T-I4maavndjQ",
    "public_key": "pAEDAzkBACBZAQDfV20epzvQP-HtcdDpX-cGzdOxy73WQEvsU7Dnr9UWJophEfpngouvgnRLXaEUn_d8HGkp_HIx8rrpkx4BVs6X_B6ZjhLlezjIdJbLbVeb92BaEsmNn1HW2N9Xj2QM8cH-yx28_vCjf82ahQ9gyAr552Bn96G22n8jqFRQKdVpO-f-bvpvaP3IQ9F5LCX7CUaxptgbog1SFO6FI6ob5SlVVB00lVXsaYg8cIDZxCkkENkGiFPgwEaZ7995SCbiyCpUJbMqToLMgojPkAhWeyktu7TlK6UBWdJMHc3FPAIs0lH_2_2hKS-mGI1uZAFVAfW1X-mzKL0czUm2P1UlUox7IUMBAAE",
    "sign_count": 0,
    "credential": {
        "id": "ZoIKP1JQvKdrYj1bTUPJ2eTUsbLeFkv-X5xJQNr4k6s",
        "rawId": "ZoIKP1JQvKdrYj1bTUPJ2eTUsbLeFkv-X5xJQNr4k6s",
        "response": {
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiaVBtQWkxUHAxWEw2b0FncTNQV1p0WlBuWmExekZVRG9HYmFRMF9LdlZHMWxGMnMzUnRfM280dVN6Y2N5MHRtY1RJcFRUVDRCVTFULUk0bWFhdm5kalEiLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
            "signature": "iOHKX3erU5_OYP_r_9HLZ-CexCE4bQRrxM8WmuoKTDdhAnZSeTP0sjECjvjfeS8MJzN1ArmvV0H0C3yy_FdRFfcpUPZzdZ7bBcmPh1XPdxRwY747OrIzcTLTFQUPdn1U-izCZtP_78VGw9pCpdMsv4CUzZdJbEcRtQuRS03qUjqDaovoJhOqEBmxJn9Wu8tBi_Qx7A33RbYjlfyLm_EDqimzDZhyietyop6XUcpKarKqVH0M6mMrM5zTjp8xf3W7odFCadXEJg-ERZqFM0-9Uup6kJNLbr6C5J4NDYmSm3HCSA6lp2iEiMPKU8Ii7QZ61kybXLxsX4w4Dm3fOLjmDw",
            "userHandle": "T1RWa1l6VXdPRFV0WW1NNVlTMDBOVEkxTFRnd056Z3RabVZpWVdZNFpEVm1ZMk5p",
        },
        "type": "public-key",
        "clientExtensionResults": {},
    },
}

# Sign-in with an EC2 passkey, user verified, userHandle sent; sign count 1625263263 -> 1625263266.
EC2_LOGIN = {
    "challenge": "6zrSRX8CxwPSXEArXyXL2tpb6rB7Star0rLVIj5rvf74mZKF5ir715Xmgz5tA_GyHexN4oXfrQ889ArVCLaRdA",
    "public_key": "pQECAyYgASFYIFm1Py-FzzFOuwXbRbTr95SiDxuB1BkZsEEJxFhquzqkIlggL1U1T713Jo_2muzhXvpbwRNdoAs8CYK6PflvY1MBdCI",
    "sign_count": 1625263263,
    "credential": {
        "id": "AXmOjWWZH67pgl5_gAbKVBqoL2dyHHGEWZLspIsCwULG0hZ3HyuGgvkaRcSOLq9W72XtegcvFYXIdlafrilbtVnx2Q14gNbfSQQP2sgNEAif4MjHtGpeVB0BfFawCs85Y3XY_j4sxthVnyTY_Q",
        "rawId": "AXmOjWWZH67pgl5_gAbKVBqoL2dyHHGEWZLspIsCwULG0hZ3HyuGgvkaRcSOLq9W72XtegcvFYXIdlafrilbtVnx2Q14gNbfSQQP2sgNEAif4MjHtGpeVB0BfFawCs85Y3XY_j4sxthVnyTY_Q",
        "response": {
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFYN-Mog",
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiNnpyU1JYOEN4d1BTWEVBclh5WEwydHBiNnJCN1N0YXIwckxWSWo1cnZmNzRtWktGNWlyNzE1WG1nejV0QV9HeUhleE40b1hmclE4ODlBclZDTGFSZEEiLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9",
            "signature": "MEUCIQDBqeI274exaKWGQz37g7yo1--TVcZSCcYVftZ1AnEJkQIgNw-nlx-_U9rVfFfER8oX6BlYZTuPFyGaL_wCDY23s0E",
            "userHandle": "TldNMFlqYzNOVFF0WW1NNE5DMDBaakprTFRrME9EVXROR05rTnpreVkyTTROVEUz",
        },
        "type": "public-key",
        "clientExtensionResults": {},
    },
}

# Sign-in where the authenticator only tested presence, not who holds it (flags UP, no UV).
NO_UV_LOGIN = {
    "challenge": "xi30GPGAFYRxVDpY1sM10DaLzVQG66nv-_7RUazH0vI2YvG8LYgDEnvN5fZZNVuvEDuMi9te3VLqb42N0fkLGA",
    "public_key": "pQECAyYgASFYIIeDTe-gN8A-zQclHoRnGFWN8ehM1b7yAsa8I8KIvmplIlgg4nFGT5px8o6gpPZZhO01wdy9crDSA_Ngtkx0vGpvPHI",
    "sign_count": 77,
    "credential": {
        "id": "EDx9FfAbp4obx6oll2oC4-CZuDidRVV4gZhxC529ytlnqHyqCStDUwfNdm1SNHAe3X5KvueWQdAX3x9R1a2b9Q",
        "rawId": "EDx9FfAbp4obx6oll2oC4-CZuDidRVV4gZhxC529ytlnqHyqCStDUwfNdm1SNHAe3X5KvueWQdAX3x9R1a2b9Q",
        "response": {
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MBAAAATg",
            "clientDataJSON": "eyJjaGFsbGVuZ2UiOiJ4aTMwR1BHQUZZUnhWRHBZMXNNMTBEYUx6VlFHNjZudi1fN1JVYXpIMHZJMll2RzhMWWdERW52TjVmWlpOVnV2RUR1TWk5dGUzVkxxYjQyTjBma0xHQSIsImNsaWVudEV4dGVuc2lvbnMiOnt9LCJoYXNoQWxnb3JpdGhtIjoiU0hBLTI1NiIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6NTAwMCIsInR5cGUiOiJ3ZWJhdXRobi5nZXQifQ",
            "signature": "MEUCIGisVZOBapCWbnJJvjelIzwpixxIwkjCCb5aCHafQu68AiEA88v-2pJNNApPFwAKFiNuf82-2hBxYW5kGwVweeoxCwo",
        },
        "type": "public-key",
        "clientExtensionResults": {},
    },
}


# --- helpers --------------------------------------------------------------------------------


class SoftAuthenticator:
    """A platform authenticator in software: one P-256 passkey, "none" attestation, UV done."""

    def __init__(self, origin: str = ORIGIN):
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle: bytes | None = None
        self.rp_id: str | None = None
        self.sign_count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def create(self, public_key: dict) -> dict:
        """What navigator.credentials.create(options).toJSON() gives."""
        self.rp_id = public_key["rp"]["id"]
        self.user_handle = base64url_to_bytes(public_key["user"]["id"])
        flags = 0x01 | 0x04 | 0x40  # user present, user verified, attested credential data
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([flags])
            + struct.pack(">I", self.sign_count)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cred_id = bytes_to_base64url(self.credential_id)
        return {
            "id": cred_id,
            "rawId": cred_id,
            "type": "public-key",
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": bytes_to_base64url(self._client_data("webauthn.create", public_key["challenge"])),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal", "hybrid"],
            },
        }

    def get(self, public_key: dict) -> dict:
        """What navigator.credentials.get(options).toJSON() gives (with userHandle: discoverable)."""
        assert public_key["rpId"] == self.rp_id
        self.sign_count += 1
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x05]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", public_key["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        cred_id = bytes_to_base64url(self.credential_id)
        return {
            "id": cred_id,
            "rawId": cred_id,
            "type": "public-key",
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(self.user_handle),
            },
        }


@pytest.fixture(autouse=True)
def relying_party(app):
    """The relying party the recordings were made for."""
    app.config.update(WEBAUTHN_RP_ID=RP_ID, WEBAUTHN_ORIGINS=[ORIGIN], WEBAUTHN_RP_NAME="Onsite")


@pytest.fixture
def fixed_challenge(monkeypatch):
    """fixed_challenge(b64) makes the next options carry that recorded challenge."""

    def use(challenge_b64: str) -> None:
        monkeypatch.setattr(ceremony, "new_challenge", lambda: base64url_to_bytes(challenge_b64))

    return use


def add_recorded_passkey(db, user, recording: dict) -> Passkey:
    """Store a recorded credential for `user`, as a past registration would have."""
    credential = recording["credential"]
    if credential["response"].get("userHandle"):
        user.webauthn_user_handle = base64url_to_bytes(credential["response"]["userHandle"])
    passkey = Passkey(
        user_id=user.id,
        credential_id=base64url_to_bytes(credential["rawId"]),
        public_key=base64url_to_bytes(recording["public_key"]),
        sign_count=recording["sign_count"],
        name="recorded",
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def passkey_login(client: ApiClient, credential: dict, email: str | None = None):
    """Ask for sign-in options, then answer with `credential`."""
    options = client.post(f"{URL}/login/options", json={"email": email} if email else {})
    assert options.status_code == 200, options.get_json()
    return client.post(f"{URL}/login/verify", json={"credential": credential})


def signed_in_email(client: ApiClient) -> str | None:
    user = client.get("/api/auth/session").get_json()["user"]
    return user and user["email"]


# --- the whole ceremony -----------------------------------------------------------------------


def test_register_list_and_sign_in_with_a_new_passkey(app, db, people, client_for):
    tech = client_for("tech1")
    authenticator = SoftAuthenticator()

    options = tech.post(f"{URL}/register/options", json={"name": "工作手机"})
    assert options.status_code == 200, options.get_json()
    public_key = options.get_json()["publicKey"]
    assert public_key["rp"] == {"id": RP_ID, "name": "Onsite"}
    assert public_key["user"]["name"] == "tech1@test.onsite"
    assert base64url_to_bytes(public_key["user"]["id"]) == people["tech1"].webauthn_user_handle
    assert public_key["authenticatorSelection"]["userVerification"] == "required"

    created = tech.post(f"{URL}/register/verify", json={"credential": authenticator.create(public_key)})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["name"] == "工作手机"
    listed = tech.get(URL).get_json()
    assert [p["name"] for p in listed] == ["工作手机"]
    assert listed[0]["last_used_at"] is None

    # Registering again excludes the passkey the device already holds.
    again = tech.post(f"{URL}/register/options", json={}).get_json()["publicKey"]
    assert [c["id"] for c in again["excludeCredentials"]] == [bytes_to_base64url(authenticator.credential_id)]

    # A fresh browser signs in with it, without typing an email (discoverable passkey).
    browser = ApiClient(app)
    assert signed_in_email(browser) is None
    options = browser.post(f"{URL}/login/options", json={}).get_json()["publicKey"]
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    signed_in = browser.post(f"{URL}/login/verify", json={"credential": authenticator.get(options)})
    assert signed_in.status_code == 200, signed_in.get_json()
    body = signed_in.get_json()
    assert body["user"]["email"] == "tech1@test.onsite" and body["csrf_token"]
    assert signed_in_email(browser) == "tech1@test.onsite"
    browser.csrf = body["csrf_token"]  # the new session's token, as the PWA keeps it
    assert browser.post(f"{URL}/register/options", json={}).status_code == 200
    assert browser.get(URL).get_json()[0]["last_used_at"] is not None
    assert db.session.scalar(sa.select(Passkey.sign_count)) == 1

    # A second sign-in, this time naming the account; the passkey is offered by id.
    other = ApiClient(app)
    options = other.post(f"{URL}/login/options", json={"email": "TECH1@test.onsite"}).get_json()["publicKey"]
    assert [c["id"] for c in options["allowCredentials"]] == [bytes_to_base64url(authenticator.credential_id)]
    assert options["allowCredentials"][0]["transports"] == ["internal", "hybrid"]
    assert other.post(f"{URL}/login/verify", json={"credential": authenticator.get(options)}).status_code == 200
    assert signed_in_email(other) == "tech1@test.onsite"


def test_registration_needs_a_signed_in_user(app, people):
    anonymous = ApiClient(app)
    assert anonymous.post(f"{URL}/register/options", json={}).status_code == 401
    assert anonymous.post(f"{URL}/register/verify", json={"credential": REG_CREDENTIAL}).status_code == 401
    assert anonymous.get(URL).status_code == 401


# --- recorded ceremonies replayed ---------------------------------------------------------


def test_recorded_registration_is_stored(db, people, client_for, fixed_challenge):
    fixed_challenge(REG_CHALLENGE)
    tech = client_for("tech1")
    assert tech.post(f"{URL}/register/options", json={"name": "YubiKey"}).status_code == 200
    response = tech.post(f"{URL}/register/verify", json={"credential": REG_CREDENTIAL})
    assert response.status_code == 201, response.get_json()
    stored = db.session.scalars(sa.select(Passkey)).one()
    assert stored.user_id == people["tech1"].id and stored.name == "YubiKey"
    assert stored.credential_id == base64url_to_bytes(REG_CREDENTIAL["rawId"])
    assert stored.public_key == base64url_to_bytes(REG_PUBLIC_KEY)
    assert stored.sign_count == 23

    # The same authenticator cannot be registered twice, by anyone.
    other = client_for("tech2")
    other.post(f"{URL}/register/options", json={})
    duplicate = other.post(f"{URL}/register/verify", json={"credential": REG_CREDENTIAL})
    assert duplicate.status_code == 409 and duplicate.get_json()["reason"] == "passkey.registered"


def test_recorded_registration_from_another_origin_or_challenge_is_refused(
    app, db, people, client_for, fixed_challenge
):
    tech = client_for("tech1")
    tech.post(f"{URL}/register/options", json={})  # a random challenge, not the recorded one
    wrong_challenge = tech.post(f"{URL}/register/verify", json={"credential": REG_CREDENTIAL})
    assert wrong_challenge.status_code == 422
    assert "challenge" in wrong_challenge.get_json()["params"]["detail"]

    fixed_challenge(REG_CHALLENGE)
    app.config["WEBAUTHN_ORIGINS"] = ["https://onsite.example.cn"]
    tech.post(f"{URL}/register/options", json={})
    wrong_origin = tech.post(f"{URL}/register/verify", json={"credential": REG_CREDENTIAL})
    assert wrong_origin.status_code == 422
    assert "origin" in wrong_origin.get_json()["params"]["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0


def test_recorded_discoverable_sign_in(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    fixed_challenge(RSA_LOGIN["challenge"])
    browser = ApiClient(app)
    response = passkey_login(browser, RSA_LOGIN["credential"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["email"] == "tech2@test.onsite"
    assert signed_in_email(browser) == "tech2@test.onsite"
    assert db.session.scalar(sa.select(Passkey.sign_count)) == 1


def test_recorded_sign_in_naming_the_account(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["dispatcher"], EC2_LOGIN)
    fixed_challenge(EC2_LOGIN["challenge"])
    browser = ApiClient(app)
    options = browser.post(f"{URL}/login/options", json={"email": "dispatch@test.onsite"}).get_json()["publicKey"]
    assert [c["id"] for c in options["allowCredentials"]] == [EC2_LOGIN["credential"]["rawId"]]
    response = browser.post(f"{URL}/login/verify", json={"credential": EC2_LOGIN["credential"]})
    assert response.status_code == 200, response.get_json()
    assert signed_in_email(browser) == "dispatch@test.onsite"
    assert db.session.scalar(sa.select(Passkey.sign_count)) == 1625263266


def test_a_replayed_sign_in_is_refused_by_the_signature_counter(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    fixed_challenge(RSA_LOGIN["challenge"])
    assert passkey_login(ApiClient(app), RSA_LOGIN["credential"]).status_code == 200

    attacker = ApiClient(app)
    replay = passkey_login(attacker, RSA_LOGIN["credential"])
    assert replay.status_code == 401
    assert replay.get_json()["reason"] == "passkey.counter"
    assert signed_in_email(attacker) is None


def test_sign_in_from_another_origin_or_challenge_is_refused(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    browser = ApiClient(app)
    wrong_challenge = passkey_login(browser, RSA_LOGIN["credential"])  # options carry a fresh challenge
    assert wrong_challenge.status_code == 401
    assert "challenge" in wrong_challenge.get_json()["params"]["detail"]

    fixed_challenge(RSA_LOGIN["challenge"])
    app.config["WEBAUTHN_ORIGINS"] = ["https://onsite.example.cn"]
    wrong_origin = passkey_login(browser, RSA_LOGIN["credential"])
    assert wrong_origin.status_code == 401
    assert "origin" in wrong_origin.get_json()["params"]["detail"]
    assert signed_in_email(browser) is None
    assert db.session.scalar(sa.select(Passkey.sign_count)) == 0  # nothing was used up


def test_sign_in_without_user_verification_is_refused(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["tech1"], NO_UV_LOGIN)
    fixed_challenge(NO_UV_LOGIN["challenge"])
    browser = ApiClient(app)
    response = passkey_login(browser, NO_UV_LOGIN["credential"], email="tech1@test.onsite")
    assert response.status_code == 401
    assert "User verification is required" in response.get_json()["params"]["detail"]
    assert signed_in_email(browser) is None


def test_unknown_or_mismatched_passkeys_are_refused(app, db, people, fixed_challenge):
    fixed_challenge(RSA_LOGIN["challenge"])
    browser = ApiClient(app)
    unknown = passkey_login(browser, RSA_LOGIN["credential"])
    assert unknown.status_code == 401 and unknown.get_json()["reason"] == "passkey.unknown"

    # Registered to tech2, but the authenticator names another account in userHandle.
    passkey = add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    people["tech2"].webauthn_user_handle = os.urandom(32)
    db.session.commit()
    mismatch = passkey_login(browser, RSA_LOGIN["credential"])
    assert mismatch.status_code == 401 and mismatch.get_json()["reason"] == "passkey.wrong_account"

    # Naming one account and presenting another's passkey.
    people["tech2"].webauthn_user_handle = base64url_to_bytes(RSA_LOGIN["credential"]["response"]["userHandle"])
    db.session.commit()
    other_account = passkey_login(browser, RSA_LOGIN["credential"], email="tech1@test.onsite")
    assert other_account.status_code == 401
    assert signed_in_email(browser) is None

    # A deactivated account cannot sign in with its passkey.
    people["tech2"].active = False
    db.session.commit()
    assert passkey_login(browser, RSA_LOGIN["credential"]).status_code == 401
    assert db.session.get(Passkey, passkey.id).sign_count == 0


def test_verify_without_options_or_after_expiry_is_refused(app, db, people, fixed_challenge):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    fixed_challenge(RSA_LOGIN["challenge"])
    browser = ApiClient(app)
    no_options = browser.post(f"{URL}/login/verify", json={"credential": RSA_LOGIN["credential"]})
    assert no_options.status_code == 422 and no_options.get_json()["reason"] == "passkey.no_sign_in"

    app.config["WEBAUTHN_CHALLENGE_SECONDS"] = -1  # every challenge is already stale
    expired = passkey_login(browser, RSA_LOGIN["credential"])
    assert expired.status_code == 422 and expired.get_json()["reason"] == "passkey.challenge_expired"

    # A challenge is used once: a failed attempt needs new options.
    app.config["WEBAUTHN_CHALLENGE_SECONDS"] = 300
    browser.post(f"{URL}/login/options", json={})
    browser.post(f"{URL}/login/verify", json={"credential": {"id": "x"}})
    second_try = browser.post(f"{URL}/login/verify", json={"credential": RSA_LOGIN["credential"]})
    assert second_try.status_code == 422
    assert signed_in_email(browser) is None


def test_registration_options_do_not_serve_sign_in(app, db, people, client_for, fixed_challenge):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    fixed_challenge(RSA_LOGIN["challenge"])
    tech = client_for("tech1")
    tech.post(f"{URL}/register/options", json={})
    response = tech.post(f"{URL}/login/verify", json={"credential": RSA_LOGIN["credential"]})
    assert response.status_code == 422
    assert signed_in_email(tech) == "tech1@test.onsite"


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "abc", "rawId": "abc", "type": "public-key"},
        {"id": "abc", "rawId": "abc", "type": "public-key", "response": {"clientDataJSON": 5}},
        {
            "id": "abc",
            "rawId": "abc",
            "type": "password",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        },
        {
            "id": "abc",
            "rawId": "abc",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA", "userHandle": 7},
        },
    ],
)
def test_malformed_sign_in_credentials_get_a_clear_error(app, people, credential):
    browser = ApiClient(app)
    response = passkey_login(browser, credential)
    assert response.status_code == 422
    body = response.get_json()
    assert body["reason"] == "passkey.malformed" and body["errors"]["credential"]


def test_malformed_registration_credentials_get_a_clear_error(people, client_for):
    tech = client_for("tech1")
    tech.post(f"{URL}/register/options", json={})
    missing = tech.post(f"{URL}/register/verify", json={"credential": {"id": "abc"}})
    assert missing.status_code == 422 and missing.get_json()["errors"]["credential"]

    tech.post(f"{URL}/register/options", json={})
    garbage = {**REG_CREDENTIAL, "response": {**REG_CREDENTIAL["response"], "attestationObject": "AAAA"}}
    broken = tech.post(f"{URL}/register/verify", json={"credential": garbage})
    assert broken.status_code == 422 and broken.get_json()["reason"] == "passkey.registration_failed"

    not_an_object = tech.post(f"{URL}/register/verify", json={"credential": "nope"})
    assert not_an_object.status_code == 422 and "credential" in not_an_object.get_json()["errors"]
    blank_name = tech.post(f"{URL}/register/options", json={"name": "  "})
    assert blank_name.status_code == 422 and "name" in blank_name.get_json()["errors"]


def test_sign_in_options_do_not_tell_whether_an_account_exists(app, db, people):
    add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    browser = ApiClient(app)

    def options(email):
        response = browser.post(f"{URL}/login/options", json={"email": email})
        assert response.status_code == 200
        return response.get_json()["publicKey"]

    known = options("tech2@test.onsite")
    unknown = options("nobody@test.onsite")
    no_passkey = options("tech1@test.onsite")
    for answer in (unknown, no_passkey):
        assert answer.keys() == known.keys()
        assert len(answer["allowCredentials"]) == len(known["allowCredentials"]) == 1
        assert answer["allowCredentials"][0].keys() == {"id", "type", "transports"}
        assert answer["allowCredentials"][0]["id"] != known["allowCredentials"][0]["id"]
    # The stand-in is stable, so asking twice does not give the game away either.
    assert options("nobody@test.onsite")["allowCredentials"] == unknown["allowCredentials"]
    assert "nobody" not in json.dumps(unknown)


def test_passkeys_are_listed_and_removed_by_their_owner_only(app, db, people, client_for, fixed_challenge):
    mine = add_recorded_passkey(db, people["tech2"], RSA_LOGIN)
    theirs = add_recorded_passkey(db, people["tech1"], NO_UV_LOGIN)
    tech2 = client_for("tech2")

    assert [p["id"] for p in tech2.get(URL).get_json()] == [mine.id]
    assert tech2.delete(f"{URL}/{theirs.id}").status_code == 404
    assert db.session.get(Passkey, theirs.id) is not None

    assert tech2.delete(f"{URL}/{mine.id}").status_code == 204
    assert tech2.get(URL).get_json() == []
    assert tech2.delete(f"{URL}/{mine.id}").status_code == 404

    # A removed passkey no longer signs anyone in.
    fixed_challenge(RSA_LOGIN["challenge"])
    gone = passkey_login(ApiClient(app), RSA_LOGIN["credential"])
    assert gone.status_code == 401 and gone.get_json()["reason"] == "passkey.unknown"


def test_passkey_sign_in_is_rate_limited(app, people):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    browser = ApiClient(app)
    answers = [browser.post(f"{URL}/login/verify", json={"credential": RSA_LOGIN["credential"]}) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [422, 422, 422]
    limited = answers[3]
    assert limited.status_code == 429
    assert limited.get_json()["code"] == 429 and limited.get_json()["message"]
    options = [browser.post(f"{URL}/login/options", json={}) for _ in range(4)]
    assert [o.status_code for o in options] == [200, 200, 200, 429]


# --- server-side, single-use challenges (issue #12, finding 7) -------------------------------


class SyncedAuthenticator(SoftAuthenticator):
    """A synced passkey: its signature counter stays 0, so the counter cannot catch a replay."""

    def get(self, public_key: dict) -> dict:
        self.sign_count = -1  # get() adds one: the assertion says 0
        return super().get(public_key)


def test_a_replayed_assertion_with_counter_zero_and_the_captured_cookie_is_refused(app, db, people, client_for):
    authenticator = SyncedAuthenticator()
    tech = client_for("tech1")
    options = tech.post(f"{URL}/register/options", json={}).get_json()["publicKey"]
    assert tech.post(f"{URL}/register/verify", json={"credential": authenticator.create(options)}).status_code == 201

    victim = ApiClient(app)
    options = victim.post(f"{URL}/login/options", json={}).get_json()["publicKey"]
    captured_cookie = victim.client.get_cookie("session").value  # what an attacker saw on the wire
    assertion = authenticator.get(options)
    assert victim.post(f"{URL}/login/verify", json={"credential": assertion}).status_code == 200
    assert db.session.scalar(sa.select(Passkey.sign_count)) == 0

    attacker = ApiClient(app)
    attacker.client.set_cookie("session", captured_cookie)
    replay = attacker.post(f"{URL}/login/verify", json={"credential": assertion})
    assert replay.status_code == 422 and replay.get_json()["reason"] == "passkey.no_sign_in"
    assert signed_in_email(attacker) is None


def test_the_challenge_is_kept_on_the_server_not_in_the_cookie(app, db, people):
    from server.models import PasskeyChallenge

    browser = ApiClient(app)
    challenge = browser.post(f"{URL}/login/options", json={}).get_json()["publicKey"]["challenge"]
    cookie = browser.client.get_cookie("session").value
    # The session cookie is signed, not encrypted: anyone holding it can read it.
    raw = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert challenge not in str(raw) and isinstance(raw[ceremony.SESSION_KEY], str)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasskeyChallenge)) == 1
