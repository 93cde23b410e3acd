"""The one glossary: domain terms and the labels of every enumeration, in English.

Each word is defined once here and translated once, in the .po catalogue
(server/translations/zh_Hans_CN/LC_MESSAGES/messages.po, context = the group). The office
pages, the service-report PDF and (through the generated pwa/static/js/i18n/glossary.js,
`python -m server.i18n_tools export-pwa`) the technician app all take their words from
here, so the phone, the office and the PDF say the same thing for the same thing.

`N_(group, text)` only marks a term for extraction (keyword `N_:1c,2`); `label(group,
value)` translates it into the current (or a given) language.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    context: str
    msgid: str


def N_(context: str, msgid: str) -> Term:
    return Term(context, msgid)


GLOSSARY: dict[str, dict[str, Term]] = {
    # Nouns every surface shows.
    "noun": {
        "customer": N_("noun", "Customer"),
        "technician": N_("noun", "Technician"),
        "work_order": N_("noun", "Work order"),
        "ticket_no": N_("noun", "Ticket no."),
        "part": N_("noun", "Part"),
        "new_part": N_("noun", "New part"),
        "old_part": N_("noun", "Old part"),
        "serial_fitted": N_("noun", "New part serial no."),
        "serial_removed": N_("noun", "Old part serial no."),
        "serial_no": N_("noun", "Serial no."),
        "product": N_("noun", "Product"),
        "model": N_("noun", "Model"),
        "warranty": N_("noun", "Warranty"),
        "in_warranty": N_("noun", "In warranty"),
        "out_of_warranty": N_("noun", "Out of warranty"),
        "warranty_end": N_("noun", "Warranty until"),
        "appointment": N_("noun", "Appointment"),
        "phone": N_("noun", "Phone"),
        "address": N_("noun", "Service address"),
        "fault_description": N_("noun", "Problem description"),
        "diagnosis": N_("noun", "Diagnosis"),
        "fault_cause": N_("noun", "Fault cause"),
        "repair_method": N_("noun", "Repair method"),
        "quantity": N_("noun", "Quantity"),
        "fees": N_("noun", "Fees"),
        "total": N_("noun", "Total"),
        "outcome": N_("noun", "Outcome"),
        "rating_quality": N_("noun", "Repair quality"),
        "rating_attitude": N_("noun", "Service attitude"),
        "service_report": N_("noun", "Service report"),
        "service_phone": N_("noun", "Service phone"),
        "signed_by": N_("noun", "Signed by"),
        "signed_at": N_("noun", "Signed at"),
        "tier": N_("noun", "Customer tier"),
        "purchase_date": N_("noun", "Purchase date"),
        "customer_requirements": N_("noun", "Customer requirements"),
    },
    "status": {
        "new": N_("status", "New"),
        "assigned": N_("status", "Assigned"),
        "scheduled": N_("status", "Scheduled"),
        "en_route": N_("status", "En route"),
        "on_site": N_("status", "On site"),
        "awaiting_parts": N_("status", "Awaiting parts"),
        "returned_to_factory": N_("status", "Returned to factory"),
        "completed": N_("status", "Completed"),
        "closed": N_("status", "Closed"),
        "cancelled": N_("status", "Cancelled"),
    },
    "priority": {
        "urgent": N_("priority", "Urgent"),
        "important": N_("priority", "Important"),
        "normal": N_("priority", "Normal"),
    },
    "type": {
        "repair": N_("type", "Repair"),
        "replacement": N_("type", "Replacement"),
        "installation": N_("type", "Installation"),
        "consultation": N_("type", "Consultation"),
    },
    "tier": {
        "vip": N_("tier", "VIP"),
        "key": N_("tier", "Key customer"),
        "normal": N_("tier", "Normal customer"),
    },
    "channel": {
        "phone": N_("channel", "Phone"),
        "chat": N_("channel", "Online chat"),
        "wechat": N_("channel", "WeChat"),
        "website": N_("channel", "Website"),
        "walk_in": N_("channel", "Walk-in"),
    },
    # The visit's outcome (work order `outcome`).
    "outcome": {
        "fixed": N_("outcome", "Fixed"),
        "return_to_factory": N_("outcome", "Return to factory"),
        "awaiting_parts": N_("outcome", "Awaiting parts"),
        "refused": N_("outcome", "Refused by customer"),
        "not_fixed": N_("outcome", "Not fixed"),
        # Solved by the office's phone guidance, no visit [seed 003 §三(一)3]; never set by the phone.
        "resolved_remotely": N_("outcome", "Resolved by phone"),
    },
    # Visit event kinds (sync schema VISIT_EVENT_KINDS).
    "event": {
        "accepted": N_("event", "Job accepted"),
        "appointment_confirmed": N_("event", "Appointment confirmed"),
        "reschedule_requested": N_("event", "Technician asked to reschedule"),
        "rescheduled": N_("event", "Rescheduled"),
        "reassignment_requested": N_("event", "Technician asked for reassignment"),
        "reassigned": N_("event", "Reassigned"),
        "kit_checked": N_("event", "Kit checked"),
        "departed": N_("event", "Departed"),
        "arrived": N_("event", "Arrived"),
        "late_apology": N_("event", "Apologised for being late"),
        "knock_started": N_("event", "Knocked"),
        "door_answered": N_("event", "Door answered"),
        "phoned_customer": N_("event", "Phoned the customer"),
        "customer_contacted": N_("event", "Office contacted the customer"),
        # office upkeep (domain/upkeep.py, issue #14)
        "order_cancelled": N_("event", "Work order cancelled"),
        "order_reprioritised": N_("event", "Priority changed"),
        "order_edited": N_("event", "Work order details corrected"),
        "order_closed": N_("event", "Work order closed"),
        "neighbour_asked": N_("event", "Asked a neighbour"),
        "no_one_home": N_("event", "No one home"),
        "note_left": N_("event", "Note left"),
        "entered": N_("event", "Entered"),
        "special_case": N_("event", "Special case"),
        "fee_consented": N_("event", "Customer agreed to the fees"),
        "fee_refused": N_("event", "Customer refused the fees"),
        "three_guarantees_explained": N_("event", "Three-guarantees policy explained"),
        "escalated": N_("event", "Escalated to the company"),
        "test_run_ok": N_("event", "Test run passed"),
        "training_done": N_("event", "Customer trained"),
        "fixed": N_("event", "Fixed"),
        "returned_to_factory": N_("event", "Returned to factory"),
        "awaiting_parts": N_("event", "Awaiting parts"),
        "refused": N_("event", "Refused by customer"),
        "not_fixed": N_("event", "Not fixed"),
        "call_back_done": N_("event", "Call-back made"),
        "new_problem_reported": N_("event", "New problem reported"),
        "follow_up_flagged": N_("event", "Follow-up flagged"),
        "service_card_given": N_("event", "Service card given"),
        "sign_off_declined": N_("event", "Customer declined to sign"),
        "completed": N_("event", "Completed"),
        # Office-written [seed 003 §三(一)3]: solved by phone guidance, and sent for a visit after all.
        "resolved_remotely": N_("event", "Resolved by phone"),
        "reopened": N_("event", "Reopened for a visit"),
        "warranty_void": N_("event", "Not covered by warranty"),
        "warranty_overridden": N_("event", "Warranty decided by the office"),
        # A follow-up visit asked of the office from the field, and the office's booking (issue #15).
        "follow_up_requested": N_("event", "Follow-up visit requested"),
        "follow_up_booked": N_("event", "Follow-up visit booked"),
    },
    # Why a visit in warranty is not covered after all (seed 000 §二(一)1), and the office's decision.
    "void_reason": {
        "human_damage": N_("void_reason", "Human damage"),
        "consumable": N_("void_reason", "Consumable"),
    },
    # Photo sets (server/domain/photos.py): before / after the repair, and other (evidence, notes).
    "photo_set": {
        "before": N_("photo_set", "Before"),
        "after": N_("photo_set", "After"),
        "other": N_("photo_set", "Other"),
    },
    "warranty_decision": {
        "covered": N_("warranty_decision", "Covered by warranty"),
        "chargeable": N_("warranty_decision", "Chargeable"),
    },
    # Checklist items: the kit list before departure and the checks on entering.
    "checklist": {
        "kit_tools": N_("checklist", "Repair tools"),
        "kit_parts": N_("checklist", "Parts"),
        "kit_gloves": N_("checklist", "Gloves"),
        "kit_shoe_covers": N_("checklist", "Shoe covers"),
        "kit_floor_cloth": N_("checklist", "Floor cloth"),
        "kit_forms": N_("checklist", "Service dispatch forms"),
        "kit_receipts": N_("checklist", "Receipts"),
        "kit_fee_schedule": N_("checklist", "Fee schedule"),
        "kit_note_slips": N_("checklist", "Note slips"),
        "kit_id_badge": N_("checklist", "ID badge"),
        "introduced": N_("checklist", "Introduced myself"),
        "identity_confirmed": N_("checklist", "Customer's identity confirmed"),
        "badge_shown": N_("checklist", "ID badge shown"),
        # Installation jobs confirm where the unit goes first [seed 003 §三(五)2].
        "install_location_confirmed": N_("checklist", "Installation location confirmed with the customer"),
        # After the work, per job type (server/domain/checklists.json, issue #15).
        "install_location_respected": N_("checklist", "Installed where agreed with the customer"),
        "replacement_terms_explained": N_("checklist", "Replacement conditions explained to the customer"),
    },
    # Sync conflicts: the work-order fields a device changes, the rules that settle them,
    # and what a dispatcher can do about one.
    "conflict_field": {
        "status": N_("conflict_field", "Status"),
        "technician_notes": N_("conflict_field", "Technician notes"),
        "outcome": N_("conflict_field", "Outcome"),
        "appointment_start": N_("conflict_field", "Appointment start"),
        "appointment_end": N_("conflict_field", "Appointment end"),
    },
    "conflict_rule": {
        "last_arrival_wins": N_("conflict_rule", "Last arrival wins"),
        "text_merged": N_("conflict_rule", "Both texts kept"),
        "lifecycle_kept_server": N_("conflict_rule", "Status kept (the lifecycle does not go back)"),
        "lifecycle_move_applied": N_("conflict_rule", "Status moved on along the lifecycle"),
    },
    "conflict_action": {
        "keep": N_("conflict_action", "Keep current value"),
        "apply_other": N_("conflict_action", "Use the other value"),
    },
    # What a synced entry is about, and what it does (the phone's Sync screen, the office's
    # review of rejected entries).
    "entity": {
        "work_order": N_("entity", "Work order"),
        "customer": N_("entity", "Customer"),
        "product": N_("entity", "Product"),
        "part": N_("entity", "Part"),
        "van_stock": N_("entity", "Van stock"),
        "checklist_answer": N_("entity", "Checklist"),
        "visit_event": N_("entity", "Visit event"),
        "diagnosis": N_("entity", "Diagnosis"),
        "part_fitted": N_("entity", "Part fitted"),
        "fee_quote": N_("entity", "Fee quote"),
        "photo": N_("entity", "Photo"),
        "sign_off": N_("entity", "Customer sign-off"),
        "escalation": N_("entity", "Escalation"),
        "payment": N_("entity", "Payment"),
        "fee_schedule": N_("entity", "Fee schedule"),
        "job_checklist": N_("entity", "Job-type checklist"),
    },
    "op": {
        "create": N_("op", "New"),
        "update": N_("op", "Change"),
        "delete": N_("op", "Void"),
    },
    # Fee lines of a quote (a line without its own description shows its kind).
    "fee_kind": {
        "call_out": N_("fee_kind", "Call-out fee"),
        "labour": N_("fee_kind", "Labour"),
        "part": N_("fee_kind", "Part"),
        "other": N_("fee_kind", "Other"),
        "trade_in": N_("fee_kind", "Trade-in credit"),
        "waiver": N_("fee_kind", "Waiver"),
        "discount": N_("fee_kind", "Discount"),
    },
    # How the customer paid (sync entity `payment`), and the paper they asked for.
    "payment_method": {
        "cash": N_("payment_method", "Cash"),
        "wechat": N_("payment_method", "WeChat Pay"),
        "alipay": N_("payment_method", "Alipay"),
        "card": N_("payment_method", "Bank card"),
        "bank_transfer": N_("payment_method", "Bank transfer"),
        "not_collected": N_("payment_method", "Not collected"),
    },
    "receipt": {
        "none": N_("receipt", "None"),
        "receipt": N_("receipt", "Receipt"),
        "invoice": N_("receipt", "Invoice"),
    },
    # Back office: SLA clocks, follow-up calls, reconciliation flags, report channels.
    "sla_clock": {
        "response": N_("sla_clock", "Response"),
        "resolution": N_("sla_clock", "Resolution"),
    },
    "sla_state": {
        "ok": N_("sla_state", "On track"),
        "near": N_("sla_state", "Near breach"),
        "breached": N_("sla_state", "Breached"),
    },
    "followup_kind": {
        "not_fixed": N_("followup_kind", "Not-fixed call-back"),
        "satisfaction": N_("followup_kind", "Satisfaction call"),
        "recovery": N_("followup_kind", "Recovery call"),
        "check_back": N_("followup_kind", "Check-back call"),
    },
    "followup_reason": {
        "not_fixed": N_("followup_reason", "Not fully fixed"),
        "flagged": N_("followup_reason", "Flagged by technician"),
        "completed": N_("followup_reason", "Completed"),
        "low_rating": N_("followup_reason", "Low rating"),
        "complaint": N_("followup_reason", "Complaint"),
        "still_dissatisfied": N_("followup_reason", "Still dissatisfied; keep going"),
        "rerating": N_("followup_reason", "Re-rating after the resolution"),
        "resolved_remotely": N_("followup_reason", "Resolved by phone"),
    },
    "followup_outcome": {
        "satisfied": N_("followup_outcome", "Satisfied"),
        "dissatisfied": N_("followup_outcome", "Dissatisfied"),
        "unreachable": N_("followup_outcome", "Unreachable"),
        "resolved": N_("followup_outcome", "Problem resolved"),
        "solved": N_("followup_outcome", "Solved"),
        "not_solved": N_("followup_outcome", "Not solved: send a technician"),
    },
    "recon_flag": {
        "unsigned_completion": N_("recon_flag", "Completed without a customer sign-off"),
        "sign_off_declined": N_("recon_flag", "Customer declined to sign"),
        "rating_without_signature": N_("recon_flag", "Rating recorded without a signature image"),
        "sign_off_mismatch": N_("recon_flag", "Records changed after signing (hash does not verify)"),
        "late_record": N_("recon_flag", "Record completed over 4 hours after the end of the service"),
        "part_without_serial": N_("recon_flag", "Part fitted without a serial"),
        "implausible_time": N_("recon_flag", "A record's device time was implausible (counted at receipt)"),
    },
    # Escalations: what a technician reports to the company, how severe it is, what was decided
    # (seed 003 §三(七)2 报回公司, 依照公司批示解决; severities: 000 §三(二)1 紧急/重要/一般).
    "escalation_kind": {
        "fee_dispute": N_("escalation_kind", "Fee dispute"),
        "refused": N_("escalation_kind", "Customer refused the repair"),
        "new_problem": N_("escalation_kind", "New problem"),
        "no_one_home": N_("escalation_kind", "No one home (note left)"),
        "reassign_request": N_("escalation_kind", "Reassignment request"),
        "reschedule_request": N_("escalation_kind", "Reschedule request"),
        "sign_off_declined": N_("escalation_kind", "Customer declined to sign"),
    },
    "severity": {
        "urgent": N_("severity", "Urgent"),
        "important": N_("severity", "Important"),
        "normal": N_("severity", "Normal"),
    },
    "escalation_status": {
        "open": N_("escalation_status", "Awaiting decision"),
        "decided": N_("escalation_status", "Decided"),
    },
    "escalation_decision": {
        "approved": N_("escalation_decision", "Approved"),
        "declined": N_("escalation_decision", "Declined"),
        "rescheduled": N_("escalation_decision", "Rescheduled"),
        "reassigned": N_("escalation_decision", "Reassigned"),
        "other": N_("escalation_decision", "Other instruction"),
    },
    # Complaints and service recovery [seed 002 步骤1-4]: where a complaint came in and its steps.
    "recovery_channel": {
        "phone": N_("recovery_channel", "Phone"),
        "email": N_("recovery_channel", "Email"),
        "online": N_("recovery_channel", "Online platform"),
        "wechat": N_("recovery_channel", "WeChat"),
        "social_media": N_("recovery_channel", "Social media / forum"),
        "in_person": N_("recovery_channel", "In person"),
        "sign_off": N_("recovery_channel", "Low rating at sign-off"),
    },
    "recovery_status": {
        "open": N_("recovery_status", "Awaiting first contact"),
        "contacted": N_("recovery_status", "Contacted"),
        "diagnosing": N_("recovery_status", "Investigating"),
        "resolved": N_("recovery_status", "Resolved; awaiting re-rating"),
        "closed": N_("recovery_status", "Closed"),
    },
    "send_channel": {
        "sms": N_("send_channel", "SMS"),
        "wechat": N_("send_channel", "WeChat"),
        "email": N_("send_channel", "Email"),
    },
}

# The technician app's catalogue keys for glossary terms: "<prefix><value>". Groups not
# listed here are not shown on the phone.
PWA_PREFIXES = {
    "noun": "",
    "status": "status_",
    "priority": "priority_",
    "type": "type_",
    "tier": "tier_",
    "outcome": "outcome_",
    "event": "event_",
    "checklist": "",
    "fee_kind": "fee_",
    "void_reason": "void_reason_",
    "photo_set": "photo_set_",
    "warranty_decision": "warranty_decision_",
    "entity": "entity_",
    "op": "op_",
    "escalation_kind": "esc_kind_",
    "severity": "severity_",
    "escalation_status": "esc_status_",
    "escalation_decision": "esc_decision_",
}
