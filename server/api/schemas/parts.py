"""Parts catalogue and van stock payloads."""
from marshmallow import fields, validate

from ...models import BARCODE_FORMATS
from .common import Choice, Id, Money, PageQuery, Required, StrictSchema, Text


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


class PartOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    part_number = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    price = fields.Decimal(places=2, as_string=True, metadata={"type": "string", "format": "decimal", "example": "180.00"})
    barcode = fields.String(allow_none=True)
    barcode_formats = fields.List(fields.String())
    serialised = fields.Boolean()
    abc_class = fields.String()
    warranty_months = fields.Integer()


class PartQuery(PageQuery):
    q = Text(100, metadata={"description": "Part number, name or barcode contains"})
    barcode = Text(80)


class VanStockIn(StrictSchema):
    technician_id = Id(required=True)
    part_id = Id(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    safety_stock = fields.Integer(load_default=1, validate=validate.Range(min=0, max=100000))


class VanStockOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    technician_id = fields.String()
    part_id = fields.String()
    part_number = fields.String(attribute="part.part_number")
    quantity = fields.Integer()
    safety_stock = fields.Integer()


class VanStockQuery(StrictSchema):
    technician_id = Id()
