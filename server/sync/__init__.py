"""The sync engine's transport: push, pull, exactly-once, the change log, blobs, the idle-pull lane, review."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the sync API on the app's REST API (so /api/openapi.json documents it)."""
    from . import schemas, views

    api = app.extensions["onsite_api"]
    api.register_blueprint(views.blp)
    schemas.register_entity_schemas(api.spec)
