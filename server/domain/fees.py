"""Fee computation: the one rule that turns a fee schedule and a visit's quote into money.

The phone prices offline from its synced copy of the schedule (pwa/static/js/fees.js, a
line-for-line port of this module) and the server recomputes every fee quote it receives
with this same function; the two must agree byte for byte on `canonical_quote(...)`
(tests compare them with hypothesis, as they do for the signed summary).

Why each rule [seed 003 §三(七)1-2, §三(五)2; domain.md]:
- Out of warranty the visit is chargeable: call-out and labour from the schedule, parts at
  catalogue price; the customer is shown the schedule and consents before the repair.
- In warranty (and no human damage or consumable recorded, or the office overrode it) the
  call-out, labour and parts are free; the lines are still quoted, at 0.00, so the customer
  sees what the warranty covers.
- A part is also free when it replaces a fitted part still inside its own warranty
  (`PartIn.covered`, decided by server/domain/warranty.py).
- Labour is charged per started quarter hour of work time at the hourly rate
  (`LABOUR_UNIT_MINUTES`); travel time is recorded but covered by the call-out fee.
- The old part may be traded in (旧件折费, §三(七)1): a credit per part from the catalogue.
- Waivers (of the call-out or of labour) and discounts need a reason; a discount larger
  than what is left to pay is refused, never clamped, so nobody is shown a negative bill.

All amounts are integer cents inside; money leaves as a string with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .signed_summary import canonical_json

LABOUR_UNIT_MINUTES = 15  # labour is billed per started quarter hour
WAIVABLE = ("call_out", "labour")


class FeeError(ValueError):
    """A quote that cannot be priced: `code` is a stable reason, `params` fill its message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Schedule:
    """The fee schedule as the phone syncs it: revision, call-out, hourly labour rate,
    and per part its price and trade-in credit."""

    revision: int
    call_out: Decimal
    labour_per_hour: Decimal
    parts: dict[str, tuple[Decimal, Decimal]]  # part_number -> (price, trade_in_credit)


@dataclass(frozen=True)
class PartIn:
    part_number: str
    quantity: int = 1
    trade_in: bool = False  # the customer hands over the old part for a credit
    covered: bool = False  # replaces a fitted part still in its own warranty


@dataclass(frozen=True)
class Adjustment:
    kind: str  # "waiver" (of the call-out or labour) | "discount"
    reason: str
    line: str | None = None  # waiver: which line ("call_out" | "labour")
    amount: Decimal | None = None  # discount: how much off


@dataclass(frozen=True)
class QuoteIn:
    covered: bool  # the visit is covered by warranty (after void / override rules)
    work_minutes: int = 0
    parts: tuple[PartIn, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()


@dataclass
class Quote:
    lines: list[dict] = field(default_factory=list)
    total: str = "0.00"


def cents(amount: Decimal | str | int) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(c: int) -> str:
    sign = "-" if c < 0 else ""
    return f"{sign}{abs(c) // 100}.{abs(c) % 100:02d}"


def labour_cents(rate_per_hour: Decimal | str, minutes: int) -> int:
    """Hourly rate × started quarter hours, rounded half up to the cent (integer arithmetic)."""
    units = -(-max(0, minutes) // LABOUR_UNIT_MINUTES)
    per_hour = 60 // LABOUR_UNIT_MINUTES
    return (units * cents(rate_per_hour) * 2 + per_hour) // (2 * per_hour)


def compute_quote(schedule: Schedule, q: QuoteIn) -> Quote:
    """The quote's lines in their fixed order, and the total. Raises FeeError."""
    lines: list[dict] = []
    call_out = 0 if q.covered else cents(schedule.call_out)
    labour = 0 if q.covered else labour_cents(schedule.labour_per_hour, q.work_minutes)
    lines.append({"kind": "call_out", "ref": "", "quantity": 1, "amount": call_out})
    lines.append({"kind": "labour", "ref": "", "quantity": max(0, q.work_minutes), "amount": labour})
    for p in q.parts:
        if p.part_number not in schedule.parts:
            raise FeeError("fees.unknown_part", part_number=p.part_number)
        if not 1 <= p.quantity <= 100:
            raise FeeError("fees.bad_quantity", part_number=p.part_number)
        price, credit = schedule.parts[p.part_number]
        free = q.covered or p.covered
        lines.append(
            {
                "kind": "part",
                "ref": p.part_number,
                "quantity": p.quantity,
                "amount": 0 if free else cents(price) * p.quantity,
            }
        )
        if p.trade_in and not free and cents(credit) > 0:
            lines.append(
                {
                    "kind": "trade_in",
                    "ref": p.part_number,
                    "quantity": p.quantity,
                    "amount": -cents(credit) * p.quantity,
                }
            )
    by_kind = {"call_out": call_out, "labour": labour}
    waived: set[str] = set()
    for a in q.adjustments:
        if not a.reason.strip():
            raise FeeError("fees.reason_required", kind=a.kind)
        if a.kind == "waiver":
            if a.line not in WAIVABLE or a.line in waived:
                raise FeeError("fees.bad_waiver", line=a.line or "")
            waived.add(a.line)
            lines.append(
                {"kind": "waiver", "ref": a.line, "quantity": 1, "amount": -by_kind[a.line], "reason": a.reason.strip()}
            )
    for a in q.adjustments:
        if a.kind == "discount":
            off = cents(a.amount or 0)
            left = sum(line["amount"] for line in lines)
            if off <= 0 or off > left:
                raise FeeError("fees.bad_discount", amount=money(off), left=money(left))
            lines.append({"kind": "discount", "ref": "", "quantity": 1, "amount": -off, "reason": a.reason.strip()})
        elif a.kind != "waiver":
            raise FeeError("fees.bad_adjustment", kind=a.kind)
    total = sum(line["amount"] for line in lines)
    if total < 0:  # trade-in credits larger than the bill: the customer is never paid out
        raise FeeError("fees.negative_total", total=money(total))
    return Quote([{**line, "amount": money(line["amount"])} for line in lines], money(total))


def canonical_quote(quote: Quote) -> str:
    """The bytes phone and server must agree on: sorted keys, no spaces, UTF-8 text."""
    return canonical_json({"lines": quote.lines, "total": quote.total}).decode()
