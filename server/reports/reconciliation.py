"""Daily reconciliation [000, 003 §14]: what the dispatcher must check with the technicians.

A "satisfied" rating the customer did not sign, or a missing record, is treated as
falsification, so each of these is flagged for a person to look into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .facts import JobFacts
from .followups import REMOTE_OUTCOME

FLAGS = (
    "unsigned_completion",
    "sign_off_declined",
    "rating_without_signature",
    "sign_off_mismatch",
    "late_record",
    "part_without_serial",
    "implausible_time",
)
# The service record must be complete within 4 hours of the end of the service
# [seed 000 §三(三)1: 服务结束后X小时内(如4小时)必须完成记录].
RECORD_DEADLINE = timedelta(hours=4)


@dataclass(frozen=True)
class Flag:
    work_order_id: str
    ticket_no: str
    technician_name: str | None
    code: str
    detail: dict = field(default_factory=dict)


def service_ended_at(job: JobFacts) -> datetime | None:
    """When the service ended [seed 000 §三(三)1]: the customer's sign-off, else the technician's
    end-of-visit event (completed, awaiting parts...), else the completion of the work order."""
    if job.sign_off is not None and job.sign_off.signed_at is not None:
        return job.sign_off.signed_at
    return job.visit_ended_at or job.completed_at


def record_completed_at(job: JobFacts) -> datetime | None:
    """When the technician's record was last added to (device time)."""
    times = [t for t in (job.visit_ended_at, job.last_record_at) if t is not None]
    return max(times) if times else None


def flags_for(job: JobFacts, sign_off_verifies: bool | None) -> list[Flag]:
    """Every reconciliation flag of one job; `sign_off_verifies` None when there is no sign-off."""
    found: list[Flag] = []

    def flag(code: str, **detail) -> None:
        found.append(Flag(job.work_order_id, job.ticket_no, job.technician_name, code, detail))

    sign_off = job.sign_off
    # Resolved by phone there was no visit and nothing to sign [seed 003 §三(一)3]: not unsigned.
    if job.is_completed and sign_off is None and job.outcome != REMOTE_OUTCOME:
        if job.sign_off_declined is not None:
            # The customer would not sign and the technician recorded why (seed 003 §三(十一)):
            # the job completes, and the office reviews the refusal with the technician.
            flag("sign_off_declined", outcome=job.outcome, reason=job.sign_off_declined)
        else:
            flag("unsigned_completion", outcome=job.outcome)
    if sign_off is not None and not (sign_off.signature_stored and sign_off.signer_name.strip()):
        flag(
            "rating_without_signature",
            rating_quality=sign_off.rating_quality,
            rating_attitude=sign_off.rating_attitude,
            signature_sha256=sign_off.signature_sha256,
        )
    if sign_off is not None and sign_off_verifies is False:
        flag("sign_off_mismatch", summary_sha256=sign_off.summary_sha256)
    ended, completed = service_ended_at(job), record_completed_at(job)
    if (job.is_completed or job.visit_ended_at) and ended and completed and completed - ended > RECORD_DEADLINE:
        flag(
            "late_record",
            visit_at=ended.isoformat(),  # the end of the service the 4 hours count from
            completed_at=completed.isoformat(),
            hours=round((completed - ended).total_seconds() / 3600, 1),
        )
    for part in job.parts:
        if part.serialised and not (part.serial_fitted or "").strip():
            flag("part_without_serial", part_number=part.part_number, part_fitted_id=part.id)
    if job.time_flags:
        # A device time the server could not trust (e.g. before the work order existed, a clock reset
        # to 1970): the record counts at the server's receipt, and a person checks it with the technician.
        entity, record_id, reason, device_at = job.time_flags[0]
        flag(
            "implausible_time",
            entity=entity,
            record_id=record_id,
            reason=reason,
            device_at=device_at.isoformat() if device_at else None,
            count=len(job.time_flags),
        )
    return found


def reconcile(jobs: list[JobFacts], verifies: dict[str, bool]) -> list[Flag]:
    """Flags of all jobs, by ticket then flag order; `verifies` maps sign-off id -> hash still matches."""
    flags = [f for job in jobs for f in flags_for(job, verifies.get(job.sign_off.id) if job.sign_off else None)]
    return sorted(flags, key=lambda f: (f.ticket_no, FLAGS.index(f.code)))
