"""Warranty payloads shared by the REST API and the office pages: the office's decision, the serial look-up."""

from marshmallow import fields

from ..domain.warranty import WARRANTY_DECISIONS
from .fields import Choice, Required, StrictSchema


class WarrantyDecisionIn(StrictSchema):
    """The office decides who pays (null: back to the warranty rule), always with the reason."""

    decision = Choice(WARRANTY_DECISIONS, required=True, allow_none=True)
    reason = Required(500)


class FittedPartOut(StrictSchema):
    part_number = fields.String()
    serial_fitted = fields.String(allow_none=True)
    serial_removed = fields.String(allow_none=True)
    fitted_on = fields.Date(allow_none=True)
    warranty_end = fields.Date(allow_none=True, metadata={"description": "Last day of the part's own warranty"})
    in_warranty = fields.Boolean()


class SerialPartOut(FittedPartOut):
    name = fields.String(allow_none=True)
    work_order_id = fields.String()
    ticket_no = fields.String(allow_none=True)
    product_id = fields.String(allow_none=True)
    removed = fields.Boolean(metadata={"description": "A later record took this part out again"})


class SerialHistoryOut(StrictSchema):
    work_order_id = fields.String()
    ticket_no = fields.String()
    status = fields.String()
    type = fields.String()
    created_at = fields.DateTime()
    fault_description = fields.String()
    product_id = fields.String(allow_none=True)
    parts = fields.List(fields.Nested(FittedPartOut))


class ProductOut(StrictSchema):
    """A product and its warranty (the REST product answers and the serial look-up share it)."""

    id = fields.String()
    version = fields.Integer()
    customer_id = fields.String()
    model = fields.String()
    name = fields.String(allow_none=True)
    serial_no = fields.String()
    purchase_date = fields.Date(allow_none=True)
    proof_of_purchase = fields.String(allow_none=True)
    warranty_months = fields.Integer()
    warranty_end = fields.Date(allow_none=True)
    in_warranty = fields.Boolean()


class SerialOut(StrictSchema):
    """A serial: the product with it, the fitted part with it (latest fitting), every work order that touched it."""

    serial = fields.String()
    product = fields.Nested(ProductOut, allow_none=True)
    part = fields.Nested(SerialPartOut, allow_none=True)
    history = fields.List(fields.Nested(SerialHistoryOut))
