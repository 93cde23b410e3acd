"""Why the sync engine rejects a pushed entry: one stable code per reason, its English msgid.

A rejected entry's `error` is `{"code", "params", "message", "errors"}`: the phone words
`reason.<code>` from its catalogue (pwa/static/js/i18n/zh-CN.js, en.js) with `{param}`
placeholders filled from `params`, and falls back to `message` (English) for a code it
does not know. Add a code here, then to both phone catalogues and the .po
(tests/sync/test_reason_codes.py checks all three).
"""
from __future__ import annotations

from ..domain.errors import M_, Invalid

REASONS: dict[str, str] = {
    "sync.malformed": M_("Malformed mutation."),
    "sync.server_error": M_("The server could not apply this entry; it is kept for review."),
    "sync.seq_used": M_("seq %(seq)s was already used; this mutation was not applied."),
    "sync.seq_used_by": M_("seq %(seq)s was already used by mutation %(by)s; this mutation was not applied."),
    "sync.op_not_allowed": M_("Devices may only update work orders."),
    "sync.append_only": M_(
        "A %(entity)s is append-only: record a new one (or void this one) instead of changing it."),
    "sync.read_only": M_("A %(entity)s cannot be changed from a device."),
    "sync.unknown_entity": M_("Unknown entity '%(entity)s'."),
    "sync.invalid_fields": M_("Invalid fields: %(fields)s"),
    "sync.work_order_unavailable": M_(
        "No such work order among those you may change (wrong id, or no longer assigned to you)."),
    "sync.base_version_required": M_("An update needs the base_version the device last saw."),
    "sync.outcome_sealed": M_("The customer has signed off this visit; its outcome can no longer change."),
    "sync.status_not_allowed": M_("Not applied: cannot go from '%(current)s' to '%(target)s'; allowed: %(allowed)s"),
    "sync.status_not_for_role": M_(
        "Not applied: a %(role)s cannot move a work order from '%(current)s' to '%(target)s'"),
    "sync.not_applied": M_("Not applied: %(reasons)s"),
    "sync.record_exists": M_("A %(entity)s with id %(id)s already exists; a new record needs a new id."),
    "sync.sealed": M_("The customer has signed off this visit; what they signed can no longer change."),
    "sync.unknown_part": M_("Part number %(part_number)s is not in the catalogue."),
    "sync.blob_missing": M_("Upload the file (PUT /api/blobs/<sha256>) before the record that refers to it."),
    "sync.already_signed": M_("This visit already has the customer's sign-off."),
    "sync.summary_mismatch": M_(
        "The signed summary does not match the server's records of this visit "
        "(an entry is missing or differs); sync the visit's entries and sign again."),
    "sync.unknown_record": M_("No %(entity)s with id %(id)s."),
}


class MutationRejected(Invalid):
    """An entry that cannot be applied: a code of REASONS, its params, and field errors.

    `errors` are kept as given (English, possibly nested like marshmallow's) for the
    entry's `errors`; the message is the code's msgid filled with the params.
    """

    def __init__(self, code: str, params: dict | None = None, errors: dict | None = None):
        super().__init__(code, REASONS[code], params)
        self.errors = errors or {}

    def as_error(self) -> dict:
        """The rejected entry's `error` (before bounding): code, params, English message, errors."""
        return {"code": self.code, "params": self.params, "message": self.text(), "errors": self.errors}
