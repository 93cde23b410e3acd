"""The back office: server-rendered pages for dispatchers and after-sales managers.

Pages live in views/ (one module per concern) on one blueprint; the public
verification page of service reports has its own blueprint without a prefix.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the office pages, the public /verify page and the `flask office` commands."""
    from . import cli, i18n
    from .blueprint import bp
    from .views import (  # noqa: F401  (each module adds its routes to bp)
        board,
        conflicts,
        customers,
        dispatch,
        escalations,
        fees,
        followups,
        intake,
        kpis,
        people,
        phone_resolution,
        reconciliation,
        recovery,
        reports,
        schedule,
        search,
        session,
        settings,
        upkeep,
        warranty,
        work_order_list,
    )
    from .views.track import track_bp
    from .views.verify import verify_bp

    i18n.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(track_bp)
    cli.init_app(app)
