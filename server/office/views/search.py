"""The search box on every office page: ticket no., phone, product or part serial, customer name."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ...services.order_search import only_order, search
from ..blueprint import bp


@bp.route("/search")
def search_page():
    """What matches the query, by kind; a ticket typed exactly opens its order."""
    results = search(request.args.get("q"))
    order = only_order(results)
    if order is not None:
        return redirect(url_for("office.work_order", wo_id=order.id))
    return render_template("office/search.html", results=results)
