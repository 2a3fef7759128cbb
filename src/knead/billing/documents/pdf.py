"""Building blocks for Knead's letter-size documents: styles, page template, tables, formatting.

Documents are ReportLab "stories" (lists of flowables) so that several of them (a superbill and
its SOAP notes) can be laid out one after another in a single packet. Only the PDF base-14
Helvetica fonts are used, so every word stays extractable as text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 0.6 * inch
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = colors.Color(0.12, 0.14, 0.18)
MUTED = colors.Color(0.38, 0.40, 0.45)
RULE = colors.Color(0.78, 0.80, 0.84)
BAND = colors.Color(0.93, 0.95, 0.97)

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5, textColor=INK)
STYLES: dict[str, ParagraphStyle] = {
    "body": _BASE,
    "small": ParagraphStyle("small", _BASE, fontSize=7.5, leading=9.5),
    "muted": ParagraphStyle("muted", _BASE, fontSize=7.5, leading=9.5, textColor=MUTED),
    "title": ParagraphStyle("title", _BASE, fontName="Helvetica-Bold", fontSize=15, leading=19),
    "h2": ParagraphStyle(
        "h2",
        _BASE,
        fontName="Helvetica-Bold",
        fontSize=10.5,
        leading=14,
        spaceBefore=8,
        spaceAfter=3,
    ),
    "label": ParagraphStyle(
        "label", _BASE, fontName="Helvetica-Bold", fontSize=7, leading=9, textColor=MUTED
    ),
    "label_right": ParagraphStyle(
        "label_right",
        _BASE,
        fontName="Helvetica-Bold",
        fontSize=7,
        leading=9,
        textColor=MUTED,
        alignment=TA_RIGHT,
    ),
    "cell": ParagraphStyle("cell", _BASE, fontSize=8, leading=10),
    "cell_bold": ParagraphStyle(
        "cell_bold", _BASE, fontName="Helvetica-Bold", fontSize=8, leading=10
    ),
    "cell_right": ParagraphStyle("cell_right", _BASE, fontSize=8, leading=10, alignment=TA_RIGHT),
    "letter": ParagraphStyle("letter", _BASE, fontSize=10.5, leading=14.5, spaceAfter=8),
    "statement": ParagraphStyle(
        "statement", _BASE, fontName="Helvetica-Bold", fontSize=10, leading=13, spaceBefore=4
    ),
}


def text(value: object, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped; newlines kept as line breaks)."""
    return Paragraph(escape(str(value)).replace("\n", "<br/>"), STYLES[style])


def rich(markup: str, style: str = "body") -> Paragraph:
    """A paragraph of ReportLab mini-markup built by the caller from escaped values."""
    return Paragraph(markup, STYLES[style])


def money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,}"


