"""The plain facts about a job that the reports work from (gathered by server.services.job_facts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SignOffFacts:
    id: str
    rating_quality: int
    rating_attitude: int
    signer_name: str
    signature_sha256: str
    signature_stored: bool  # the signature image reached the server
    summary_sha256: str
    signed_at: datetime | None  # device time
    received_at: datetime


@dataclass(frozen=True)
class PartFacts:
    id: str
    part_number: str
    serial_fitted: str | None
    serial_removed: str | None
    serialised: bool  # the catalogue says this part carries a serial
    at: datetime | None


@dataclass
class JobFacts:
    """One work order and what its visit records say, at their trusted times: the device's,
    corrected by the push's clock offset and never before intake nor after the server's receipt."""

    work_order_id: str
    ticket_no: str
    status: str
    priority: str
    channel: str
    type: str
    technician_id: str | None
    technician_name: str | None
    customer_name: str
    created_at: datetime
    response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None
    completed_at: datetime | None
    appointment_start: datetime | None
    appointment_end: datetime | None
    outcome: str | None
    arrivals: list[datetime] = field(default_factory=list)
    first_contact_at: datetime | None = None
    visit_ended_at: datetime | None = None
    visit_ended_event_id: str | None = None
    flagged: list[tuple[str, datetime]] = field(default_factory=list)
    sign_off: SignOffFacts | None = None
    parts: list[PartFacts] = field(default_factory=list)
    last_record_at: datetime | None = None
    sign_off_declined: str | None = None  # the reason the customer gave for not signing, if recorded
    # Records whose device time was not trusted (server/domain/device_time.py): (entity, id, flag, raw device time).
    time_flags: list[tuple[str, str, str, datetime | None]] = field(default_factory=list)

    @property
    def is_completed(self) -> bool:
        return self.status in ("completed", "closed")
