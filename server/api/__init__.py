"""The REST API: thin blueprints over the services, schemas at every boundary."""

from flask import Flask
from flask_smorest import Api

from ..wire.errors import ErrorBody
from . import auth, customers, escalations, health, office, parts, passkeys, push, warranty, work_orders


class OnsiteApi(Api):
    """flask-smorest's Api, minus its own HTTPException handler: server.errors owns the error body."""

    ERROR_SCHEMA = ErrorBody  # the documented default error response, `reason` and `params` included

    def _register_error_handlers(self):
        # Api.init_app runs after errors.register_error_handlers and would replace our
        # handler with one that drops `message` and nests field errors under the location.
        pass


def init_app(app: Flask) -> None:
    """Register the API blueprints (documented in /api/openapi.json) and /healthz."""
    api = OnsiteApi(app)  # one per app: the spec it builds belongs to that app
    app.extensions["onsite_api"] = api
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (auth, passkeys, work_orders, customers, parts, office, escalations, warranty, push):
        api.register_blueprint(module.blp)
    app.register_blueprint(health.bp)
