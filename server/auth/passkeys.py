"""Passkey (WebAuthn) ceremonies around py_webauthn: options out, the browser's answer checked.

The challenge of a ceremony waits on the server (Redis or the database, server/auth/challenges.py)
with an expiry, and the session holds only its handle. Every verify call takes it, whatever the
outcome, so a failed attempt needs new options and a replayed cookie finds nothing. The
relying party comes from config: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import sqlalchemy as sa
from flask import current_app, session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_challenge,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..domain.errors import M_, Conflict, Invalid, Unauthenticated
from ..extensions import db
from ..models import Passkey, User, utcnow
from . import challenges

SESSION_KEY = "webauthn_ceremony"
REGISTER, LOGIN = "register", "login"
# A passkey replaces the password, so the authenticator must check who holds it (PIN, biometric).
REQUIRE_UV = True
# What py_webauthn and the libraries under it raise on input they cannot read.
BAD_INPUT = (WebAuthnException, ValueError, TypeError, KeyError, IndexError)


def new_challenge() -> bytes:
    """A fresh random challenge (tests replace this to replay recorded ceremonies)."""
    return generate_challenge()


def rp_id() -> str:
    return current_app.config["WEBAUTHN_RP_ID"]


def rp_name() -> str:
    return current_app.config["WEBAUTHN_RP_NAME"]


def origins() -> list[str]:
    """The origins the browser may report in clientDataJSON."""
    configured = current_app.config["WEBAUTHN_ORIGINS"]
    return [configured] if isinstance(configured, str) else list(configured)


def challenge_seconds() -> int:
    return int(current_app.config["WEBAUTHN_CHALLENGE_SECONDS"])


def _start(kind: str, challenge: bytes, **extra) -> None:
    state = {
        "kind": kind,
        "challenge": bytes_to_base64url(challenge),
        "expires": time.time() + challenge_seconds(),
        **extra,
    }
    session[SESSION_KEY] = challenges.put(state, challenge_seconds())


def _take(kind: str) -> dict:
    """The pending ceremony of this kind, taken for good; Invalid when none, used or expired."""
    state = challenges.take(session.pop(SESSION_KEY, None))
    if not isinstance(state, dict) or state.get("kind") != kind:
        if kind == LOGIN:
            raise Invalid("passkey.no_sign_in", M_("No passkey sign-in in progress; ask for new options first."))
        raise Invalid("passkey.no_registration", M_("No passkey registration in progress; ask for new options first."))
    if time.time() > float(state.get("expires", 0)):
        raise Invalid(
            "passkey.challenge_expired", M_("The passkey challenge expired; ask for new options and try again.")
        )
    return state


def _timeout_ms() -> int:
    return challenge_seconds() * 1000


def _transports(values) -> list[AuthenticatorTransport] | None:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values or [] if v in known] or None


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=_transports(passkey.transports))


def _malformed(exc: Exception) -> Invalid:
    return Invalid(
        "passkey.malformed",
        M_("The passkey credential is malformed."),
        {"detail": str(exc) or "Malformed."},
        {"credential": [M_("The passkey credential is malformed.")]},
    )


# --- registration -------------------------------------------------------------------------


def registration_options(user: User, name: str) -> dict:
    """Options for navigator.credentials.create() for a signed-in user (JSON, base64url bytes)."""
    challenge = new_challenge()
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=rp_name(),
        user_id=user.webauthn_user_handle,
        user_name=user.email,
        user_display_name=user.name,
        challenge=challenge,
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,  # discoverable, so sign-in needs no email
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(p) for p in user.passkeys],  # no second copy on one device
    )
    _start(REGISTER, challenge, user_id=user.id, name=name)
    return options_to_json_dict(options)


def finish_registration(user: User, credential: dict) -> Passkey:
    """Check the browser's answer to registration_options and add the passkey (not committed)."""
    state = _take(REGISTER)
    if state.get("user_id") != user.id:
        raise Invalid(
            "passkey.other_account", M_("That passkey registration was started by another account; start again.")
        )
    try:
        parsed = parse_registration_credential_json(credential)
    except BAD_INPUT as exc:
        raise _malformed(exc) from exc
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=rp_id(),
            expected_origin=origins(),
            require_user_verification=REQUIRE_UV,
        )
    except BAD_INPUT as exc:
        raise Invalid(
            "passkey.registration_failed", M_("Passkey registration failed: %(detail)s"), {"detail": str(exc)}
        ) from exc
    if db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise Conflict("passkey.registered", M_("This passkey is already registered."))
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t.value for t in parsed.response.transports or []] or None,
        name=state.get("name") or "Passkey",
    )
    db.session.add(passkey)
    return passkey


