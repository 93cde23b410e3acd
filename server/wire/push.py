"""Web Push subscriptions over REST (issue #16): what the PWA's settings screen sends and reads."""

from marshmallow import fields

from .fields import Choice, Required, StrictSchema, Text


class PushKeysIn(StrictSchema):
    p256dh = Required(200, metadata={"description": "The browser's P-256 public key, base64url"})
    auth = Required(64, metadata={"description": "The 16-byte authentication secret, base64url"})


class PushSubscribeIn(StrictSchema):
    """PushSubscription.toJSON() as the browser gives it, plus what the technician sees and reads."""

    endpoint = Required(2000, metadata={"description": "The push service's URL for this browser"})
    keys = fields.Nested(PushKeysIn, required=True)
    expirationTime = fields.Float(load_default=None, allow_none=True)
    label = Text(120, load_default=None, allow_none=True)
    language = Choice(("zh-CN", "en"), load_default=None, allow_none=True)


class PushSubscriptionOut(StrictSchema):
    id = fields.String()
    label = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    endpoint_origin = fields.Function(lambda s: "/".join(s.endpoint.split("/", 3)[:3]))
    created_at = fields.DateTime()
    last_sent_at = fields.DateTime(allow_none=True)


class VapidKeyOut(StrictSchema):
    public_key = fields.String(metadata={"description": "applicationServerKey for pushManager.subscribe, base64url"})
