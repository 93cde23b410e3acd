"""The search box on every office page: ticket no., phone, product or part serial, customer name."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ...services.order_search import only_customer, only_order, search
from ..blueprint import bp


@bp.route("/search")
def search_page():
    """What matches the query, by kind; a ticket typed exactly opens its order, a whole phone number its customer."""
    results = search(request.args.get("q"))
    order = only_order(results)
    if order is not None:
        return redirect(url_for("office.work_order", wo_id=order.id))
    customer_id = only_customer(results)
    if customer_id is not None:
        return redirect(url_for("office.customer_page", customer_id=customer_id))
    return render_template("office/search.html", results=results)
