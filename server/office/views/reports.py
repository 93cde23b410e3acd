"""The service report: PDF download for the office, and sending a link to the customer."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from ...domain.errors import Conflict
from ...extensions import db
from ...models import WorkOrder
from ...services import service_report
from ...services.sign_off import sign_off_of
from ...wire.office import ShareIn
from ..blueprint import bp
from ..forms import form_payload, record_or_404, submit
from ..i18n import LANGUAGES

CHANNELS = ("sms", "wechat", "email")


def _work_order(wo_id: str) -> WorkOrder:
    return record_or_404(WorkOrder, wo_id)


@bp.route("/work-orders/<wo_id>/service-report.pdf")
def service_report_pdf(wo_id: str):
    """The PDF, in the customer's language unless ?lang= says otherwise."""
    wo = _work_order(wo_id)
    try:
        data = service_report.pdf(wo, request.args.get("lang"))
    except Conflict:  # not signed off yet: the page says so
        return render_template(
            "office/service_report.html",
            wo=wo,
            sign_off=None,
            shares=[],
            errors={},
            channels=CHANNELS,
            languages=LANGUAGES,
        ), 409
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{service_report.filename(wo)}"'},
    )


def _render(wo, errors=None, link=None, status=200):
    return render_template(
        "office/service_report.html",
        wo=wo,
        sign_off=sign_off_of(db.session, wo.id),
        shares=service_report.shares_of(wo),
        errors=errors or {},
        link=link,
        channels=CHANNELS,
        languages=LANGUAGES,
        values=request.form,
    ), status


@bp.route("/work-orders/<wo_id>/service-report", methods=["GET", "POST"])
def service_report_page(wo_id: str):
    """Download the report, or make a link for the customer and record who sent it to whom."""
    wo = _work_order(wo_id)
    if request.method == "GET":
        return _render(wo)
    links = {}

    def share(data):
        _, links["link"] = service_report.share(wo, data["channel"], data["recipient"], current_user)

    return submit(
        ShareIn(),
        form_payload(request.form),
        share,
        render=lambda errors, status, _: _render(wo, errors, status=status),
        done=lambda _: _render(wo, link=links["link"]),
        message="share_ok",
    )
