"""The escalation queue: cases the field reported, their owner, deadline and decision (issue #14)."""

from __future__ import annotations

import logging

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import escalations as rules
from ...extensions import db
from ...models import Escalation, User, utcnow
from ...services import escalations
from ...wire.escalations import EscalationDecideIn, EscalationTakeIn
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit, uuid_or_none

log = logging.getLogger(__name__)


@bp.context_processor
def _badge() -> dict:
    """`open_escalations()` for the topbar's badge on every page (called only when signed in)."""
    return {"open_escalations": escalations.open_count}


@bp.route("/escalations")
def escalations_queue():
    """Open cases first, soonest due first; filters by kind, severity, owner."""
    args = request.args
    status = args.get("status") if args.get("status") in (*rules.STATUSES, "all") else "open"
    kind = args.get("kind") if args.get("kind") in rules.KINDS else None
    severity = args.get("severity") if args.get("severity") in rules.SEVERITIES else None
    owner = "none" if args.get("owner") == "none" else uuid_or_none(args.get("owner"))
    cases = escalations.queue(status=status, kind=kind, severity=severity, owner_id=owner)
    now = utcnow()
    return render_template(
        "office/escalations.html",
        cases=cases,
        overdue={c.id for c in cases if rules.is_overdue(c.status, c.due_at, now)},
        left={c.id: (c.due_at - now).total_seconds() for c in cases if c.status == "open"},
        owners=escalations.owners(),
        kinds=rules.KINDS,
        severities=rules.SEVERITIES,
        filters={"status": status, "kind": kind or "", "severity": severity or "", "owner": owner or ""},
    )


def _event_words(event) -> dict:
    """The event's data as the case page words it; a record beyond reading never ends the page."""
    try:
        data = event.data if event is not None and isinstance(event.data, dict) else {}
        return {k: data.get(k) for k in ("reason", "customer_consent", "old_start", "new_start", "new_end", "total")}
    except Exception as exc:
        log.error("office: visit event %s cannot be shown (%s)", getattr(event, "id", "?"), type(exc).__name__)
        return {}


def _render_case(case: Escalation, errors=None, values=None, status=200):
    facts = escalations.facts(case)
    return render_template(
        "office/escalation.html",
        case=case,
        wo=case.work_order,
        facts=facts,
        words=_event_words(facts.event),
        owners=escalations.owners(),
        decisions=rules.DECISIONS,
        others=[c for c in escalations.cases_of(case.work_order_id) if c.id != case.id],
        errors=errors or {},
        values=values or {},
    ), status


@bp.route("/escalations/<case_id>")
def escalation(case_id: str):
    return _render_case(record_or_404(Escalation, case_id))


@bp.route("/escalations/<case_id>/take", methods=["POST"])
def escalation_take(case_id: str):
    """Give the case an owner (the signed-in dispatcher when the form names no one else)."""
    case = record_or_404(Escalation, case_id)
    payload = form_payload(request.form)
    to_queue = payload.pop("back", None) == "queue"  # taken from the queue's row: back to the queue
    payload.setdefault("owner_id", current_user.id)

    def take(data):
        owner = db.session.get(User, data["owner_id"])
        return escalations.take(case, owner)

    return submit(
        EscalationTakeIn(),
        payload,
        take,
        render=lambda errors, status, _e: _render_case(
            case, {"take": errors}, {"take": request.form.to_dict()}, status
        ),
        done=lambda _r: redirect(
            url_for("office.escalations_queue") if to_queue else url_for("office.escalation", case_id=case.id)
        ),
        message=_("Owner set."),
    )


@bp.route("/escalations/<case_id>/decide", methods=["POST"])
def escalation_decide(case_id: str):
    """Record the decision; the technician's phone shows it after its next sync."""
    case = record_or_404(Escalation, case_id)
    return submit(
        EscalationDecideIn(),
        form_payload(request.form),
        lambda data: escalations.decide(case, data["decision"], data.get("text"), current_user),
        render=lambda errors, status, _e: _render_case(
            case, {"decide": errors}, {"decide": request.form.to_dict()}, status
        ),
        done=lambda _r: redirect(url_for("office.escalations_queue")),
        message=_("Decision recorded; the technician gets it on the next sync."),
    )
