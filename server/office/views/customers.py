"""A customer's page: products, work-order history and the contact log from the order events."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...domain.service_day import today
from ...domain.warranty import in_warranty, warranty_end
from ...extensions import db
from ...models import Customer, User
from ...services import notifications
from ...services.customer_file import customer_file
from ..blueprint import bp
from ..forms import record_or_404, submit


@bp.route("/customers/<customer_id>")
def customer_page(customer_id: str):
    """Everything about one customer, newest first."""
    return _render(record_or_404(Customer, customer_id))


@bp.route("/customers/<customer_id>/notifications", methods=["POST"])
def customer_notifications(customer_id: str):
    """The customer's notification choices: opted out, e-mail address (issue #16)."""
    customer = record_or_404(Customer, customer_id)
    payload = {"opt_out": request.form.get("notify_opt_out") == "on", "email": request.form.get("email", "")}
    return submit(
        None,
        payload,
        lambda data: notifications.set_preferences(customer, data["opt_out"], data["email"], current_user),
        render=lambda errors, status, error: _render(customer, errors, payload, status),
        done=lambda _: redirect(url_for("office.customer_page", customer_id=customer.id) + "#customer-notifications"),
        message=gettext("Notification settings saved."),
    )


def _render(customer: Customer, notify_errors=None, notify_values=None, status: int = 200):
    file = customer_file(customer)
    day = today()
    warranty = {
        p.id: (in_warranty(p.purchase_date, p.warranty_months, day), warranty_end(p.purchase_date, p.warranty_months))
        for p in file.products
    }
    return render_template(
        "office/customer.html",
        file=file,
        customer=file.customer,
        warranty=warranty,
        users={u.id: u.name for u in db.session.scalars(sa.select(User))},
        notify_errors=notify_errors or {},
        notify_values=notify_values,
    ), status
