"""The sync vocabulary's entity names and the models behind them."""

from __future__ import annotations

from ..models import (
    ChecklistAnswer,
    Customer,
    CustomerSignOff,
    Diagnosis,
    Escalation,
    FeeQuote,
    FeeSchedule,
    FollowUp,
    JobChecklist,
    Part,
    PartFitted,
    Payment,
    Photo,
    Product,
    VanStock,
    VisitEvent,
    WorkOrder,
)

MODEL_BY_ENTITY = {
    "work_order": WorkOrder,
    "customer": Customer,
    "product": Product,
    "part": Part,
    "fee_schedule": FeeSchedule,
    "job_checklist": JobChecklist,  # the per job-type checklists (issue #15), read-only
    "van_stock": VanStock,
    "checklist_answer": ChecklistAnswer,
    "visit_event": VisitEvent,
    "diagnosis": Diagnosis,
    "part_fitted": PartFitted,
    "fee_quote": FeeQuote,
    "payment": Payment,
    "photo": Photo,
    "sign_off": CustomerSignOff,
    "escalation": Escalation,
    "call_back": FollowUp,
}
ENTITY_BY_MODEL = {model: name for name, model in MODEL_BY_ENTITY.items()}
# Records a device creates during a visit: append-only, keyed to a work order.
VISIT_ENTITIES = (
    "checklist_answer",
    "visit_event",
    "diagnosis",
    "part_fitted",
    "fee_quote",
    "payment",
    "photo",
    "sign_off",
)
# Records keyed to a work order that its technician sees: the visit records, and the office's
# answers to the technician's escalations (read-only for devices; issue #14).
JOB_RECORDS = (*VISIT_ENTITIES, "escalation")


# The repairing technician's 3-hour call-backs (seed 003 §三(九)1): read-only on the phone, which
# answers with a `call_back_done` visit event. Only its own technician pulls one.
TECHNICIAN_TASKS = ("call_back",)


def entity_of(obj) -> str | None:
    """The vocabulary name of a model instance, or None if it does not sync."""
    if isinstance(obj, FollowUp) and obj.technician_id is None:
        return None  # the office's own calls stay on the server
    return ENTITY_BY_MODEL.get(type(obj))
