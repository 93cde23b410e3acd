"""The REST API: thin blueprints over the services, schemas at every boundary."""
from flask import Flask

from flask_smorest import Api

from . import auth, customers, health, parts, work_orders


def init_app(app: Flask) -> None:
    """Register the API blueprints (documented in /api/openapi.json) and /healthz."""
    api = Api(app)  # one per app: the spec it builds belongs to that app
    app.extensions["onsite_api"] = api
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (auth, work_orders, customers, parts):
        api.register_blueprint(module.blp)
    app.register_blueprint(health.bp)
