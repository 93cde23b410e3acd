"""Building blocks shared by the schemas."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def Id(**kw) -> fields.String:
    """A UUID in its text form."""
    return fields.String(validate=validate.Regexp(UUID_RE, error="Not a valid UUID."), **kw)


def Text(max_len: int, **kw) -> fields.String:
    """Text with a length limit."""
    return fields.String(validate=validate.Length(max=max_len), **kw)


def Required(max_len: int, **kw) -> fields.String:
    """Required (unless told otherwise), non-blank text with a length limit."""
    kw.setdefault("required", True)
    return fields.String(validate=[validate.Length(min=1, max=max_len), _not_blank], **kw)


def Choice(choices, **kw) -> fields.String:
    """One value out of a fixed list (the error lists the allowed ones)."""
    values = [c.value if hasattr(c, "value") else c for c in choices]
    return fields.String(validate=validate.OneOf(values), metadata={"enum": values}, **kw)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class StrictSchema(Schema):
    """Rejects unknown fields (marshmallow's default, stated so it stays that way)."""

    class Meta:
        ordered = True


class PageQuery(StrictSchema):
    """Paging of a list."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
