"""Why the sync engine rejects a pushed entry: one stable code per reason, its English msgid.

Pure data, below every edge: the sync engine raises them (server/sync/reasons.py), the
office words a stored rejection by its code (the conflicts page), and the phone has
`reason.<code>` in its catalogues (tests/sync/test_reason_codes.py checks all of them).
"""

from __future__ import annotations

from .errors import M_

REASONS: dict[str, str] = {
    "sync.malformed": M_("Malformed mutation."),
    "sync.server_error": M_("The server could not apply this entry; it is kept for review."),
    "sync.seq_used": M_("seq %(seq)s was already used; this mutation was not applied."),
    "sync.seq_used_by": M_("seq %(seq)s was already used by mutation %(by)s; this mutation was not applied."),
    "sync.op_not_allowed": M_("Devices may only update work orders."),
    "sync.append_only": M_("A %(entity)s is append-only: record a new one (or void this one) instead of changing it."),
    "sync.read_only": M_("A %(entity)s cannot be changed from a device."),
    "sync.unknown_entity": M_("Unknown entity '%(entity)s'."),
    "sync.invalid_fields": M_("Invalid fields: %(fields)s"),
    "sync.work_order_unavailable": M_(
        "No such work order among those you may change (wrong id, or no longer assigned to you)."
    ),
    "sync.base_version_required": M_("An update needs the base_version the device last saw."),
    "sync.outcome_sealed": M_("The customer has signed off this visit; its outcome can no longer change."),
    "sync.status_not_allowed": M_("Not applied: cannot go from '%(current)s' to '%(target)s'; allowed: %(allowed)s"),
    "sync.status_not_for_role": M_(
        "Not applied: a %(role)s cannot move a work order from '%(current)s' to '%(target)s'"
    ),
    "sync.not_applied": M_("Not applied: %(reasons)s"),
    "sync.record_exists": M_("A %(entity)s with id %(id)s already exists; a new record needs a new id."),
    "sync.sealed": M_("The customer has signed off this visit; what they signed can no longer change."),
    "sync.unknown_part": M_("Part number %(part_number)s is not in the catalogue."),
    "sync.blob_missing": M_("Upload the file (PUT /api/blobs/<sha256>) before the record that refers to it."),
    "sync.already_signed": M_("This visit already has the customer's sign-off."),
    "sync.summary_mismatch": M_(
        "The signed summary does not match the server's records of this visit "
        "(an entry is missing or differs); sync the visit's entries and sign again."
    ),
    "sync.office_only": M_("Only the office records a '%(kind)s' event; ask for it instead."),
    "sync.sign_off_required": M_(
        "Completing needs the customer's sign-off, or their refusal to sign recorded with the reason."
    ),
    "sync.outcome_not_completing": M_("A visit with outcome '%(outcome)s' is not completed; use its own status."),
    "sync.van_stock_short": M_(
        "Not applied: %(quantity)s of part %(part_number)s fitted but the van holds %(in_van)s; "
        "sync the van stock or ask the office."
    ),
    "sync.unknown_record": M_("No %(entity)s with id %(id)s."),
    # A phone never sets the phone-resolution outcome [seed 003 §三(一)3] (services/work_orders.py).
    "sync.remote_office_only": M_("Only the office resolves a request by phone."),
    "sync.time_in_future": M_(
        "The time of this entry (%(at)s) is later than the server received it, even after correcting "
        "for the phone's clock; check the phone's date and time and record it again."
    ),
    # Money and consent (issue #13): the server prices every quote from its fee schedule.
    "sync.fee_schedule_stale": M_(
        "This quote was priced from an older fee schedule (revision %(revision)s is current); "
        "sync, price it again and ask the customer again."
    ),
    "sync.quote_mismatch": M_(
        "This quote does not match the fee schedule (the server computes a total of %(total)s); "
        "sync, price it again and ask the customer again."
    ),
    "sync.quote_invalid": M_("This quote cannot be priced (%(reason)s): check its parts, waivers and discounts."),
    "sync.consent_required": M_(
        "Not yet consented: this is chargeable, so the customer must first agree to a quote that lists it "
        "(%(what)s); show them the quote and record their consent, then record this again."
    ),
    "sync.price_mismatch": M_(
        "Part %(part_number)s is priced %(price)s on this visit (free when under warranty); record it at that price."
    ),
    "sync.payment_mismatch": M_("The payment must equal the consented quote's total, %(total)s."),
    "sync.already_paid": M_("This visit already has a payment; void it first to record another."),
    "sync.photo_required": M_(
        "Human damage needs a photo of it taken on this visit: take the photo, then record it again."
    ),
    # Per job-type checklists and follow-up requests from the field (issue #15).
    "sync.not_on_checklist": M_("Not on this job's kit list: %(items)s; sync the checklists and check the kit again."),
    "sync.follow_up_window": M_(
        "A preferred time must end after it starts and lie in the future (%(start)s to %(end)s)."
    ),
}
