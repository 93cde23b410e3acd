"""Office payloads only the REST API sends (the rest are in server/wire/office.py, shared with the office pages)."""

from flask_babel import gettext
from marshmallow import fields

from ...services import dispatch
from ...wire.fields import StrictSchema
from .work_orders import WorkOrderOut


class IntakeOut(StrictSchema):
    work_order = fields.Nested(WorkOrderOut)
    customer_created = fields.Boolean()
    product_created = fields.Boolean()
    in_warranty = fields.Boolean()
    warranty_end = fields.Date(allow_none=True)
    warnings = fields.List(fields.String())


class DispatchedOut(WorkOrderOut):
    """A work order after assign or reschedule: its `warnings` add `dispatch.overlap` (the technician has
    another appointment then) and `dispatch.outside_working_hours`; the change is made all the same."""

    def _warnings(self, wo) -> list[dict]:
        found = dispatch.warnings_for(wo)
        return super()._warnings(wo) + [{"code": w.code, "message": w.text(gettext), "params": w.params} for w in found]
