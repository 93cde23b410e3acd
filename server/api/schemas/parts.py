"""Parts catalogue and van stock payloads."""

from marshmallow import fields, validate

from ...models import BARCODE_FORMATS
from ...wire.fields import Choice, Id, Money, PageQuery, Required, StrictSchema, Text


class PartIn(StrictSchema):
    part_number = Required(40)
    name = Required(120)
    name_en = Text(120, allow_none=True)
    price = Money(required=True)
    barcode = Text(80, allow_none=True)
    barcode_formats = fields.List(Choice(BARCODE_FORMATS), load_default=list)
    serialised = fields.Boolean(load_default=False)
    abc_class = Choice(["A", "B", "C"], load_default="C")
    warranty_months = fields.Integer(load_default=3, validate=validate.Range(min=0, max=120))
    # Product models the part fits; none listed: it fits any model.
    fits_models = fields.List(Text(80), load_default=list, validate=validate.Length(max=200))


class PartQuery(PageQuery):
    q = Text(100, metadata={"description": "Part number, name or barcode contains"})
    barcode = Text(80)


class VanStockIn(StrictSchema):
    technician_id = Id(required=True)
    part_id = Id(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    safety_stock = fields.Integer(load_default=1, validate=validate.Range(min=0, max=100000))


class VanStockQuery(StrictSchema):
    technician_id = Id()
