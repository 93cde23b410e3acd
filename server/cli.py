"""Admin commands: `flask --app server init-db`, `seed-demo`, `create-user`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from .auth.passwords import WeakPassword, hash_password
from .extensions import db
from .models import Role, User


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    init_sync_commands(app)
    init_key_commands(app)
    init_sign_in_commands(app)
    init_retention_commands(app)
    init_notify_commands(app)
    init_push_commands(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema by running every migration."""
        upgrade()
        from .services import checklists, fee_schedule

        fee_schedule.ensure()  # the schedule's row, through the ORM so phones pull it
        checklists.ensure()  # the per job-type checklists from server/domain/checklists.json (issue #15)
        db.session.commit()
        click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")

    @app.cli.command("seed-demo")
    @click.option("--reset", is_flag=True, help="Delete existing data first.")
    def seed_demo_cmd(reset: bool):
        """Load demo data (idempotent) and print the demo logins."""
        from .seed.demo import DEMO_PASSWORD, seed_demo

        created = seed_demo(reset=reset)
        click.echo("Demo data " + ("loaded." if created else "already present; left as it is."))
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in db.session.scalars(sa.select(User).where(User.email.like("%@demo.onsite")).order_by(User.email)):
            click.echo(f"  {user.email:<26} {user.role:<11} {user.name}")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.argument("name")
    @click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TECHNICIAN.value)
    @click.password_option()
    def create_user(email: str, name: str, role: str, password: str):
        """Add a staff account."""
        import secrets

        try:
            password_hash = hash_password(password, email)
        except WeakPassword as exc:
            raise click.BadParameter(str(exc), param_hint="password") from None
        db.session.add(
            User(
                email=email,
                name=name,
                role=role,
                password_hash=password_hash,
                webauthn_user_handle=secrets.token_bytes(32),
            )
        )
        db.session.commit()
        click.echo(f"Created {role} {email}")


