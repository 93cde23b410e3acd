"""The customer's service report: gathered from the records, rendered as PDF, shared by link.

The verification code is the short code of the sign-off's summary hash (domain/verification_code.py,
the same code the phone shows the customer); /verify/<code> confirms it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeSerializer

from .. import i18n
from ..blobs import blob_store
from ..domain.errors import M_, Conflict
from ..domain.service_day import format_local as fmt_time
from ..domain.service_day import today
from ..domain.signed_summary import money
from ..domain.verification_code import short_code
from ..domain.warranty import in_warranty
from ..extensions import db
from ..i18n import label, word
from ..models import Blob, Diagnosis, FeeQuote, Part, PartFitted, Payment, Photo, ReportShare, User, WorkOrder, utcnow
from ..reports.service_report_pdf import ReportPart, ReportPhoto, ServiceReport, render
from .sign_off import sign_off_of, verify_sign_off

SHARE_DAYS = 30
log = logging.getLogger(__name__)


class ReportNotRendered(RuntimeError):
    """The PDF could not be laid out; carries the ticket number only, never the record's text."""


IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")


def labels(lang: str) -> dict[str, str]:
    """Every label the report prints, in `lang`: glossary words where the glossary has one."""
    with force_locale(i18n.babel_locale(lang)):
        w = word
        return {
            "title": w("service_report"),
            "ticket_no": w("ticket_no"),
            "customer": w("customer"),
            "phone": w("phone"),
            "address": w("address"),
            "product": w("product"),
            "serial_no": w("serial_no"),
            "warranty_status": gettext("Warranty status"),
            "in_warranty": w("in_warranty"),
            "out_of_warranty": w("out_of_warranty"),
            "technician": w("technician"),
            "visit": gettext("Visit"),
            "badge_no": gettext("Badge no."),
            "completed": gettext("Completed at"),
            "fault_description": w("fault_description"),
            "diagnosis": w("diagnosis"),
            "fault_cause": w("fault_cause"),
            "repair_method": w("repair_method"),
            "parts": gettext("Parts fitted"),
            "part": w("part"),
            "serial_fitted": w("serial_fitted"),
            "serial_removed": w("serial_removed"),
            "quantity": w("quantity"),
            "unit_price": gettext("Unit price (CNY)"),
            "warranty": w("warranty"),
            "fees": w("fees"),
            "total": gettext("Total (CNY)"),
            "outcome": w("outcome"),
            "ratings": gettext("Customer's ratings"),
            "rating_quality": w("rating_quality"),
            "rating_attitude": w("rating_attitude"),
            "comment": gettext("Comment"),
            "signature": gettext("Customer's signature"),
            "no_signature_image": gettext("(signature image missing)"),
            "signed_by": w("signed_by"),
            "signed_at": w("signed_at"),
            "verification": gettext("Verification"),
            "verification_help": gettext(
                "The code is drawn from what the customer signed and was shown on the technician's "
                "phone. Scan the QR code or open the address below to check this report against our records."
            ),
            "service_phone": w("service_phone"),
            "changed_note": gettext(
                "Note: the records changed after the customer signed; the verification page is authoritative."
            ),
            "yes": gettext("Yes"),
            "no": gettext("No"),
            "full_text": gettext("Full text (continued from the table above)"),
            "reason": gettext("Reason"),
            "work_time": gettext("Work time"),
            "travel_time": gettext("Travel time"),
            "payment": label("entity", "payment", lang),
            "minutes": gettext("%(minutes)s min"),
            "payment_method": gettext("Payment method"),
            "amount": gettext("Amount (CNY)"),
            "receipt": gettext("Receipt or invoice"),
            "invoice_title": gettext("Invoice title"),
            "receipt_no": gettext("Receipt no."),
            "photos": gettext("Photos before and after"),
            "photo_before": label("photo_set", "before", lang),
            "photo_after": label("photo_set", "after", lang),
        }


