"""Complaints and service recovery: the case list, intake, and each step of a case [seed 002; issue #14]."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import recovery as rules
from ...extensions import db
from ...models import RecoveryCase, User, utcnow
from ...services import escalations, followup_queue, recovery
from ...wire.recovery import (
    RecoveryContactIn,
    RecoveryInvestigationIn,
    RecoveryOpenIn,
    RecoveryOwnerIn,
    RecoveryRemedyIn,
    RecoveryReratingIn,
)
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit, uuid_or_none

LIST_STATUSES = ("active", *rules.STATUSES, "all")


@bp.context_processor
def _recovery_badge() -> dict:
    """`awaiting_contact()` for the Complaints link's badge on every page (called only when signed in)."""
    return {"awaiting_contact": recovery.awaiting_contact_count}


def _render_list(errors=None, values=None, status=200):
    args = request.args
    chosen = args.get("status") if args.get("status") in LIST_STATUSES else "active"
    severity = args.get("severity") if args.get("severity") in rules.SEVERITIES else None
    owner = "none" if args.get("owner") == "none" else uuid_or_none(args.get("owner"))
    cases = recovery.queue(status=chosen, severity=severity, owner_id=owner)
    now = utcnow()
    return render_template(
        "office/recovery_cases.html",
        cases=cases,
        ratings=followup_queue.ratings_of([c.work_order_id for c in cases if c.trigger == "low_rating"]),
        overdue={c.id for c in cases if rules.is_overdue(c.status, c.due_at, c.contacted_at, now)},
        owners=escalations.owners(),
        severities=rules.SEVERITIES,
        channels=[c for c in rules.CHANNELS if c != "sign_off"],
        statuses=LIST_STATUSES,
        hours={level: f"{h:g}" for level, h in recovery.hours().items()},
        filters={"status": chosen, "severity": severity or "", "owner": owner or ""},
        errors=errors or {},
        values=values or {},
    ), status


@bp.route("/recovery")
def recovery_cases():
    """Open cases first, soonest first-contact deadline first; overdue ones flagged."""
    return _render_list()


@bp.route("/recovery", methods=["POST"])
def recovery_open():
    """Take in a complaint from any channel: graded, owned, first contact due."""

    def take_in(data):
        wo = followup_queue.work_order_by_ticket(data["ticket_no"])
        return recovery.open_case(
            wo,
            data["description"],
            current_user,
            channel=data["channel"],
            severity=data["severity"],
            owner_id=data.get("owner_id"),
        )

    return submit(
        RecoveryOpenIn(),
        form_payload(request.form),
        take_in,
        render=lambda errors, status, _e: _render_list({"open": errors}, {"open": request.form.to_dict()}, status),
        done=lambda case: redirect(url_for("office.recovery_case", case_id=case.id)),
        message=_("Complaint taken in."),
    )


def _render_case(case: RecoveryCase, errors=None, values=None, status=200):
    now = utcnow()
    window = rules.rerating_window(case.resolved_at) if case.resolved_at else None
    return render_template(
        "office/recovery_case.html",
        case=case,
        wo=case.work_order,
        ratings=followup_queue.ratings_of([case.work_order_id] if case.trigger == "low_rating" else []),
        overdue=rules.is_overdue(case.status, case.due_at, case.contacted_at, now),
        late_contact=bool(case.contacted_at and case.due_at and case.contacted_at > case.due_at),
        window=window,
        may_close=rules.may_close(case.rerating_score, case.resolved_at, now),
        target=rules.TARGET_SCORE,
        calls=recovery.calls_of(case),
        owners=escalations.owners(),
        errors=errors or {},
        values=values or {},
    ), status


@bp.route("/recovery/<case_id>")
def recovery_case(case_id: str):
    return _render_case(record_or_404(RecoveryCase, case_id))


def _step(case_id: str, form: str, schema, action, message: str):
    """One step's form post: back to the case page, with the errors under the step's form."""
    case = record_or_404(RecoveryCase, case_id)
    return submit(
        schema,
        form_payload(request.form),
        lambda data: action(case, data),
        render=lambda errors, status, _e: _render_case(case, {form: errors}, {form: request.form.to_dict()}, status),
        done=lambda _r: redirect(url_for("office.recovery_case", case_id=case.id)),
        message=message,
    )


@bp.route("/recovery/<case_id>/owner", methods=["POST"])
def recovery_owner(case_id: str):
    return _step(
        case_id,
        "owner",
        RecoveryOwnerIn(),
        lambda case, data: recovery.assign(case, db.session.get(User, data["owner_id"])),
        _("Owner set."),
    )


@bp.route("/recovery/<case_id>/contact", methods=["POST"])
def recovery_contact(case_id: str):
    return _step(
        case_id,
        "contact",
        RecoveryContactIn(),
        lambda case, data: recovery.log_contact(case, data["note"], current_user),
        _("Contact logged."),
    )


@bp.route("/recovery/<case_id>/investigation", methods=["POST"])
def recovery_investigation(case_id: str):
    return _step(
        case_id,
        "investigation",
        RecoveryInvestigationIn(),
        lambda case, data: recovery.investigate(case, data["notes"], current_user),
        _("Investigation recorded."),
    )


@bp.route("/recovery/<case_id>/remedy", methods=["POST"])
def recovery_remedy(case_id: str):
    return _step(
        case_id,
        "remedy",
        RecoveryRemedyIn(),
        lambda case, data: recovery.plan_remedy(
            case, data["root_cause"], data["solution"], data.get("compensation"), data.get("compensation_amount")
        ),
        _("Root cause and solution recorded."),
    )


@bp.route("/recovery/<case_id>/resolve", methods=["POST"])
def recovery_resolve(case_id: str):
    return _step(case_id, "resolve", None, lambda case, _d: recovery.resolve(case, current_user), _("Case resolved."))


@bp.route("/recovery/<case_id>/rerating", methods=["POST"])
def recovery_rerating(case_id: str):
    return _step(
        case_id,
        "rerating",
        RecoveryReratingIn(),
        lambda case, data: recovery.rerate(case, data["score"], data.get("note"), current_user),
        _("Re-rating recorded."),
    )


@bp.route("/recovery/<case_id>/close", methods=["POST"])
def recovery_close(case_id: str):
    return _step(case_id, "close", None, lambda case, _d: recovery.close(case, current_user), _("Case closed."))
