"""Public pages (no sign-in): verify a service report's code, and open a report shared by link."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template

from ...domain.verification_code import hash_prefix, short_code
from ...extensions import db, limiter
from ...models import CustomerSignOff, WorkOrder
from ...services import service_report
from ...services.sign_off import verify_sign_off
from ..blueprint import template_helpers

verify_bp = Blueprint("verify", __name__)
verify_bp.context_processor(template_helpers)
CODE = re.compile(r"^[0-9a-fA-F]{64}$")


def mask_name(name: str) -> str:
    """张伟 -> 张*, Anna Li -> A*** L*: enough to recognise, not to identify."""
    if re.search(r"[\u4e00-\u9fff]", name):
        return name[:1] + "*" * max(1, len(name) - 1)
    return " ".join(part[:1] + "*" * max(1, len(part) - 1) for part in name.split())


@verify_bp.route("/verify/<code>")
@limiter.limit("60 per minute")
def verify(code: str):
    """Whether a report with this code exists and still matches the records."""
    sign_off = None
    if CODE.match(code):
        sign_off = db.session.scalar(
            sa.select(CustomerSignOff).where(
                CustomerSignOff.summary_sha256 == code.lower(), CustomerSignOff.deleted.is_(False)
            )
        )
    elif (prefix := hash_prefix(code)) is not None:  # the short code the customer was shown (issue #15)
        sign_off = db.session.scalar(
            sa.select(CustomerSignOff).where(
                CustomerSignOff.summary_sha256.startswith(prefix, autoescape=True), CustomerSignOff.deleted.is_(False)
            )
        )
    if sign_off is None:
        return render_template("office/verify.html", found=False, code=code), 404
    wo = db.session.get(WorkOrder, sign_off.work_order_id)
    return render_template(
        "office/verify.html",
        found=True,
        code=short_code(sign_off.summary_sha256),
        valid=verify_sign_off(db.session, sign_off),
        wo=wo,
        sign_off=sign_off,
        signer=mask_name(sign_off.signer_name),
    )


@verify_bp.route("/report/<token>")
@limiter.limit("30 per minute")
def shared_report(token: str):
    """The PDF behind a link sent to the customer (until the link expires)."""
    share = service_report.shared(token)
    if share is None:
        abort(404)
    wo = db.session.get(WorkOrder, share.work_order_id)
    share.downloads += 1
    data = service_report.pdf(wo)
    db.session.commit()
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{service_report.filename(wo)}"',
            "Cache-Control": "no-store",
        },
    )
