"""Money and consent on a push: the server prices every quote, and chargeable work waits for consent.

- A `fee_quote` is recomputed with server/domain/fees.py from the server's fee schedule
  (services/fee_schedule.py) and the visit's coverage (services/coverage.py); a quote
  priced from an older schedule, or whose lines differ from the server's, is refused so
  the phone re-prices and asks the customer again.
- A chargeable `part_fitted` needs a live consented quote listing it, applied before it
  (the device's own seq decides the order offline), and the catalogue price; a covered
  part is free and needs no consent [seed 003 §三(五)2, §三(七)1].
- A `payment` settles the latest consented quote, once per order; the server numbers the receipt.

On the push fast path (BatchCache) the schedule, prices and coverage are read once per
batch, and what each order already has (consented quotes, chargeable parts fitted, a
payment) is read once per order and then kept up to date as the batch adds records, so a
quote earlier in the same batch counts without a flush per record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain import fees
from ..models import FeeQuote, PartFitted, Payment, WorkOrder
from ..services import fee_schedule
from ..services.coverage import Coverage, coverage_of
from .reasons import MutationRejected


@dataclass
class OrderMoney:
    """What a work order already has that money rules look at (live records only)."""

    quotes: list[tuple[dict[str, int], Decimal]] = field(default_factory=list)  # consented: (parts, total)
    fitted: dict[str, int] = field(default_factory=dict)  # chargeable parts fitted, by part number
    paid: bool = False

    def consented_quantity(self, part_number: str) -> int:
        return max((parts.get(part_number, 0) for parts, _ in self.quotes), default=0)


class MoneyCache:
    """Per-batch look-ups for the money rules (kept on the BatchCache; None outside a batch)."""

    def __init__(self) -> None:
        self.header: tuple[int, Decimal, Decimal] | None = None
        self.prices: dict[str, tuple[Decimal, Decimal] | None] = {}
        self.coverage: dict[str, Coverage] = {}
        self.orders: dict[str, OrderMoney] = {}
        # The batch's orders' warranty-void reasons, read together when coverage is first decided
        # (apply.py; an order given a void in the batch is dropped and read again on its own).
        self.void_reasons: dict[str, list[str]] | None = None

    def forget_coverage(self, wo_id: str) -> None:
        """The order's coverage is decided again when next needed (a warranty void added or voided),
        from its void reasons read again."""
        self.coverage.pop(wo_id, None)
        if self.void_reasons is not None:
            self.void_reasons.pop(wo_id, None)


def header(session: Session, cache: MoneyCache | None) -> tuple[int, Decimal, Decimal]:
    if cache is None:
        return fee_schedule.header(session)
    if cache.header is None:
        cache.header = fee_schedule.header(session)
    return cache.header


def prices(session: Session, cache: MoneyCache | None, part_numbers) -> dict[str, tuple[Decimal, Decimal]]:
    """part_number -> (price, credit) of those in the catalogue."""
    if cache is None:
        return fee_schedule.part_prices(session, part_numbers)
    missing = [n for n in set(part_numbers) if n not in cache.prices]
    if missing:
        found = fee_schedule.part_prices(session, missing)
        cache.prices.update({n: found.get(n) for n in missing})
    return {n: cache.prices[n] for n in set(part_numbers) if cache.prices[n] is not None}


def coverage(session: Session, cache: MoneyCache | None, wo: WorkOrder, at: datetime) -> Coverage:
    if cache is None:
        return coverage_of(session, wo, at)
    if wo.id not in cache.coverage:
        reasons = cache.void_reasons.get(wo.id) if cache.void_reasons is not None else None
        cache.coverage[wo.id] = coverage_of(session, wo, at, reasons)
    return cache.coverage[wo.id]


def order_money(session: Session, wo_id: str) -> OrderMoney:
    """Read from the database (the caller has flushed whatever the batch kept)."""
    state = OrderMoney()
    quotes = session.execute(
        sa.select(FeeQuote.parts, FeeQuote.total)
        .where(FeeQuote.work_order_id == wo_id, FeeQuote.deleted.is_(False), FeeQuote.consented.is_(True))
        .order_by(FeeQuote.created_at, FeeQuote.id)
    ).all()
    state.quotes = [(_quoted(parts or []), Decimal(total)) for parts, total in quotes]
    fitted = session.execute(
        sa.select(PartFitted.part_number, sa.func.sum(PartFitted.quantity))
        .where(
            PartFitted.work_order_id == wo_id,
            PartFitted.deleted.is_(False),
            PartFitted.under_warranty.is_(False),
        )
        .group_by(PartFitted.part_number)
    ).all()
    state.fitted = {number: int(quantity) for number, quantity in fitted}
    state.paid = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Payment)
            .where(Payment.work_order_id == wo_id, Payment.deleted.is_(False))
        )
        > 0
    )
    return state


def _quoted(parts: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in parts:
        out[p["part_number"]] = out.get(p["part_number"], 0) + int(p["quantity"])
    return out


# ---------------------------------------------------------------- the checks


def check_fee_quote(session: Session, cache: MoneyCache | None, wo: WorkOrder, data: dict, at: datetime) -> None:
    """Recompute the quote; refuse it stale, invalid or different from what the server computes."""
    revision = header(session, cache)[0]
    if data["schedule_revision"] != revision:
        raise MutationRejected(
            "sync.fee_schedule_stale",
            {"revision": revision},
            {"fields": {"schedule_revision": [f"The current fee schedule is revision {revision}."]}},
        )
    cov = coverage(session, cache, wo, at)
    _, call_out, labour = header(session, cache)
    schedule = fees.Schedule(
        revision, call_out, labour, prices(session, cache, [p["part_number"] for p in data["parts"]])
    )
    quote_in = fees.QuoteIn(
        covered=cov.covered,
        work_minutes=data["work_minutes"],
        parts=tuple(
            fees.PartIn(p["part_number"], p["quantity"], p["trade_in"], cov.part_covered(p.get("serial_removed")))
            for p in data["parts"]
        ),
        adjustments=tuple(
            fees.Adjustment(a["kind"], a["reason"], a.get("line"), a.get("amount")) for a in data["adjustments"]
        ),
    )
    try:
        expected = fees.compute_quote(schedule, quote_in)
    except fees.FeeError as exc:
        raise MutationRejected(
            "sync.quote_invalid", {"reason": exc.code}, {"fields": {"quote": [exc.code], **_strs(exc.params)}}
        ) from exc
    sent = fees.Quote([_canonical_line(line) for line in data["lines"]], f"{data['total']:.2f}")
    if fees.canonical_quote(sent) != fees.canonical_quote(expected):
        raise MutationRejected(
            "sync.quote_mismatch",
            {"total": expected.total},
            {"fields": {"lines": ["Differ from the lines the server computes from the fee schedule."]}},
        )


def _strs(params: dict) -> dict:
    return {k: [str(v)] for k, v in params.items()}


def _canonical_line(line: dict) -> dict:
    """A line as compute_quote makes it: without the description, the amount as text."""
    out = {k: v for k, v in line.items() if k != "description"}
    out["amount"] = f"{line['amount']:.2f}"
    return out


def stored_lines(data: dict) -> list[dict]:
    """The phone's lines as stored (equal to the server's but for the descriptions)."""
    return [{**line, "amount": f"{line['amount']:.2f}"} for line in data["lines"]]


def stored_quote_inputs(data: dict) -> None:
    """The quote's inputs as JSON-ready values (amounts as text)."""
    data["adjustments"] = [
        {**a, "amount": None if a.get("amount") is None else f"{a['amount']:.2f}"} for a in data["adjustments"]
    ]
    data["parts"] = [dict(p) for p in data["parts"]]


