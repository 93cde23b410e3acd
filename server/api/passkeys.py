"""Passkeys: register one while signed in, sign in with it, list and remove one's own."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import passkeys as ceremony
from ..auth import sign_ins
from ..auth.session import sign_in
from ..auth.sign_in import login_limit
from ..domain.errors import M_, NotFound
from ..extensions import db, limiter
from ..models import Passkey
from .auth import new_session, session_body
from .schemas.auth import (
    PasskeyCeremonyIn,
    PasskeyLoginOptionsIn,
    PasskeyOut,
    PasskeyRegisterOptionsIn,
    SessionOut,
    WebAuthnOptionsOut,
)

blp = Blueprint("passkeys", __name__, url_prefix="/api/auth/passkeys", description="Passkey (WebAuthn) sign-in")


@blp.route("/register/options", methods=["POST"])
@login_required
@blp.arguments(PasskeyRegisterOptionsIn)
@blp.response(200, WebAuthnOptionsOut)
def register_options(body):
    """Start adding a passkey to the signed-in account; `name` labels it in the list."""
    options = ceremony.registration_options(current_user, body["name"])
    db.session.commit()
    return {"publicKey": options}


@blp.route("/register/verify", methods=["POST"])
@login_required
@blp.arguments(PasskeyCeremonyIn)
@blp.response(201, PasskeyOut)
def register_verify(body):
    """Finish adding a passkey with the browser's navigator.credentials.create() result."""
    passkey = ceremony.finish_registration(current_user, body["credential"])
    db.session.commit()
    return passkey


@blp.route("/login/options", methods=["POST"])
@limiter.limit(login_limit, methods=["POST"])
@blp.arguments(PasskeyLoginOptionsIn)
@blp.response(200, WebAuthnOptionsOut)
def login_options(body):
    """Start a passkey sign-in; without `email` the authenticator offers its discoverable passkeys."""
    options = ceremony.authentication_options(body.get("email"))
    db.session.commit()
    return {"publicKey": options}


@blp.route("/login/verify", methods=["POST"])
@limiter.limit(login_limit, methods=["POST"])
@blp.arguments(PasskeyCeremonyIn)
@blp.response(200, SessionOut)
def login_verify(body):
    """Finish a passkey sign-in with navigator.credentials.get(); starts a session like password login."""
    user, passkey = ceremony.finish_authentication(body["credential"])
    new_session()
    sign_in(user, sign_ins.PASSKEY, remember=True, passkey_id=passkey.id)  # a fresh session and token
    db.session.commit()
    return session_body(user)


@blp.route("", methods=["GET"])
@login_required
@blp.response(200, PasskeyOut(many=True))
def list_passkeys():
    """The signed-in user's passkeys, oldest first."""
    stmt = sa.select(Passkey).where(Passkey.user_id == current_user.id).order_by(Passkey.created_at, Passkey.id)
    return db.session.scalars(stmt).all()


@blp.route("/<string:passkey_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_passkey(passkey_id):
    """Remove one of one's own passkeys, and end the sessions it started; anyone else's is a 404."""
    passkey = db.session.scalar(sa.select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == current_user.id))
    if passkey is None:
        raise NotFound("passkey.unknown", M_("No passkey with id %(id)s among yours."), {"id": passkey_id})
    sign_ins.revoke_for_passkey(passkey.id)
    db.session.delete(passkey)
    db.session.commit()
