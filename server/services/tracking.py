"""The customer's tracking page: who may see a work order's progress, and what they see.

A ticket number alone shows nothing: the customer proves they are the customer with the
last four digits of their phone (the edge rate-limits guesses, per address and per
ticket). A wrong ticket and wrong digits get the same answer, so the page never tells
which ticket numbers exist. What is shown is what a customer waiting at home needs and
nothing more [seed 000 §二(二)2, seed 003 §三(四)3]: status, the appointment window, the
technician's name, badge number and photo (to check who is at the door), and the signed
report once there is one; never the address or the full phone number.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..blobs import blob_store
from ..domain.errors import M_, Unauthenticated
from ..domain.verification_code import short_code
from ..extensions import db
from ..models import Blob, User, WorkOrder
from .sign_off import sign_off_of

WRONG = M_("That ticket number and those digits do not match a service request.")
DIGITS = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class Tracked:
    ticket_no: str
    status: str
    outcome: str | None
    appointment_start: datetime | None
    appointment_end: datetime | None
    technician_name: str | None
    badge_no: str | None
    has_photo: bool
    product_model: str | None
    signed: bool
    locale: str
    # The short code the customer saw on the technician's phone and on the PDF (issue #15).
    verification_code: str | None = None


def _last_four(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")[-4:]


def authorise(ticket_no: str, digits: str) -> WorkOrder:
    """The work order this ticket names when `digits` end its customer's phone; else Unauthenticated."""
    wo = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.ticket_no == ticket_no.strip()[:32]))
    expected = _last_four(wo.customer.phone) if wo is not None else "0000"
    ok = bool(DIGITS.match(digits or "")) and hmac.compare_digest(expected, digits)  # no timing hint
    if wo is None or not ok or len(expected) < 4:
        raise Unauthenticated("track.wrong_digits", WRONG)
    return wo


def by_ticket(ticket_no: str) -> WorkOrder | None:
    return db.session.scalar(sa.select(WorkOrder).where(WorkOrder.ticket_no == ticket_no))


def tracked(wo: WorkOrder) -> Tracked:
    tech = db.session.get(User, wo.technician_id) if wo.technician_id else None
    sign_off = sign_off_of(db.session, wo.id)
    return Tracked(
        ticket_no=wo.ticket_no,
        status=wo.status,
        outcome=wo.outcome,
        appointment_start=wo.appointment_start,
        appointment_end=wo.appointment_end,
        technician_name=tech.name if tech else None,
        badge_no=tech.badge_no if tech else None,
        has_photo=bool(tech and tech.photo_sha256),
        product_model=wo.product.model if wo.product else None,
        signed=sign_off is not None,
        locale=wo.customer.locale,
        verification_code=short_code(sign_off.summary_sha256) if sign_off is not None else None,
    )


def technician_photo(wo: WorkOrder) -> tuple[bytes, str] | None:
    """The assigned technician's badge photo (bytes, content type), if there is one."""
    tech = db.session.get(User, wo.technician_id) if wo.technician_id else None
    if tech is None or not tech.photo_sha256:
        return None
    blob = db.session.get(Blob, tech.photo_sha256)
    data = blob_store().get(tech.photo_sha256)
    return (data, blob.content_type) if blob is not None and data is not None else None
