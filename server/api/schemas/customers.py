"""Customer and product payloads."""

from marshmallow import fields, validate

from ...models import CustomerTier
from ...wire.fields import Choice, Day, Id, PageQuery, Required, StrictSchema, Text, not_in_future, one_line
from ...wire.warranty import FittedPartOut, ProductOut


class CustomerIn(StrictSchema):
    name = Required(120)
    phone = fields.String(
        required=True,
        validate=[validate.Regexp(r"^\+?[0-9][0-9 \-]{5,30}$", error="Not a phone number."), one_line],
    )
    address = Required(300)
    tier = Choice(CustomerTier, load_default=CustomerTier.NORMAL.value)
    locale = Choice(["zh-CN", "en"], load_default="zh-CN")


class CustomerPatch(CustomerIn):
    """Any subset of a customer's fields; those left out keep their values (no defaults)."""

    def __init__(self, *args, **kwargs):
        # marshmallow has no Meta.partial: partial loading is a constructor argument.
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class CustomerQuery(PageQuery):
    q = Text(100, metadata={"description": "Name or phone contains"})


class ProductIn(StrictSchema):
    customer_id = Id(required=True)
    model = Required(80)
    name = Text(120)
    serial_no = Required(80)
    purchase_date = Day(allow_none=True, validate_also=[not_in_future])
    proof_of_purchase = Text(80, allow_none=True)
    warranty_months = fields.Integer(load_default=12, validate=validate.Range(min=0, max=240))


class RepairOut(StrictSchema):
    work_order_id = fields.String()
    ticket_no = fields.String()
    status = fields.String()
    type = fields.String()
    created_at = fields.DateTime()
    fault_description = fields.String()
    parts = fields.List(fields.Nested(FittedPartOut))  # each with its own warranty end


class ProductDetailOut(ProductOut):
    repair_history = fields.List(fields.Nested(RepairOut))
