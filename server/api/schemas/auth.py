"""Sign-in, session and token payloads."""

from marshmallow import fields, validate

from ...wire.fields import Required, StrictSchema, Text


class LoginIn(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)
    remember = fields.Boolean(load_default=True)


class TokenIn(LoginIn):
    name = Text(80, load_default="api client")


class UserOut(StrictSchema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    # The badge number the phone shows the customer at the hand-over (issue #15).
    badge_no = fields.String(allow_none=True)


class SessionOut(StrictSchema):
    user = fields.Nested(UserOut, allow_none=True)
    csrf_token = fields.String()


class TokenOut(StrictSchema):
    token = fields.String(metadata={"description": "Shown once; send as 'Authorization: Bearer <token>'."})
    id = fields.String(metadata={"description": "The token's id, to list or revoke it."})
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)


class PasskeyOut(StrictSchema):
    id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)


class PasskeyRegisterOptionsIn(StrictSchema):
    name = Required(
        80,
        required=False,
        load_default="Passkey",
        metadata={"description": "A label for the passkey in the owner's list."},
    )


class PasskeyCeremonyIn(StrictSchema):
    """The browser's PublicKeyCredential, JSON-encoded as WebAuthn Level 3 toJSON() gives it."""

    credential = fields.Dict(
        required=True,
        metadata={"description": "PublicKeyCredential.toJSON(): id, rawId, type, response{...} with base64url bytes."},
    )


class PasskeyLoginOptionsIn(StrictSchema):
    email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=254),
        metadata={"description": "Omit for discoverable sign-in (the authenticator offers its passkeys)."},
    )


class WebAuthnOptionsOut(StrictSchema):
    publicKey = fields.Dict(
        metadata={"description": "For PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON."}
    )


class TokenCreateIn(TokenIn):
    expires_in_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Lifetime in days (1-365; default API_TOKEN_DAYS, 90)."},
    )


class TokenInfoOut(StrictSchema):
    """A bearer token as its owner sees it listed (never the secret)."""

    id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "Noted at most once a minute."})


class SignInOut(StrictSchema):
    """A signed-in browser or phone (a session and its remember cookie)."""

    id = fields.String()
    method = fields.String(metadata={"description": "password or passkey"})
    user_agent = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(metadata={"description": "Noted at most once a minute."})
    expires_at = fields.DateTime(metadata={"description": "Moves forward while the device is used."})
    current = fields.Boolean(metadata={"description": "True for the session making this request."})


class PasswordChangeIn(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)