# --- authentication -----------------------------------------------------------------------


def _user_by_email(email: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    return user if user is not None and user.active else None


def _decoy_descriptors(email: str) -> list[PublicKeyCredentialDescriptor]:
    """A stable made-up credential for an email with no passkeys, so the answer looks the same."""
    key = current_app.config["SECRET_KEY"].encode()
    fake_id = hmac.new(key, b"passkey-decoy:" + email.lower().encode(), hashlib.sha256).digest()
    return [PublicKeyCredentialDescriptor(id=fake_id, transports=_transports(["internal", "hybrid"]))]


def authentication_options(email: str | None) -> dict:
    """Options for navigator.credentials.get(): the account's passkeys, or discoverable without email.

    An unknown email (or one without passkeys) gets a decoy credential list, so the answer never
    tells whether the account exists.
    """
    challenge = new_challenge()
    allow: list[PublicKeyCredentialDescriptor] = []
    if email:
        user = _user_by_email(email)
        allow = [_descriptor(p) for p in user.passkeys] if user else []
        allow = allow or _decoy_descriptors(email)
    options = generate_authentication_options(
        rp_id=rp_id(),
        challenge=challenge,
        timeout=_timeout_ms(),
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    # The email, not a user id: the session cookie is readable and must not confirm the account.
    _start(LOGIN, challenge, email=email.lower() if email else None)
    return options_to_json_dict(options)


def finish_authentication(credential: dict) -> tuple[User, Passkey]:
    """Check the browser's answer to authentication_options; the user it proves and the passkey
    (commit after)."""
    state = _take(LOGIN)
    try:
        parsed = parse_authentication_credential_json(credential)
    except BAD_INPUT as exc:
        raise _malformed(exc) from exc
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.credential_id == parsed.raw_id))
    unknown = Unauthenticated(
        "passkey.unknown", M_("This passkey is not registered with Onsite (it may have been removed).")
    )
    if passkey is None or not passkey.user.active:
        raise unknown
    user = passkey.user
    if state.get("email") and user.email.lower() != state["email"]:
        raise unknown  # the browser offered only that account's passkeys
    handle = parsed.response.user_handle
    if handle is None and not state.get("email"):
        raise Unauthenticated(
            "passkey.no_user_handle", M_("The passkey did not say which account it belongs to (no userHandle).")
        )
    if handle is not None and not hmac.compare_digest(handle, user.webauthn_user_handle):
        raise Unauthenticated("passkey.wrong_account", M_("The passkey does not belong to the account it names."))
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=rp_id(),
            expected_origin=origins(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=REQUIRE_UV,
        )
    except BAD_INPUT as exc:
        if "sign count" in str(exc):
            raise Unauthenticated(
                "passkey.counter",
                M_(
                    "Passkey sign-in refused: its signature counter went backwards, so this "
                    "may be a replayed or cloned credential."
                ),
            ) from exc
        raise Unauthenticated(
            "passkey.sign_in_failed", M_("Passkey sign-in failed: %(detail)s"), {"detail": str(exc)}
        ) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return user, passkey
