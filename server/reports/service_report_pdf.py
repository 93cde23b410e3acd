"""The customer's service report as a PDF (ReportLab), Chinese rendered with an embedded CJK font.

render(report) takes plain data (labels already in the customer's language) and returns
the PDF bytes; it knows nothing of Flask or the database.

Any text lays out, whatever its size: a table row cannot break across pages, so a cell
holds at most CELL_CHARS characters on CELL_LINES lines; longer text is shown in full
right after its table (the cell starts it and points there), and text outside tables
flows as paragraphs of at most FLOW_CHARS characters, each free to break across pages.
999 newlines or a 60,000-character word make a longer report, never a failed one.
"""

from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image as PILImage
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
CELL_CHARS = 300  # a cell's text beyond this (or beyond CELL_LINES lines) is printed after its table
CELL_LINES = 8
FLOW_CHARS = 1200  # a flowed paragraph's size: each one breaks across pages on its own
FLOW_LINES = 40
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
class ReportPhoto:
    photo_set: str  # "before" or "after"
    caption: str
    data: bytes  # PNG, JPEG or WebP: converted to JPEG for the PDF


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
    fee_facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value): work and travel time
    payment: list[tuple[str, str]] = field(default_factory=list)  # (label, value): method, amount, receipt no.
    photos: list[ReportPhoto] = field(default_factory=list)  # before / after (issue #15)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=22, spaceAfter=2),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#0b5cad"),
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
        "code": ParagraphStyle(
            "code", parent=base, fontName="Courier", fontSize=8, leading=10, wordWrap=None, splitLongWords=True
        ),
    }