def check_part_fitted(
    session: Session,
    cache: MoneyCache | None,
    state_of: Callable[[], OrderMoney],
    wo: WorkOrder,
    data: dict,
    at: datetime,
) -> bool:
    """The catalogue price (0.00 when covered) and, for a chargeable part, the customer's consent.

    `state_of` reads the order's money state, only for a chargeable part (a covered one, the
    common case on a push, needs no read back of the batch). Returns whether the part is
    chargeable (counted against the consented quantity).
    """
    number, quantity = data["part_number"], data.get("quantity", 1)
    cov = coverage(session, cache, wo, at)
    free = cov.covered or cov.part_covered(data.get("serial_removed"))
    price = prices(session, cache, [number])[number][0]  # known: checked as a reference before
    due = Decimal("0.00") if free else price
    if data["unit_price"] != due or data["under_warranty"] != free:
        raise MutationRejected(
            "sync.price_mismatch",
            {"part_number": number, "price": f"{due:.2f}"},
            {"fields": {"unit_price": [f"Must be {due:.2f}."], "under_warranty": [f"Must be {str(free).lower()}."]}},
        )
    if free:
        return False
    state = state_of()
    needed = state.fitted.get(number, 0) + quantity
    if state.consented_quantity(number) < needed:
        raise MutationRejected(
            "sync.consent_required",
            {"what": f"{number} ×{needed}", "part_number": number, "quantity": needed},
            {"work_order_id": ["No consented quote lists this part in this quantity."]},
        )
    return True


def check_payment(state: OrderMoney, data: dict) -> None:
    """A payment settles the latest consented quote, once per order."""
    if not state.quotes:
        raise MutationRejected(
            "sync.consent_required",
            {"what": f"{data['amount']:.2f}"},
            {"work_order_id": ["No consented quote to pay."]},
        )
    if state.paid:
        raise MutationRejected("sync.already_paid", {}, {"work_order_id": ["Already paid."]})
    total = state.quotes[-1][1]
    if data["method"] != "not_collected" and data["amount"] != total:
        raise MutationRejected(
            "sync.payment_mismatch", {"total": f"{total:.2f}"}, {"fields": {"amount": [f"Must be {total:.2f}."]}}
        )


def note_added(state: OrderMoney | None, entity: str, data: dict, chargeable: bool = False) -> None:
    """Keep a batch's order state up to date with a record it just added."""
    if state is None:
        return
    if entity == "fee_quote" and data["consented"]:
        state.quotes.append((_quoted(data["parts"]), Decimal(data["total"])))
    elif entity == "part_fitted" and chargeable:
        state.fitted[data["part_number"]] = state.fitted.get(data["part_number"], 0) + data.get("quantity", 1)
    elif entity == "payment":
        state.paid = True
