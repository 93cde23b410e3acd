"""A customer's page: products, work-order history and the contact log from the order events."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from ...domain.service_day import today
from ...domain.warranty import in_warranty, warranty_end
from ...extensions import db
from ...models import Customer, User
from ...services.customer_file import customer_file
from ..blueprint import bp
from ..forms import record_or_404


@bp.route("/customers/<customer_id>")
def customer_page(customer_id: str):
    """Everything about one customer, newest first."""
    file = customer_file(record_or_404(Customer, customer_id))
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
    )
