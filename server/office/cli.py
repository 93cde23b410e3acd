"""`flask office ...`: back-office jobs to run from cron (the pages also plan calls when opened)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..services import followup_queue

office_cli = AppGroup("office", help="Back-office jobs.")


@office_cli.command("plan-follow-ups")
def plan_follow_ups() -> None:
    """Plan the follow-up calls owed by the visits synced in (idempotent)."""
    added = followup_queue.plan()
    db.session.commit()
    click.echo(f"Planned {added} new follow-up call(s).")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(office_cli)
