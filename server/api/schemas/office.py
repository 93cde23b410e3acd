"""Office payloads only the REST API sends (the rest are in server/wire/office.py, shared with the office pages)."""

from marshmallow import fields

from ...wire.fields import StrictSchema
from .work_orders import WorkOrderOut


class IntakeOut(StrictSchema):
    work_order = fields.Nested(WorkOrderOut)
    customer_created = fields.Boolean()
    product_created = fields.Boolean()
    in_warranty = fields.Boolean()
    warranty_end = fields.Date(allow_none=True)
    warnings = fields.List(fields.String())
