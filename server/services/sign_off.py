"""The customer's sign-off as the server checks it: the summary recomputed from the records."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.signed_summary import summary_of, summary_sha256
from ..models import CustomerSignOff, Diagnosis, FeeQuote, PartFitted, WorkOrder


def _live(session: Session, model, work_order_id: str):
    return session.scalars(
        sa.select(model).where(model.work_order_id == work_order_id, model.deleted.is_(False)).order_by(model.id)
    ).all()


def compute_summary(session: Session, work_order: WorkOrder) -> dict:
    """What was done on this work order, as the customer is shown it (from the server's records)."""
    return summary_of(
        work_order,
        _live(session, Diagnosis, work_order.id),
        _live(session, PartFitted, work_order.id),
        _live(session, FeeQuote, work_order.id),
    )


def sign_off_of(session: Session, work_order_id: str) -> CustomerSignOff | None:
    """The customer's sign-off of a work order, if there is one."""
    return session.scalar(
        sa.select(CustomerSignOff).where(
            CustomerSignOff.work_order_id == work_order_id, CustomerSignOff.deleted.is_(False)
        )
    )


def verify_sign_off(session: Session, sign_off: CustomerSignOff) -> bool:
    """True while the records still hash to what the customer signed."""
    wo = session.get(WorkOrder, sign_off.work_order_id)
    return summary_sha256(compute_summary(session, wo)) == sign_off.summary_sha256
