"""The fee schedule: the one place that reads it for pricing and the one write path that changes it.

The schedule is the call-out fee, the hourly labour rate and, per catalogue part, its
price and trade-in credit [seed 003 §三(七)1-2]. Phones price quotes offline from their
synced copy (sync entity `fee_schedule` and `part`); the server recomputes each quote
with server/domain/fees.py from `schedule()`. Every change made here bumps `revision` by
one, so a quote priced from an older copy is refused as stale and the phone re-prices.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..domain.errors import M_, Conflict, Forbidden, Invalid
from ..domain.fees import Schedule
from ..extensions import db
from ..models import FeeSchedule, Part, User

MAX_AMOUNT = Decimal("1000000")


def _defaults() -> tuple[Decimal, Decimal]:
    """Call-out and labour per hour from the config (server/config.py FEE_SCHEDULE), before any edit."""
    cfg = current_app.config.get("FEE_SCHEDULE") or {}
    return Decimal(str(cfg.get("call_out", "50.00"))), Decimal(str(cfg.get("labour", "80.00")))


def _row(session: Session) -> FeeSchedule | None:
    return session.scalar(sa.select(FeeSchedule).order_by(FeeSchedule.created_at).limit(1))


def ensure(session: Session | None = None) -> FeeSchedule:
    """The schedule's row, made from the config defaults (revision 1) if there is none yet.

    Made through the ORM so the change log carries it to the phones (init-db, seed-demo and
    the first edit call this; the caller commits).
    """
    session = session or db.session()
    row = _row(session)
    if row is None:
        call_out, labour = _defaults()
        row = FeeSchedule(revision=1, call_out=call_out, labour_per_hour=labour)
        session.add(row)
        session.flush()
    return row


def header(session: Session | None = None) -> tuple[int, Decimal, Decimal]:
    """(revision, call-out, labour per hour): the stored row, else the config defaults at revision 1."""
    row = _row(session or db.session())
    if row is None:
        return (1, *_defaults())
    return row.revision, Decimal(row.call_out), Decimal(row.labour_per_hour)


def part_prices(session: Session, part_numbers) -> dict[str, tuple[Decimal, Decimal]]:
    """part_number -> (price, trade-in credit) for those of `part_numbers` in the catalogue."""
    wanted = sorted(set(part_numbers))
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Part.part_number, Part.price, Part.trade_in_credit).where(Part.part_number.in_(wanted))
    ).all()
    return {r.part_number: (Decimal(r.price), Decimal(r.trade_in_credit or 0)) for r in rows}


def schedule(session: Session | None = None, part_numbers=None) -> Schedule:
    """The schedule as fees.compute_quote takes it: with every part, or only `part_numbers`."""
    session = session or db.session()
    revision, call_out, labour = header(session)
    if part_numbers is None:
        part_numbers = session.scalars(sa.select(Part.part_number)).all()
    return Schedule(revision, call_out, labour, part_prices(session, part_numbers))


def as_wire(session: Session | None = None) -> dict:
    """{"revision", "call_out", "labour_per_hour"} as the phone's copy has them."""
    revision, call_out, labour = header(session)
    return {"revision": revision, "call_out": f"{call_out:.2f}", "labour_per_hour": f"{labour:.2f}"}


def _amount(value, field: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError):
        errors[field] = [M_("Give an amount in yuan, e.g. 50.00.")]
        return None
    if not 0 <= amount < MAX_AMOUNT:
        errors[field] = [M_("Give an amount in yuan, e.g. 50.00.")]
        return None
    return amount


def change(
    user: User,
    call_out=None,
    labour_per_hour=None,
    parts: dict[str, tuple] | None = None,
) -> FeeSchedule:
    """Change the call-out, the labour rate and parts' (price, trade-in credit); managers only.

    Anything left None stays. The revision goes up by one when anything changed (the caller
    commits). A part's credit may not exceed its price (the customer is never paid to trade in).
    """
    if not user.has_role("manager"):
        raise Forbidden("fee_schedule.manager_only", M_("Only an after-sales manager may change the fee schedule."))
    session = db.session()
    row = ensure(session)
    errors: dict[str, list[str]] = {}
    changed = False
    for field, value in (("call_out", call_out), ("labour_per_hour", labour_per_hour)):
        if value is None:
            continue
        amount = _amount(value, field, errors)
        if amount is not None and amount != Decimal(getattr(row, field)):
            setattr(row, field, amount)
            changed = True
    if parts:
        found = {p.part_number: p for p in session.scalars(sa.select(Part).where(Part.part_number.in_(list(parts))))}
        for number, (price, credit) in parts.items():
            part = found.get(number)
            if part is None:
                errors[f"parts.{number}"] = [M_("Not in the catalogue.")]
                continue
            new_price = _amount(price, f"price_{number}", errors) if price is not None else Decimal(part.price)
            new_credit = (
                _amount(credit, f"credit_{number}", errors) if credit is not None else Decimal(part.trade_in_credit)
            )
            if new_price is None or new_credit is None:
                continue
            if new_credit > new_price:
                errors[f"credit_{number}"] = [M_("The trade-in credit may not exceed the part's price.")]
                continue
            if new_price != Decimal(part.price) or new_credit != Decimal(part.trade_in_credit or 0):
                part.price, part.trade_in_credit = new_price, new_credit
                changed = True
    if errors:
        raise Invalid("fee_schedule.invalid", M_("Please correct the marked fields."), fields=errors)
    if changed:
        row.revision += 1
        session.flush()
    return row


def add_part(fields: dict) -> Part:
    """Add a part to the catalogue: its price is part of the fee schedule, so the revision goes up
    (a phone's offline copy without the part learns of it as a stale schedule, not at some later
    pull). The caller has checked the caller may (office) and commits."""
    session = db.session()
    if session.scalar(sa.select(Part.id).where(Part.part_number == fields["part_number"])):
        raise Conflict(
            "part.exists", M_("Part number already in the catalogue."), fields={"part_number": [M_("Already exists.")]}
        )
    part = Part(**fields)
    session.add(part)
    ensure(session).revision += 1
    session.flush()
    return part