def _esc(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def chunks(text: str | None) -> list[str]:
    """`text` cut into pieces of at most FLOW_CHARS characters and FLOW_LINES lines (whole lines where it can)."""
    out: list[str] = []
    lines: list[str] = []
    size = 0
    for line in (text or "").split("\n"):
        while len(line) > FLOW_CHARS:  # one very long line (a word with no break): slice it
            if lines:
                out.append("\n".join(lines))
                lines, size = [], 0
            out.append(line[:FLOW_CHARS])
            line = line[FLOW_CHARS:]
        if lines and (size + len(line) > FLOW_CHARS or len(lines) >= FLOW_LINES):
            out.append("\n".join(lines))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    if lines and (len(lines) > 1 or lines[0]):
        out.append("\n".join(lines))
    return out or [""]


def fits_a_cell(text: str | None) -> bool:
    text = text or ""
    return len(text) <= CELL_CHARS and text.count("\n") < CELL_LINES


def _table(rows, widths, font, header=True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
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
    try:
        return _build(_story(report, font), report)
    except Exception:
        # The laid-out report failed after all (nothing above should let it): print every
        # text as flowing paragraphs instead, so a signed report is never lost to layout.
        return _build(_plain_story(report, font), report)


def _build(story: list, report: ServiceReport) -> bytes:
    L = report.labels
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{L['title']} {report.ticket_no}",
        author="Onsite",
    )
    doc.build(story)
    return buffer.getvalue()


def _flowing(text: str | None, style: ParagraphStyle) -> list[Paragraph]:
    return [Paragraph(_esc(piece), style) for piece in chunks(text)]


def _plain_story(report: ServiceReport, font: str) -> list:
    st = _styles(font)
    L = report.labels
    texts = [
        L["title"],
        f"{L['ticket_no']}: {report.ticket_no}",
        report.verification_code,
        report.verify_url,
        *report.notes,
        *[f"{k}: {v}" for k, v in report.facts],
        L["fault_description"],
        report.fault_description,
    ]
    texts += [f"{L['fault_cause']}: {c}\n{L['repair_method']}: {m}" for c, m in report.diagnoses]
    texts += [
        " · ".join(
            (
                f"{p.part_number} {p.name}".strip(),
                p.serial_fitted,
                p.serial_removed,
                str(p.quantity),
                p.unit_price,
                p.under_warranty,
            )
        )
        for p in report.parts
    ]
    texts += [f"{d}: {a}" for d, a in report.fee_lines] + (
        [f"{L['total']}: {report.fee_total}"] if report.fee_lines else []
    )
    texts += [f"{k}: {v}" for k, v in (*report.fee_facts, *report.payment)]
    texts += [f"{L['outcome']}: {report.outcome}", *[f"{k}: {v}" for k, v in report.ratings]]
    texts += [
        f"{L['comment']}: {report.comment}",
        f"{L['signed_by']}: {report.signer_name}",
        f"{L['signed_at']}: {report.signed_at}",
        f"{L['service_phone']}: {report.service_phone}",
    ]
    return [p for text in texts for p in _flowing(text, st["base"])]


def _story(report: ServiceReport, font: str) -> list:
    st = _styles(font)
    L = report.labels
    P = lambda text, style="base": Paragraph(_esc(text), st[style])
    overflow: list[tuple[int, str]] = []  # (number, full text) of cells too long for a table row
    taken = [0]  # numbers used by earlier tables

    def cell_markup(text) -> str:
        """A cell's text, or its start and a pointer to the full text after the table."""
        text = text or ""
        if fits_a_cell(text):
            return _esc(text)
        overflow.append((len(overflow) + 1 + taken[0], text))
        return f"{_esc(text.split(chr(10), 1)[0][:60])} … → [{overflow[-1][0]}]"

    def C(text, style="base"):
        return Paragraph(cell_markup(text), st[style])

    def after_table() -> list:
        """The full texts of the table just placed, each flowing across pages."""
        out = []
        for number, text in overflow:
            out.append(P(f"[{number}] {L.get('full_text', '')}".strip(), "small"))
            out += _flowing(text, st["base"])
        taken[0] += len(overflow)
        overflow.clear()
        return out

    usable = A4[0] - 30 * mm
    # Header: title and ticket on the left, the verification QR code and code on the right,
    # so the first page always carries what identifies and verifies the report.
    header = Table(
        [
            [
                [
                    P(L["title"], "title"),
                    P(f"{L['ticket_no']}: {report.ticket_no}"),
                    Spacer(1, 3),
                    P(f"{L['verification']} · {L['verification_help']}", "small"),
                    Paragraph(report.verification_code, st["code"]),
                    P(report.verify_url, "small"),
                ],
                _qr(report.verify_url, 27 * mm),
            ]
        ],
        colWidths=[usable - 30 * mm, 30 * mm],
        hAlign="LEFT",
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
    )
    pairs = [report.facts[i : i + 2] for i in range(0, len(report.facts), 2)]
    fact_rows = [[cell for k, v in pair for cell in (P(k), C(v))] + [""] * (4 - 2 * len(pair)) for pair in pairs]
    story = [
        header,
        *[p for note in report.notes for p in _flowing(note, st["h2"])],
        Spacer(1, 4),
        _table(fact_rows, [24 * mm, usable / 2 - 24 * mm, 24 * mm, usable / 2 - 24 * mm], font, header=False),
        *after_table(),
        P(L["fault_description"], "h2"),
        *_flowing(report.fault_description, st["base"]),
    ]
    if report.diagnoses:
        story.append(P(L["diagnosis"], "h2"))
        rows = [[P(L["fault_cause"]), P(L["repair_method"])]] + [[C(c), C(m)] for c, m in report.diagnoses]
        story.append(_table(rows, [usable / 2, usable / 2], font))
        story += after_table()
    if report.parts:
        story.append(P(L["parts"], "h2"))
        head = [L["part"], L["serial_fitted"], L["serial_removed"], L["quantity"], L["unit_price"], L["warranty"]]
        rows = [[P(h) for h in head]] + [
            [
                C(f"{p.part_number} {p.name}".strip()),
                C(p.serial_fitted),
                C(p.serial_removed),
                C(str(p.quantity)),
                C(p.unit_price),
                C(p.under_warranty),
            ]
            for p in report.parts
        ]
        story.append(_table(rows, [45 * mm, 35 * mm, 35 * mm, 14 * mm, 20 * mm, usable - 149 * mm], font))
        story += after_table()
    if report.fee_lines:
        story.append(P(L["fees"], "h2"))
        rows = [[C(d), C(a)] for d, a in report.fee_lines] + [[P(L["total"]), C(report.fee_total)]]
        story.append(_table(rows, [usable - 35 * mm, 35 * mm], font, header=False))
        story += after_table()
        if report.fee_facts:
            story.append(
                _table([[P(k), C(v)] for k, v in report.fee_facts], [45 * mm, usable - 45 * mm], font, header=False)
            )
            story += after_table()
    if report.payment:
        story.append(P(L["payment"], "h2"))
        story.append(_table([[P(k), C(v)] for k, v in report.payment], [45 * mm, usable - 45 * mm], font, header=False))
        story += after_table()
    story += [P(L["outcome"], "h2"), *_flowing(report.outcome, st["base"])]
    story.append(P(L["ratings"], "h2"))
    story.append(
        _table(
            [[P(k), C(v)] for k, v in report.ratings]
            + ([[P(L["comment"]), C(report.comment)]] if report.comment else []),
            [45 * mm, usable - 45 * mm],
            font,
            header=False,
        )
    )
    story += after_table()
    story.append(P(L["signature"], "h2"))
    signature = _signature(report.signature_png, 60 * mm)
    signed = Paragraph(
        f"{_esc(L['signed_by'])}: {cell_markup(report.signer_name)}<br/>"
        f"{_esc(L['signed_at'])}: {_esc(report.signed_at)}",
        st["base"],
    )
    sign_rows = [[signature or P(L["no_signature_image"]), signed]]
    story.append(
        Table(
            sign_rows,
            colWidths=[75 * mm, usable - 75 * mm],
            hAlign="LEFT",
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        )
    )
    story += after_table()
    story += [Spacer(1, 6), P(f"{L['service_phone']}: {report.service_phone}", "small")]
    story += _photo_section(report, P, usable)
    return story


def _photo_image(data: bytes, width: float, max_height: float) -> Image | None:
    """A photo as a JPEG flowable: phones upload WebP, which PDF cannot carry (PIL converts it)."""
    try:
        with PILImage.open(io.BytesIO(data)) as img:
            img = img.convert("RGB")
            img.thumbnail((1200, 1200))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=82)
            w, h = img.size
    except Exception:  # an unreadable image must not stop the report
        return None
    scale = min(width / w, max_height / h)
    return Image(io.BytesIO(out.getvalue()), width=w * scale, height=h * scale)


def _photo_section(report: ServiceReport, P, usable: float) -> list:
    """Before and after, side by side, one row per pair [issue #15]."""
    if not report.photos:
        return []
    L = report.labels
    col = usable / 2 - 4 * mm
    sides = {s: [p for p in report.photos if p.photo_set == s] for s in ("before", "after")}
    rows = [[P(L["photo_before"], "h2"), P(L["photo_after"], "h2")]]
    for i in range(max(len(v) for v in sides.values())):
        row = []
        for s in ("before", "after"):
            photo = sides[s][i] if i < len(sides[s]) else None
            image = _photo_image(photo.data, col, 70 * mm) if photo else None
            row.append([image, P(photo.caption, "small")] if image and photo.caption else image or "")
        rows.append(row)
    table = Table(rows, colWidths=[usable / 2, usable / 2], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [P(L["photos"], "h2"), table]