def build(wo: WorkOrder, lang: str) -> ServiceReport:
    """The report's content in `lang`; 409 when the customer has not signed off yet."""
    sign_off = sign_off_of(db.session, wo.id)
    if sign_off is None:
        raise _not_signed()
    L = labels(lang)
    live = lambda model: db.session.scalars(
        sa.select(model).where(model.work_order_id == wo.id, model.deleted.is_(False)).order_by(model.created_at)
    ).all()
    product = wo.product
    facts = [
        (L["customer"], wo.customer.name),
        (L["phone"], wo.customer.phone),
        (L["address"], wo.service_address or wo.customer.address),
    ]
    if product:
        covered = in_warranty(product.purchase_date, product.warranty_months, today(wo.completed_at or utcnow()))
        facts += [
            (L["product"], " ".join(x for x in (product.model, product.name) if x)),
            (L["serial_no"], product.serial_no),
            (L["warranty_status"], L["in_warranty"] if covered else L["out_of_warranty"]),
        ]
    facts += [
        (L["technician"], _technician(wo, L)),
        (L["visit"], fmt_time(wo.appointment_start)),
        (
            L["completed"],
            fmt_time(wo.completed_at or sign_off.corrected_at or sign_off.device_at or sign_off.created_at),
        ),
    ]
    parts = live(PartFitted)
    names = (
        dict(
            db.session.execute(
                sa.select(Part.part_number, Part.name_en if lang == "en" else Part.name).where(
                    Part.part_number.in_([p.part_number for p in parts])
                )
            ).all()
        )
        if parts
        else {}
    )
    fees = [f for f in live(FeeQuote) if f.consented] or live(FeeQuote)
    fee = fees[-1] if fees else None
    signature = None
    blob = db.session.get(Blob, sign_off.signature_sha256)
    if blob is not None and blob.content_type in IMAGE_TYPES:
        signature = blob_store().get(blob.sha256)
    verifies = verify_sign_off(db.session, sign_off)
    return ServiceReport(
        labels=L,
        ticket_no=wo.ticket_no,
        facts=facts,
        fault_description=wo.fault_description,
        diagnoses=[(d.fault_cause, d.repair_method or "") for d in live(Diagnosis) if d.customer_visible],
        parts=[
            ReportPart(
                p.part_number,
                names.get(p.part_number) or "",
                p.serial_fitted or "—",
                p.serial_removed or "—",
                p.quantity,
                money(p.unit_price),
                L["yes"] if p.under_warranty else L["no"],
            )
            for p in parts
        ],
        fee_lines=[_fee_line(line, L, lang) for line in (fee.lines if fee else [])],
        fee_total=money(fee.total) if fee else "",
        fee_facts=_fee_facts(fee, L, lang),
        payment=_payment(live(Payment), L, lang),
        outcome=label("outcome", wo.outcome, lang) if wo.outcome else "",
        ratings=[
            (L["rating_quality"], f"{sign_off.rating_quality} / 5"),
            (L["rating_attitude"], f"{sign_off.rating_attitude} / 5"),
        ],
        comment=sign_off.comment or "",
        signer_name=sign_off.signer_name,
        signed_at=fmt_time(sign_off.corrected_at or sign_off.device_at or sign_off.created_at),  # trusted time
        signature_png=signature,
        verification_code=short_code(sign_off.summary_sha256),
        verify_url=url_for("verify.verify", code=short_code(sign_off.summary_sha256), _external=True),
        service_phone=current_app.config["SERVICE_PHONE"],
        notes=[] if verifies else [L["changed_note"]],
        photos=_photos(live(Photo)),
    )


def _technician(wo: WorkOrder, L: dict) -> str:
    """The technician's name and badge number, as on the badge the customer checked [seed 003 §三(四)3]."""
    tech = wo.technician
    if tech is None:
        return ""
    return f"{tech.name} ({L['badge_no']} {tech.badge_no})" if tech.badge_no else tech.name


def _photos(photos: list[Photo]) -> list[ReportPhoto]:
    """The before and after photos (as shown on the phone: marked up, if so), oldest first."""
    out = []
    for p in photos:
        if p.photo_set not in ("before", "after"):
            continue  # evidence and door notes are for the office, not the customer's report
        blob = db.session.get(Blob, p.blob_sha256)
        data = blob_store().get(p.blob_sha256) if blob is not None and blob.content_type in IMAGE_TYPES else None
        if data:
            out.append(ReportPhoto(p.photo_set, p.caption or "", data))
    return out


