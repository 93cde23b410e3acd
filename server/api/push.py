"""Web Push to technicians (/api/push): the app's VAPID key, and one's own browser subscriptions."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..extensions import db
from ..services import push
from ..wire.push import PushSubscribeIn, PushSubscriptionOut, VapidKeyOut

blp = Blueprint("push", __name__, url_prefix="/api/push", description="Web Push to technicians' phones")


@blp.route("/vapid-public-key", methods=["GET"])
@login_required
@blp.response(200, VapidKeyOut)
def vapid_public_key():
    """The key browsers subscribe with (generated into instance/ on first use)."""
    return {"public_key": push.public_key()}


@blp.route("/subscriptions", methods=["GET"])
@login_required
@blp.response(200, PushSubscriptionOut(many=True))
def list_subscriptions():
    """The signed-in user's subscribed browsers, oldest first."""
    return push.subscriptions_of(current_user)


@blp.route("/subscriptions", methods=["POST"])
@login_required
@blp.arguments(PushSubscribeIn)
@blp.response(201, PushSubscriptionOut)
def subscribe(body):
    """Subscribe this browser (PushSubscription.toJSON()); the same endpoint again refreshes it."""
    sub = push.subscribe(
        current_user,
        body["endpoint"],
        body["keys"]["p256dh"],
        body["keys"]["auth"],
        body.get("label"),
        body.get("language"),
    )
    db.session.commit()
    return sub


@blp.route("/subscriptions/<string:subscription_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def unsubscribe(subscription_id):
    """Remove one of one's own subscriptions; anyone else's is a 404."""
    push.unsubscribe(push.own_subscription(current_user, subscription_id))
    db.session.commit()
