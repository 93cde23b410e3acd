"""Dispatch pages: one work order with its assign and reschedule forms, and the day per technician."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...domain.areas import city_of
from ...domain.lifecycle import Status
from ...domain.service_day import to_local
from ...domain.service_day import today as local_today
from ...domain.sla import effective_priority, queue_rank, schedule_warnings
from ...domain.warranty import in_warranty, warranty_end
from ...extensions import db
from ...models import Customer, Diagnosis, FeeQuote, Payment, Photo, User, VisitEvent, WorkOrder, utcnow
from ...reports.reconciliation import flags_for
from ...services import dispatch, followup_queue, phone_resolution, push
from ...services import job_facts as facts
from ...services.coverage import WARRANTY_VOID, coverage_of
from ...services.intake import record_incomplete
from ...services.sign_off import sign_off_of, verify_sign_off
from ...services.sla_board import sla_clock
from ...services.work_orders import WARRANTY_OVERRIDDEN
from ...wire.office import ContactIn, DispatchAssignIn, RescheduleIn
from ..blueprint import bp
from ..forms import form_payload, parse_day, record_or_404, submit


def _work_order_or_404(wo_id: str) -> WorkOrder:
    return record_or_404(WorkOrder, wo_id)


def _render_work_order(
    wo: WorkOrder,
    assign_errors=None,
    reschedule_errors=None,
    values=None,
    status=200,
    phone_errors=None,
    warranty_errors=None,
    record_errors=None,
):
    now = utcnow()
    product = wo.product
    sign_off = sign_off_of(db.session, wo.id)
    if values is None:  # the reschedule form starts from the current appointment
        values = {
            name: to_local(getattr(wo, name)).strftime("%Y-%m-%dT%H:%M")
            for name in ("appointment_start", "appointment_end")
            if getattr(wo, name)
        }
    job = facts.load([wo.id])[0]
    resolutions = phone_resolution.history(wo)  # resolved by phone: advice and check-back [seed 003 §三(一)3]
    verifies = verify_sign_off(db.session, sign_off) if sign_off else None
    live = lambda model: db.session.scalars(
        sa.select(model).where(model.work_order_id == wo.id, model.deleted.is_(False)).order_by(model.created_at)
    ).all()
    return render_template(
        "office/work_order.html",
        job=job,
        diagnoses=live(Diagnosis),
        fees=live(FeeQuote),
        payments=live(Payment),
        sign_off_verifies=verifies,
        flags=flags_for(job, verifies),
        wo=wo,
        effective=effective_priority(wo.priority, wo.customer.tier),
        sla_warnings=[
            (w.code, w.text(gettext))
            for w in schedule_warnings(
                wo.appointment_start, wo.resolution_due, closed=wo.status in ("completed", "closed", "cancelled")
            )
            + dispatch.warnings_for(wo)  # overlap, outside working hours: after assign and reschedule too
        ],
        record_incomplete=record_incomplete(wo),
        record_errors=record_errors or {},
        clock=None
        if wo.status in ("completed", "closed", "cancelled")
        else sla_clock(wo.created_at, wo.response_due, wo.resolution_due, wo.first_response_at, now),
        product=product,
        in_warranty=product and in_warranty(product.purchase_date, product.warranty_months, local_today(now)),
        warranty_end=product and warranty_end(product.purchase_date, product.warranty_months),
        technicians=dispatch.technicians(),
        events=dispatch.dispatch_events(wo),
        users={u.id: u.name for u in db.session.scalars(sa.select(User))},
        sign_off=sign_off,
        assign_errors=assign_errors or {},
        reschedule_errors=reschedule_errors or {},
        warranty=coverage_of(db.session, wo, now),
        warranty_log=[e for e in live(VisitEvent) if e.kind in (WARRANTY_VOID, WARRANTY_OVERRIDDEN)],
        photos={p.id: p for p in live(Photo)},
        warranty_errors=warranty_errors or {},
        phone_errors=phone_errors or {},
        phone_resolutions=resolutions,
        check_back_states={
            r.check_back.id: followup_queue.call_state(r.check_back, now) for r in resolutions if r.check_back
        },
        job_alerts=push.of_work_order(wo.id),  # the technicians' Web Push messages and their delivery
        values=values,
    ), status


@bp.route("/work-orders/<wo_id>")
def work_order(wo_id: str):
    """One work order: details, SLA clock, assign/reassign and reschedule."""
    return _render_work_order(_work_order_or_404(wo_id))


@bp.route("/work-orders/<wo_id>/assign", methods=["POST"])
def assign(wo_id: str):
    """Assign, or reassign (改派) with reason and consent."""
    wo = _work_order_or_404(wo_id)
    return submit(
        DispatchAssignIn(),
        form_payload(request.form, checkbox_fields=("customer_consent",)),
        lambda data: dispatch.assign(
            wo, data["technician_id"], current_user, data.get("reason"), data.get("customer_consent")
        ),
        render=lambda errors, status, _: _render_work_order(
            db.session.get(WorkOrder, wo_id), assign_errors=errors, values=request.form.to_dict(), status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo.id)),
        message="assigned_ok",
    )


@bp.route("/work-orders/<wo_id>/contact", methods=["POST"])
def contact(wo_id: str):
    """Log that the office reached the customer: the first contact is the first response [seed 000 §二(二)1]."""
    wo = _work_order_or_404(wo_id)
    return submit(
        ContactIn(),
        form_payload(request.form),
        lambda data: dispatch.log_customer_contact(wo, current_user, data.get("note")),
        render=lambda errors, status, _: _render_work_order(
            db.session.get(WorkOrder, wo_id), values=request.form.to_dict(), status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo.id)),
        message="contact_ok",
    )


@bp.route("/work-orders/<wo_id>/reschedule", methods=["POST"])
def reschedule(wo_id: str):
    """Agree a new appointment (改约) with the customer's consent."""
    wo = _work_order_or_404(wo_id)
    return submit(
        RescheduleIn(),
        form_payload(request.form, ("appointment_start", "appointment_end"), ("customer_consent",)),
        lambda data: dispatch.reschedule(
            wo,
            data["appointment_start"],
            data.get("appointment_end"),
            current_user,
            data["reason"],
            data["customer_consent"],
        ),
        render=lambda errors, status, _: _render_work_order(
            db.session.get(WorkOrder, wo_id), reschedule_errors=errors, values=request.form.to_dict(), status=status
        ),
        done=lambda _: redirect(url_for("office.work_order", wo_id=wo.id)),
        message="rescheduled_ok",
    )


@bp.route("/dispatch")
def dispatch_day():
    """Every technician's day at a glance, and the jobs nobody has yet."""
    day = parse_day(request.args.get("date"), local_today())
    days = []
    for tech in dispatch.technicians():
        booked, unbooked = dispatch.technician_day(tech.id, day)
        days.append({"technician": tech, "appointments": booked, "unscheduled": unbooked})
    waiting = db.session.scalars(
        sa.select(WorkOrder).join(Customer).where(WorkOrder.status == Status.NEW.value).order_by(WorkOrder.response_due)
    ).all()
    # Most urgent first: effective priority (VIP raised), then VIP, key, normal (seed 000 §四(一)1).
    waiting = sorted(waiting, key=lambda wo: queue_rank(wo.priority, wo.customer.tier))
    booked_all = [wo for d in days for wo in d["appointments"]]
    return render_template(
        "office/dispatch.html",
        day=day,
        days=days,
        waiting=waiting,
        technicians=dispatch.technicians(),
        effective=effective_priority,  # VIP raised a level, as on the board (seed 000 §四(一)1)
        city_of=city_of,
        missed=dispatch.missed_appointments(booked_all, utcnow()),
    )
