"""Onsite: the Flask app factory."""

from __future__ import annotations

import logging

from flask import Flask

from . import config as config_module
from . import log_privacy
from .json_provider import OrjsonProvider


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config from the environment (overridden by `config`), extensions, blueprints."""
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE_DIR),
        static_folder="../pwa/static",
        template_folder="../pwa/templates",
    )
    app.json = OrjsonProvider(app)
    app.config.from_mapping(config_module.from_environment())
    if config:
        app.config.from_mapping(config)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log_privacy.install()

    from . import api, cli, compression, db_setup, errors, office, pwa_views, request_limits, security_headers, sync
    from .auth import csrf, session
    from .extensions import db, limiter, migrate
    from .sync import changelog, idle_pull

    db_setup.configure(app)
    db.init_app(app)
    changelog.init_app(app)  # every write through db.session notes its changes for pull
    db_setup.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.INSTANCE_DIR.parent / "migrations"))
    limiter.init_app(app)
    session.init_app(app)
    csrf.init_app(app)
    errors.register_error_handlers(app)
    request_limits.init_app(app)  # body size, NUL in path/query/form, the checked JSON loader
    security_headers.init_app(app)
    compression.init_app(app)
    api.init_app(app)
    sync.init_app(app)
    pwa_views.init_app(app)
    office.init_app(app)
    cli.init_app(app)
    idle_pull.init_app(app)  # WSGI middleware: up-to-date pulls in one round trip
    return app
