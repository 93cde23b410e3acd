"""The customer's service report as a PDF (ReportLab), Chinese rendered with an embedded CJK font.

render(report) takes plain data (labels already in the customer's language) and returns
the PDF bytes; it knows nothing of Flask or the database.
"""
from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# TrueType-outline CJK fonts ReportLab can embed (it cannot embed the CFF outlines of
# Noto Sans CJK). REPORT_CJK_FONT names another file; "path.ttc#1" picks a face.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
FONT = "OnsiteCJK"
FALLBACK_CID_FONT = "STSong-Light"  # built into PDF readers' Asian packs; not embedded


def _candidates(preferred: str | None) -> list[str]:
    found = [preferred] if preferred else []
    found.extend(KNOWN_FONTS)
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=5).stdout
        found.extend(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return found


@lru_cache(maxsize=1)
def cjk_font(preferred: str | None = None) -> tuple[str, bool]:
    """(font name, embedded?): `preferred` or the first loadable TrueType CJK font, else the CID fallback."""
    for candidate in _candidates(preferred):
        path, _, index = candidate.partition("#")
        if not os.path.exists(path):
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=int(index or 0)))
            return FONT, True
        except Exception:  # CFF outlines, broken files: try the next one
            continue
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT, False


@dataclass
class ReportPart:
    part_number: str
    name: str
    serial_fitted: str
    serial_removed: str
    quantity: int
    unit_price: str
    under_warranty: str


@dataclass
class ServiceReport:
    """Everything printed on the report, already formatted and in the reader's language."""

    labels: dict[str, str]
    ticket_no: str
    facts: list[tuple[str, str]]  # (label, value) rows: customer, product, dates...
    fault_description: str
    diagnoses: list[tuple[str, str]]  # (fault cause, repair method)
    parts: list[ReportPart]
    fee_lines: list[tuple[str, str]]  # (description, amount)
    fee_total: str
    outcome: str
    ratings: list[tuple[str, str]]
    comment: str
    signer_name: str
    signed_at: str
    signature_png: bytes | None
    verification_code: str
    verify_url: str
    service_phone: str
    notes: list[str] = field(default_factory=list)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=22, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3,
                             textColor=colors.HexColor("#0b5cad")),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
        "code": ParagraphStyle("code", parent=base, fontName="Courier", fontSize=8, leading=10, wordWrap=None,
                               splitLongWords=True),
    }


def _esc(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def _table(rows, widths, font, header=True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b9c1ce")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")))
    table.setStyle(TableStyle(style))
    return table


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _signature(png: bytes | None, width: float) -> Image | None:
    if not png:
        return None
    try:
        reader = ImageReader(io.BytesIO(png))
        w, h = reader.getSize()
    except Exception:  # an unreadable image must not stop the report
        return None
    height = min(width * h / w, 22 * mm)
    return Image(io.BytesIO(png), width=height * w / h, height=height)


def render(report: ServiceReport, *, font: str | None = None) -> bytes:
    """The report as PDF bytes (A4), in `font` (a TrueType CJK font file) if it loads."""
    font, _ = cjk_font(font)
    st = _styles(font)
    L = report.labels
    P = lambda text, style="base": Paragraph(_esc(text), st[style])
    usable = A4[0] - 30 * mm
    # Header: title and ticket on the left, the verification QR code and code on the right,
    # so the first page always carries what identifies and verifies the report.
    header = Table(
        [[[P(L["title"], "title"), P(f"{L['ticket_no']}: {report.ticket_no}"), Spacer(1, 3),
           P(f"{L['verification']} · {L['verification_help']}", "small"), Paragraph(report.verification_code, st["code"]),
           P(report.verify_url, "small")],
          _qr(report.verify_url, 27 * mm)]],
        colWidths=[usable - 30 * mm, 30 * mm], hAlign="LEFT",
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
    )
    pairs = [report.facts[i:i + 2] for i in range(0, len(report.facts), 2)]
    fact_rows = [[cell for k, v in pair for cell in (P(k), P(v))] + [""] * (4 - 2 * len(pair)) for pair in pairs]
    story = [
        header,
        *[P(note, "h2") for note in report.notes],
        Spacer(1, 4),
        _table(fact_rows, [24 * mm, usable / 2 - 24 * mm, 24 * mm, usable / 2 - 24 * mm], font, header=False),
        P(L["fault_description"], "h2"),
        P(report.fault_description),
    ]
    if report.diagnoses:
        story.append(P(L["diagnosis"], "h2"))
        rows = [[P(L["fault_cause"]), P(L["repair_method"])]] + [[P(c), P(m)] for c, m in report.diagnoses]
        story.append(_table(rows, [usable / 2, usable / 2], font))
    if report.parts:
        story.append(P(L["parts"], "h2"))
        head = [L["part"], L["serial_fitted"], L["serial_removed"], L["quantity"], L["unit_price"], L["warranty"]]
        rows = [[P(h) for h in head]] + [
            [P(f"{p.part_number} {p.name}".strip()), P(p.serial_fitted), P(p.serial_removed), P(str(p.quantity)),
             P(p.unit_price), P(p.under_warranty)]
            for p in report.parts
        ]
        story.append(_table(rows, [45 * mm, 35 * mm, 35 * mm, 14 * mm, 20 * mm, usable - 149 * mm], font))
    if report.fee_lines:
        story.append(P(L["fees"], "h2"))
        rows = [[P(d), P(a)] for d, a in report.fee_lines] + [[P(L["total"]), P(report.fee_total)]]
        story.append(_table(rows, [usable - 35 * mm, 35 * mm], font, header=False))
    story += [P(L["outcome"], "h2"), P(report.outcome)]
    story.append(P(L["ratings"], "h2"))
    story.append(_table([[P(k), P(v)] for k, v in report.ratings] + ([[P(L["comment"]), P(report.comment)]] if report.comment else []),
                        [45 * mm, usable - 45 * mm], font, header=False))
    story.append(P(L["signature"], "h2"))
    signature = _signature(report.signature_png, 60 * mm)
    signed = Paragraph(f"{_esc(L['signed_by'])}: {_esc(report.signer_name)}<br/>"
                       f"{_esc(L['signed_at'])}: {_esc(report.signed_at)}", st["base"])
    sign_rows = [[signature or P(L["no_signature_image"]), signed]]
    story.append(Table(sign_rows, colWidths=[75 * mm, usable - 75 * mm], hAlign="LEFT",
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")])))
    story += [Spacer(1, 6), P(f"{L['service_phone']}: {report.service_phone}", "small")]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{L['title']} {report.ticket_no}", author="Onsite")
    doc.build(story)
    return buffer.getvalue()
