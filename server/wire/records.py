"""Record representations REST and sync both send: work orders, customers, parts, van stock.

One definition each, so a record reads the same in a REST answer and in a pulled change;
each edge may extend them. What depends on the reader (a work order's `allowed_statuses`)
is computed for the user passed in, never for whoever is signed in to the request.
"""

from __future__ import annotations

from marshmallow import fields

from ..domain.lifecycle import allowed_targets
from .fields import StrictSchema


class WorkOrderOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    ticket_no = fields.String()
    channel = fields.String()
    type = fields.String()
    priority = fields.String()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    customer_id = fields.String()
    product_id = fields.String(allow_none=True)
    technician_id = fields.String(allow_none=True)
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    fault_description = fields.String()
    customer_requirements = fields.String(allow_none=True)
    service_address = fields.Function(
        lambda wo: wo.service_address or wo.customer.address,
        metadata={
            "type": "string",
            "description": "Where the visit goes: this order's own service address when intake gave one "
            "(issue #14), else the customer's address on record",
        },
    )
    technician_notes = fields.String(allow_none=True)
    response_due = fields.DateTime()
    resolution_due = fields.DateTime()
    first_response_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    warranty_decision = fields.String(
        allow_none=True, metadata={"description": "The office's decision on who pays: covered | chargeable | null"}
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    allowed_statuses = fields.Method(
        "_allowed_statuses", metadata={"description": "Statuses the caller may move this work order to next"}
    )

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._viewer = viewer

    def viewer(self):
        """The user this representation is for (`viewer=` when built); its role picks `allowed_statuses`."""
        if self._viewer is None:
            raise ValueError("a work order's allowed_statuses depend on who reads it: build WorkOrderOut(viewer=user)")
        return self._viewer

    def _allowed_statuses(self, wo) -> list[str]:
        return allowed_targets(wo.status, getattr(self.viewer(), "role", None))


class CustomerOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    name = fields.String()
    phone = fields.String()
    address = fields.String()
    tier = fields.String()
    locale = fields.String()


class PartOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    part_number = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    price = fields.Decimal(
        places=2, as_string=True, metadata={"type": "string", "format": "decimal", "example": "180.00"}
    )
    trade_in_credit = fields.Decimal(
        places=2, as_string=True, metadata={"type": "string", "format": "decimal", "example": "20.00"}
    )
    barcode = fields.String(allow_none=True)
    barcode_formats = fields.List(fields.String())
    serialised = fields.Boolean()
    abc_class = fields.String()
    warranty_months = fields.Integer()
    fits_models = fields.List(fields.String(), metadata={"description": "Product models the part fits; empty: any"})


class VanStockOut(StrictSchema):
    id = fields.String()
    version = fields.Integer()
    technician_id = fields.String()
    part_id = fields.String()
    part_number = fields.String(attribute="part.part_number")
    quantity = fields.Integer()
    safety_stock = fields.Integer()