def _user_by_email(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise click.BadParameter(f"no account with email {email}", param_hint="email")
    return user


def init_sign_in_commands(app: Flask) -> None:
    """Ending sign-ins from the command line (a lost phone, someone who left)."""
    from .auth import sign_ins

    @app.cli.command("deactivate-user")
    @click.argument("email")
    def deactivate_user(email: str):
        """Deactivate an account: it cannot sign in, and every session and token of it ends."""
        user = _user_by_email(email)
        ended = sign_ins.deactivate(user)
        db.session.commit()
        click.echo(f"Deactivated {user.email}; ended {ended} sessions and tokens.")

    @app.cli.command("revoke-sessions")
    @click.argument("email")
    @click.option("--keep-tokens", is_flag=True, help="End browser and phone sessions only, not bearer tokens.")
    def revoke_sessions(email: str, keep_tokens: bool):
        """End every session (and bearer token) of an account; it can sign in again."""
        user = _user_by_email(email)
        ended = sign_ins.revoke_all(user, tokens=not keep_tokens)
        db.session.commit()
        click.echo(f"Ended {ended} sessions and tokens of {user.email}.")


def init_sync_commands(app: Flask) -> None:
    """Maintenance of the sync change log."""

    @app.cli.command("sync-compact")
    def sync_compact():
        """Drop change-log rows superseded by a newer row for the same record and audience.

        Pull serves each record's current state, so only the newest row per record and
        audience matters: every cursor, old or new, still reaches every record.
        """
        from .models import ChangeLogEntry

        newer = sa.orm.aliased(ChangeLogEntry)
        superseded = sa.exists().where(
            newer.entity == ChangeLogEntry.entity,
            newer.entity_id == ChangeLogEntry.entity_id,
            sa.or_(
                newer.audience_user_id == ChangeLogEntry.audience_user_id,
                sa.and_(newer.audience_user_id.is_(None), ChangeLogEntry.audience_user_id.is_(None)),
            ),
            newer.seq > ChangeLogEntry.seq,
        )
        deleted = db.session.execute(sa.delete(ChangeLogEntry).where(superseded)).rowcount
        db.session.commit()
        click.echo(f"Removed {deleted} superseded change-log rows.")


def init_key_commands(app: Flask) -> None:
    """Key management for customer data encrypted at rest."""

    @app.cli.command("rotate-keys")
    def rotate_keys():
        """Re-encrypt customer data with the first key of DATA_KEYS, bound to its place, and rehash phones.

        Rotation: put a new key first in DATA_KEYS (keep the old one after it), run this,
        then drop the old key. A new PHONE_HASH_KEY takes effect the same way. Values
        written before their table, column and row were bound into the associated data
        (``v1``) are rewritten bound (``v2``). A value that does not decrypt is reported
        and left as it is.
        """
        from .crypto import DecryptionError, Place, app_phone_digest, app_ring, decrypt, encrypt, is_current

        ring = app_ring()
        unreadable = 0
        for table, columns, noun in (
            ("customers", ("phone", "address"), "customers"),
            ("report_shares", ("recipient",), "report recipients"),
            ("work_orders", ("service_address",), "work-order service addresses"),
        ):
            # The raw columns: the ORM type would decrypt, and we need to see which key sealed them.
            digest_col = ("phone_digest",) if table == "customers" else ()
            raw = sa.table(
                table, sa.column("id"), *(sa.column(c, sa.Text) for c in columns), *(sa.column(c) for c in digest_col)
            )
            # (an optional column's empty rows have nothing to re-encrypt)
            rows = db.session.execute(sa.select(*raw.c).where(*(raw.c[c].is_not(None) for c in columns))).all()
            changed = 0
            for row in rows:
                values = row._mapping
                try:
                    plain = {c: decrypt(ring, values[c], Place(table, c, values["id"])) for c in columns}
                except DecryptionError as exc:
                    unreadable += 1
                    click.echo(f"{table} row {values['id']} does not decrypt ({exc}); left as it is.", err=True)
                    continue
                update = {}
                if not all(is_current(ring, values[c]) for c in columns):
                    update = {c: encrypt(ring, plain[c], Place(table, c, values["id"])) for c in columns}
                if digest_col and values["phone_digest"] != app_phone_digest(plain["phone"]):
                    update["phone_digest"] = app_phone_digest(plain["phone"])
                if update:
                    db.session.execute(raw.update().where(raw.c.id == values["id"]).values(**update))
                    changed += 1
            click.echo(f"Re-encrypted {changed} of {len(rows)} {noun} with key {ring.current_id}.")
        db.session.commit()
        if unreadable:
            raise SystemExit(f"{unreadable} rows do not decrypt; see above.")


def init_retention_commands(app: Flask) -> None:
    """Archive then purge records past the retention period (services/retention.py)."""

    @app.cli.command("retention")
    @click.option("--dry-run", is_flag=True, help="Report what would be purged; change nothing.")
    @click.option(
        "--months", type=click.IntRange(min=1), default=None, help="Retention period (default: RETENTION_MONTHS)."
    )
    def retention(dry_run: bool, months: int | None):
        """Archive, then delete, work orders whose handling ended before the retention period."""
        from pathlib import Path

        from .domain.service_day import today
        from .services import retention as service

        report = service.purge(
            db.session,
            months=months or app.config["RETENTION_MONTHS"],
            today=today(),
            archive_dir=Path(app.config["ARCHIVE_DIR"]),
            dry_run=dry_run,
        )
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for line in report.lines():
            click.echo(line)


def init_notify_commands(app: Flask) -> None:
    """`flask notify ...`: deliver the customer notification outbox, set a customer's preferences."""
    notify = click.Group("notify", help="Customer notifications (the outbox, its worker, opt-out).")
    app.cli.add_command(notify)

    @notify.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool):
        """Run an RQ worker delivering notifications (NOTIFY_QUEUE=rq; Redis at REDIS_URL)."""
        from flask import current_app

        from .services import notify_runner

        notify_runner.run_worker(current_app._get_current_object(), burst=burst)

    @notify.command("deliver-due")
    def deliver_due():
        """Send every notification that is due (retries, quiet-hour waits, rows no runner took)."""
        from collections import Counter

        from .services import delivery

        outcomes = Counter(r.outcome for r in delivery.deliver_due())
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) or "nothing due")

    @notify.command("customer")
    @click.argument("phone")
    @click.option("--opt-out/--opt-in", default=None, help="Stop (or resume) every notification to this customer.")
    @click.option("--email", default=None, help="E-mail address for the email channel ('' removes it).")
    def customer(phone: str, opt_out: bool | None, email: str | None):
        """Set a customer's notification preferences (found by phone)."""
        from .models import Customer
        from .services.intake import normalise_phone

        found = db.session.scalar(sa.select(Customer).where(Customer.phone_is(normalise_phone(phone))))
        if found is None:
            raise click.ClickException("No customer with this phone number.")
        if opt_out is not None:
            found.notify_opt_out = opt_out
        if email is not None:
            found.email = email.strip() or None
        db.session.commit()
        click.echo(
            f"Notifications {'off' if found.notify_opt_out else 'on'}; e-mail {'set' if found.email else 'none'}."
        )


def init_push_commands(app: Flask) -> None:
    """`flask push ...`: the VAPID keys and the technicians' push outbox (issue #16)."""
    push_group = click.Group("push", help="Web Push to technicians (VAPID keys, the push outbox).")
    app.cli.add_command(push_group)

    @push_group.command("vapid")
    def vapid():
        """Make the VAPID key pair in instance/ if there is none, and show its public key and file."""
        from .services import push

        key = push.public_key()
        click.echo(f"public key (applicationServerKey): {key}")
        click.echo(f"private key file: {push.key_file()}")

    @push_group.command("deliver-due")
    def push_deliver_due():
        """Send every push message that is due (retries, rows no runner took)."""
        from collections import Counter

        from .services import push

        outcomes = Counter(push.deliver_due())
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) or "nothing due")
