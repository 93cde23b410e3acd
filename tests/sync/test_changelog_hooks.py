"""The change-log hooks live on the app's session factory, put there once by create_app."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from server import create_app
from server.models import ChangeLogEntry, Customer
from server.sync import changelog


def test_the_hooks_are_on_the_apps_sessions_not_on_every_sqlalchemy_session(db):
    for name, hook in changelog.HOOKS:
        assert event.contains(db.session, name, hook)
        assert not event.contains(Session, name, hook)


def test_another_app_adds_no_second_set_of_hooks(app, db):
    create_app(dict(app.config))
    db.session.add(Customer(name="赵六", phone="13800000009", address="杭州市西湖区文三路 1 号"))
    db.session.commit()
    rows = db.session.scalars(sa.select(ChangeLogEntry).where(ChangeLogEntry.entity == "customer")).all()
    assert len(rows) == 1  # one staff-wide row: the hooks ran once


def test_a_session_outside_the_app_writes_no_change_log(app, db):
    """Scoped to db.session: a bare SQLAlchemy session (a script, another library) is not logged."""
    with Session(db.engine) as other:
        other.add(Customer(name="钱七", phone="13800000010", address="南京市玄武区中山路 2 号"))
        other.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLogEntry)) == 0