def _minutes(n: int, L: dict) -> str:
    return L["minutes"] % {"minutes": n}


def _fee_line(line: dict, L: dict, lang: str) -> tuple[str, str]:
    """(text, amount): the description (else the kind's word), labour time, a waiver's or discount's reason."""
    kind = line.get("kind")
    text = line.get("description") or label("fee_kind", kind, lang)
    if kind == "labour" and line.get("quantity"):
        text += f" ({_minutes(line['quantity'], L)})"
    elif kind in ("part", "trade_in") and (line.get("quantity") or 1) > 1:
        text += f" ×{line['quantity']}"
    if line.get("reason"):
        text += f" ({L['reason']}: {line['reason']})"
    return text, money(line.get("amount") or 0)


def _fee_facts(fee: FeeQuote | None, L: dict, lang: str) -> list[tuple[str, str]]:
    if fee is None or fee.schedule_revision is None:  # a quote from before labour time was recorded
        return []
    return [(L["work_time"], _minutes(fee.work_minutes, L)), (L["travel_time"], _minutes(fee.travel_minutes, L))]


def _payment(payments: list[Payment], L: dict, lang: str) -> list[tuple[str, str]]:
    if not payments:
        return []
    p = payments[-1]
    rows = [
        (L["payment_method"], label("payment_method", p.method, lang)),
        (L["amount"], money(p.amount)),
        (L["receipt"], label("receipt", p.receipt, lang)),
    ]
    if p.invoice_title:
        rows.append((L["invoice_title"], p.invoice_title))
    if p.receipt_no:
        rows.append((L["receipt_no"], p.receipt_no))
    return rows


def pdf(wo: WorkOrder, lang: str | None = None) -> bytes:
    """The PDF in `lang` (default: the customer's language)."""
    lang = lang if lang in i18n.LANGUAGES else (wo.customer.locale if wo.customer.locale in i18n.LANGUAGES else "zh-CN")
    report = build(wo, lang)
    try:
        return render(report, font=current_app.config["REPORT_CJK_FONT"])
    except Exception as exc:
        # ReportLab's messages quote the text they could not place: customer data never goes
        # to the log. The ticket and the kind of failure are enough to find the record.
        log.error("service report for %s could not be rendered (%s)", wo.ticket_no, type(exc).__name__)
        raise ReportNotRendered(wo.ticket_no) from None


def filename(wo: WorkOrder) -> str:
    return f"service-report-{wo.ticket_no}.pdf"


def _not_signed() -> Conflict:
    return Conflict(
        "report.not_signed", M_("This work order has no customer sign-off yet; there is no service report.")
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="onsite-service-report")


def share(wo: WorkOrder, channel: str, recipient: str, user: User) -> tuple[ReportShare, str]:
    """A link the customer can open for 30 days, recorded with who sent it to whom (caller commits)."""
    if sign_off_of(db.session, wo.id) is None:
        raise _not_signed()
    row = ReportShare(
        work_order_id=wo.id,
        channel=channel,
        recipient=recipient.strip(),
        expires_at=utcnow() + timedelta(days=SHARE_DAYS),
        created_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    return row, share_url(row)


def share_url(row: ReportShare) -> str:
    """The public address of a shared report."""
    return url_for("verify.shared_report", token=_serializer().dumps(row.id), _external=True)


def shared(token: str) -> ReportShare | None:
    """The share a link names, while it has not expired."""
    try:
        share_id = _serializer().loads(token)
    except BadSignature:
        return None
    row = db.session.get(ReportShare, share_id) if isinstance(share_id, str) else None
    if row is None or row.expires_at < utcnow():
        return None
    return row


def shares_of(wo: WorkOrder) -> list[ReportShare]:
    """Links sent for a work order, newest first."""
    return list(
        db.session.scalars(
            sa.select(ReportShare).where(ReportShare.work_order_id == wo.id).order_by(ReportShare.created_at.desc())
        )
    )