def us_date(day: dt.date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def us_datetime(moment: dt.datetime) -> str:
    return moment.strftime("%m/%d/%Y %H:%M") + (f" {moment.tzname()}" if moment.tzinfo else "")


def phone(digits: str | None) -> str:
    if not digits:
        return ""
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else digits


def heading(title: str) -> Paragraph:
    return text(title, "h2")


def field_grid(rows: Sequence[Sequence[tuple[str, str]]], widths: Sequence[float]) -> Table:
    """A grid of small-caps labels over values: each row is a list of (label, value) cells."""
    data = [
        [
            [text(label.upper(), "label"), text(value or "-", "cell")] if label else ""
            for label, value in row
        ]
        for row in rows
    ]
    table = Table(data, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    right_columns: Sequence[int] = (),
    footer: Sequence[Sequence[Any]] = (),
) -> Table:
    """A ruled table; cells wrap inside their column. Footer rows are bold."""

    def cell(value: Any, column: int, bold: bool = False) -> Any:
        if isinstance(value, Flowable):
            return value
        style = "cell_bold" if bold else ("cell_right" if column in right_columns else "cell")
        if bold and column in right_columns:
            style = "cell_right"
            return rich(f"<b>{escape(str(value))}</b>", style)
        return text(value, style)

    # Amount headings sit over their right-aligned figures.
    data = [
        [
            text(h.upper(), "label_right" if i in right_columns else "label")
            for i, h in enumerate(header)
        ]
    ]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    data += [[cell(v, i, bold=True) for i, v in enumerate(row)] for row in footer]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if footer:
        style.append(("LINEABOVE", (0, -len(footer)), (-1, -len(footer)), 0.8, INK))
    table.setStyle(TableStyle(style))
    return table


def signature_block(
    signer: str, *, statement: str = "", date_label: str = "Date", signed: str | None = None
) -> Flowable:
    """A signature line with the signer's printed name and a date line, kept on one page
    together with the statement being signed."""
    return KeepTogether(
        signature_parts(signer, statement=statement, date_label=date_label, signed=signed)
    )


def signature_parts(
    signer: str, *, statement: str = "", date_label: str = "Date", signed: str | None = None
) -> list[Flowable]:
    """The flowables of ``signature_block``, for a caller that keeps them together with more
    (ReportLab cannot nest one kept-together group in another)."""
    sign_value = text(signed, "cell") if signed else text(" ", "cell")
    table = Table(
        [
            [sign_value, "", text(" ", "cell")],
            [text(f"Signature: {signer}", "small"), "", text(date_label, "small")],
        ],
        colWidths=[3.4 * inch, 0.4 * inch, 1.8 * inch],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, INK),
                ("TOPPADDING", (0, 0), (-1, 0), 18),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    head: list[Flowable] = [Spacer(1, 6)]
    if statement:
        head.append(text(statement, "small"))
    return [*head, table]


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The practice's name and contact lines printed at the top of each page."""

    name: str
    lines: tuple[str, ...] = ()


def _fit(value: str, font: str, size: float, width: float) -> str:
    """Cut ``value`` with an ellipsis so it fits ``width`` points."""
    if stringWidth(value, font, size) <= width:
        return value
    while value and stringWidth(value + "...", font, size) > width:
        value = value[:-1]
    return value.rstrip() + "..."


def _draw_letterhead(canvas: Canvas, letterhead: Letterhead) -> None:
    """Name left and contact lines right on one line; on two lines when they do not fit."""
    top = PAGE_HEIGHT - 0.45 * inch
    contact = "  |  ".join(letterhead.lines)
    name_width = stringWidth(letterhead.name, "Helvetica-Bold", 10)
    contact_width = stringWidth(contact, "Helvetica", 7.5)
    one_line = name_width + contact_width + 18 <= CONTENT_WIDTH
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(MARGIN, top, _fit(letterhead.name, "Helvetica-Bold", 10, CONTENT_WIDTH))
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(MUTED)
    if one_line:
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, contact)
        rule_y = top - 0.07 * inch
    else:
        canvas.drawString(MARGIN, top - 10, _fit(contact, "Helvetica", 7.5, CONTENT_WIDTH))
        rule_y = top - 10 - 0.07 * inch
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, rule_y, PAGE_WIDTH - MARGIN, rule_y)


def _page_decorator(letterhead: Letterhead | None, footer: str) -> Callable[[Canvas, Any], None]:
    def decorate(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        if letterhead:
            _draw_letterhead(canvas, letterhead)
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 0.4 * inch, footer)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 0.4 * inch, f"Page {doc.page}")
        canvas.restoreState()

    return decorate


def build_pdf(
    story: list[Flowable],
    *,
    title: str,
    letterhead: Letterhead | None = None,
    footer: str = "",
    section_footers: dict[str, str] | None = None,
    out: BinaryIO | None = None,
) -> bytes:
    """Lay out a story on letter pages and return the PDF bytes (also written to ``out``).

    ``section_footers`` adds page templates (id → footer text) that a story switches to with
    ``NextPageTemplate(id)``, so each document of a packet names itself on its pages.
    """
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.75 * inch,
        bottomMargin=0.7 * inch,
        title=title,
        author=letterhead.name if letterhead else "",
        creator="Knead",
        pageCompression=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    footers = {"page": footer, **(section_footers or {})}
    doc.addPageTemplates(
        [
            PageTemplate(id=template_id, frames=[frame], onPage=_page_decorator(letterhead, text_))
            for template_id, text_ in footers.items()
        ]
    )
    doc.build(story)
    data = buffer.getvalue()
    if out is not None:
        out.write(data)
    return data
