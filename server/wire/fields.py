"""Marshmallow fields shared by the REST and sync schemas: ids, text, money, days and moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..domain.service_day import today
from ..models.base import UUID_RE

# Dates and times outside this span are typing mistakes, and far-off ones overflow
# Python's date arithmetic (a 500 instead of a 422).
EARLIEST = date(1970, 1, 1)
LATEST = date(2099, 12, 31)


def one_line(value: str) -> None:
    """No line breaks (a regex `$` lets one through at the end)."""
    if "\n" in value or "\r" in value:
        raise ValidationError("Must be a single line.")


def _no_nul(value: str) -> None:
    # PostgreSQL text cannot hold NUL; rejecting it here keeps it a 422, not a 500.
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


def Id(**kw) -> fields.String:
    """A UUID in its text form."""
    return fields.String(validate=validate.Regexp(UUID_RE, error="Not a valid UUID."), **kw)


def Text(max_len: int, **kw) -> fields.String:
    """Text with a length limit."""
    return fields.String(validate=[validate.Length(max=max_len), _no_nul], **kw)


def Required(max_len: int, **kw) -> fields.String:
    """Required (unless told otherwise), non-blank text with a length limit."""
    kw.setdefault("required", True)
    return fields.String(validate=[validate.Length(min=1, max=max_len), _not_blank, _no_nul], **kw)


def Choice(choices, **kw) -> fields.String:
    """One value out of a fixed list (the error lists the allowed ones)."""
    values = [c.value if hasattr(c, "value") else c for c in choices]
    return fields.String(validate=validate.OneOf(values), metadata={"enum": values}, **kw)


def Money(max_value: int = 1_000_000, **kw) -> fields.Decimal:
    """An amount in yuan with two decimals, 0..max_value; sent as a number or a string."""

    def in_range(value) -> None:
        if not 0 <= value <= max_value:
            raise ValidationError(f"Must be between 0 and {max_value}.")

    # Not validate.Range: apispec would print a Decimal field's bounds as "0.00" strings,
    # which makes the OpenAPI document invalid; they are documented as numbers instead.
    metadata = {"minimum": 0, "maximum": max_value, **kw.pop("metadata", {})}
    return fields.Decimal(places=2, as_string=True, validate=in_range, metadata=metadata, **kw)


def Day(*, validate_also=(), **kw) -> fields.Date:
    """A calendar day between 1970 and 2099 (plus any further validators)."""
    return fields.Date(validate=[validate.Range(min=EARLIEST, max=LATEST), *validate_also], **kw)


def Moment(**kw) -> fields.AwareDateTime:
    """A point in time with its UTC offset, between 1970 and 2099."""
    return fields.AwareDateTime(
        validate=validate.Range(
            min=datetime.combine(EARLIEST, datetime.min.time(), UTC),
            max=datetime.combine(LATEST, datetime.max.time(), UTC),
        ),
        **kw,
    )


def not_in_future(value: date) -> None:
    """A day that has already come (a day's slack for time zones)."""
    if value > today() + timedelta(days=1):
        raise ValidationError("Must not be in the future.")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class StrictSchema(Schema):
    """Rejects unknown fields (marshmallow's default, stated so it stays that way)."""

    class Meta:
        ordered = True
        unknown = RAISE


class PageQuery(StrictSchema):
    """Paging of a list."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
