"""Print CMS-1500 box values: a full replica of the red form, or data only for pre-printed forms.

Data is printed in 12 pt Courier (exactly 10 characters per inch, the pica pitch the form is
designed for) on the grid of ``forms.layout``; text is cut to each field's width so it never
leaves its box. Data-only printing is shifted by a user offset in millimetres to line up with a
given printer and stock of red forms (+x moves right, +y moves down).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import BinaryIO

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from knead.billing.claim import Claim
from knead.billing.forms.cms1500 import Cms1500Form, Cms1500Page, cms1500_boxes
from knead.billing.forms.layout import (
    BOXES,
    COLUMN_PITCH,
    DATA_FONT,
    DATA_FONT_SIZE,
    DIAGNOSIS_LETTERS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SERVICE_LINES_PER_PAGE,
    Field,
    FieldKind,
    baseline_y,
    boxes_by_id,
    column_x,
    fields_by_id,
    line_bottom_y,
)

FORM_RED = Color(0.82, 0.12, 0.16)
SHADE = Color(1.0, 0.90, 0.90)
LABEL_FONT = "Helvetica"
LABEL_SIZE = 5.2
CAPTION_SIZE = 4.6


_REPLICA_XOBJECT = "cms1500-02-12"


class FormMode(StrEnum):
    REPLICA = "replica"  # the whole form on plain paper, for viewing and archiving
    DATA_ONLY = "data-only"  # only the data, for printing on red pre-printed forms


@dataclass(frozen=True, slots=True)
class PrintOffset:
    """Shift of the data for pre-printed forms, in millimetres: +x right, +y down."""

    x_mm: float = 0.0
    y_mm: float = 0.0


class FormValueError(ValueError):
    """A box value cannot be printed (e.g. an amount larger than the box holds)."""


def field_segments(field: Field, value: str) -> list[tuple[int, str]]:
    """The (column, text) runs a value prints as. Text is cut to the field's width."""
    if not value:
        return []
    if field.kind is FieldKind.TEXT:
        return [(field.column, value[: field.width].rstrip())]
    if field.kind is FieldKind.CHOICE:
        for option, column in field.options:
            if option == value:
                return [(column, "X")]
        allowed = ", ".join(o for o, _ in field.options)
        raise FormValueError(f"Box {field.id}: {value!r} is not one of {allowed}.")
    if field.kind is FieldKind.DATE:
        day = dt.date.fromisoformat(value)
        year = f"{day.year:04d}"[-field.year_digits :]
        return [(field.column, f"{day.month:02d} {day.day:02d} {year}")]
    if field.kind is FieldKind.MONEY:
        amount = Decimal(value).quantize(Decimal("0.01"))
        dollars, cents = f"{amount:.2f}".split(".")
        if len(dollars) > field.width:
            raise FormValueError(
                f"Box {field.id}: {value} does not fit the form's {field.width}-digit amount box."
            )
        return [(field.column, f"{dollars:>{field.width}} {cents}")]
    digits = "".join(ch for ch in value if ch.isdigit())
    return [(field.column, f"{digits[:3]} {digits[3:10]}")]


def render_cms1500(
    forms: Iterable[Cms1500Form],
    *,
    mode: FormMode = FormMode.REPLICA,
    offset: PrintOffset = PrintOffset(),
    out: BinaryIO | None = None,
) -> bytes:
    """Print the forms' pages into one PDF and return its bytes (also written to ``out``)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle("CMS-1500 claim forms")
    canvas.setCreator("Knead")
    pages = 0
    if mode is FormMode.REPLICA:
        # Drawn once and reused by every page: the PDF stays small and fast for batches.
        canvas.beginForm(_REPLICA_XOBJECT)
        draw_replica(canvas)
        canvas.endForm()
    for form in forms:
        for page in form.pages:
            if mode is FormMode.REPLICA:
                canvas.doForm(_REPLICA_XOBJECT)
            draw_data(canvas, page, offset=offset if mode is FormMode.DATA_ONLY else PrintOffset())
            canvas.showPage()
            pages += 1
    if not pages:
        raise FormValueError("There is no claim to print.")
    canvas.save()
    data = buffer.getvalue()
    if out is not None:
        out.write(data)
    return data


def render_claims(
    claims: Iterable[Claim],
    *,
    mode: FormMode = FormMode.REPLICA,
    offset: PrintOffset = PrintOffset(),
    signed_on: dt.date | None = None,
    out: BinaryIO | None = None,
) -> bytes:
    """Map and print claims in one go: ``render_cms1500`` of ``cms1500_boxes`` of each claim."""
    forms = [cms1500_boxes(claim, signed_on=signed_on) for claim in claims]
    return render_cms1500(forms, mode=mode, offset=offset, out=out)


def draw_data(canvas: Canvas, page: Cms1500Page, *, offset: PrintOffset = PrintOffset()) -> None:
    """Print one page's values in their fields (plus 'PAGE n OF m' above the form)."""
    dx, dy = offset.x_mm * mm, -offset.y_mm * mm
    fields = fields_by_id()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(DATA_FONT, DATA_FONT_SIZE)
    if page.count > 1:
        canvas.drawString(
            column_x(1) + dx, baseline_y(1) + dy, f"PAGE {page.number} OF {page.count}"
        )
    for field_id, value in page.values.items():
        field = fields.get(field_id)
        if field is None:
            raise FormValueError(f"Box {field_id} has no place on the form layout.")
        for column, text in field_segments(field, value):
            if text:
                canvas.drawString(column_x(column) + dx, baseline_y(field.line) + dy, text)


# --- The replica of the red form -----------------------------------------------------------

_CAPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    # field id → (where the option captions go, option → caption)
    "1": (
        "above",
        {
            "MEDICARE": "MEDICARE",
            "MEDICAID": "MEDICAID",
            "TRICARE": "TRICARE",
            "CHAMPVA": "CHAMPVA",
            "GROUP": "GROUP HEALTH PLAN",
            "FECA": "FECA BLK LUNG",
            "OTHER": "OTHER",
        },
    ),
    "3.sex": ("left", {"M": "M", "F": "F"}),
    "6": ("left", {"SELF": "Self", "SPOUSE": "Spouse", "CHILD": "Child", "OTHER": "Other"}),
    "10a": ("left", {"Y": "YES", "N": "NO"}),
    "10b": ("left", {"Y": "YES", "N": "NO"}),
    "10c": ("left", {"Y": "YES", "N": "NO"}),
    "11a.sex": ("left", {"M": "M", "F": "F"}),
    "11d": ("left", {"Y": "YES", "N": "NO"}),
    "20": ("left", {"Y": "YES", "N": "NO"}),
    "25.kind": ("above", {"SSN": "SSN", "EIN": "EIN"}),
    "27": ("right", {"Y": "YES", "N": "NO"}),
}

_SUBLABELS: tuple[tuple[str, int, int], ...] = (
    # (text, line, column): small captions inside boxes, at the top of their line
    ("CITY", 13, 1),
    ("STATE", 13, 25),
    ("ZIP CODE", 15, 1),
    ("TELEPHONE (Include Area Code)", 15, 14),
    ("CITY", 13, 49),
    ("STATE", 13, 73),
    ("ZIP CODE", 15, 49),
    ("TELEPHONE (Include Area Code)", 15, 64),
    ("QUAL.", 32, 13),
    ("FROM", 32, 51),
    ("TO", 32, 66),
    ("FROM", 34, 51),
    ("TO", 34, 66),
    ("SIGNED", 30, 1),
    ("DATE", 30, 33),
    ("SIGNED", 30, 49),
    ("DATE", 61, 7),
    ("ICD Ind.", 37, 44),
)


def draw_replica(canvas: Canvas) -> None:
    """Draw the empty 1500 form (02/12) in red: rules, shading, labels and check boxes."""
    canvas.saveState()
    _draw_header(canvas)
    _draw_service_line_shading(canvas)
    canvas.setStrokeColor(FORM_RED)
    canvas.setFillColor(FORM_RED)
    canvas.setLineWidth(0.5)
    boxes = boxes_by_id()
    for box in BOXES:
        if box.id == "carrier":
            continue
        r = box.rect
        canvas.rect(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0, stroke=1, fill=0)
        if box.id.startswith("24") and box.id != "24":
            continue
        _draw_label(canvas, box.label, r.x0 + 1.5, r.y1 - LABEL_SIZE - 0.8, r.x1 - r.x0 - 3)
    # Thicker outline around the patient/insured and physician/supplier sections.
    canvas.setLineWidth(1.2)
    top, bottom = boxes["1"].rect, boxes["13"].rect
    canvas.rect(top.x0, bottom.y0, boxes["1a"].rect.x1 - top.x0, top.y1 - bottom.y0)
    top, bottom = boxes["14"].rect, boxes["33a"].rect
    canvas.rect(top.x0, bottom.y0, boxes["33b"].rect.x1 - top.x0, top.y1 - bottom.y0)
    canvas.setLineWidth(0.5)
    _draw_sub_rules(canvas)
    _draw_service_line_header(canvas)
    _draw_checkboxes(canvas)
    canvas.setFont(LABEL_FONT, CAPTION_SIZE)
    for text, line, column in _SUBLABELS:
        canvas.drawString(column_x(column) - 2, line_bottom_y(line - 1) - CAPTION_SIZE - 0.8, text)
    _draw_diagnosis_letters(canvas)
    _draw_side_and_footer(canvas)
    canvas.restoreState()


def _draw_label(canvas: Canvas, text: str, x: float, y: float, width: float) -> None:
    canvas.setFont(LABEL_FONT, LABEL_SIZE)
    for i, line in enumerate(simpleSplit(text, LABEL_FONT, LABEL_SIZE, width)[:3]):
        canvas.drawString(x, y - i * (LABEL_SIZE + 1), line)


def _draw_header(canvas: Canvas) -> None:
    canvas.setFillColor(FORM_RED)
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(column_x(1), baseline_y(3), "1500")
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(column_x(1), baseline_y(4) - 3, "HEALTH INSURANCE CLAIM FORM")
    canvas.setFont(LABEL_FONT, LABEL_SIZE)
    canvas.drawString(
        column_x(1), baseline_y(5) - 1, "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12"
    )
    canvas.setFont("Helvetica-Bold", 6)
    canvas.drawString(column_x(1), baseline_y(6), "PICA")
    canvas.drawString(column_x(76), baseline_y(6), "PICA")
    canvas.setStrokeColor(FORM_RED)
    canvas.setLineWidth(0.5)
    for column in (4, 79):
        canvas.rect(column_x(column) - 2.6, baseline_y(6) - 0.8, 6, 6)


def _draw_service_line_shading(canvas: Canvas) -> None:
    canvas.setFillColor(SHADE)
    left = boxes_by_id()["24A"].rect.x0
    right_i = boxes_by_id()["24I"].rect.x1
    right_j = boxes_by_id()["24J"].rect.x1
    for n in range(1, SERVICE_LINES_PER_PAGE + 1):
        shaded = 41 + 2 * n
        canvas.rect(left, line_bottom_y(shaded), right_i - left, 12, stroke=0, fill=1)
        canvas.rect(right_i, line_bottom_y(shaded), right_j - right_i, 12, stroke=0, fill=1)


def _vline(
    canvas: Canvas, column: int, first_line: int, last_line: int, *, dashed: bool = False
) -> None:
    x = column_x(column) - COLUMN_PITCH / 2
    if dashed:
        canvas.setDash(1, 1.5)
    canvas.line(x, line_bottom_y(last_line), x, line_bottom_y(first_line - 1))
    canvas.setDash()


def _hline(canvas: Canvas, line_above: int, first_column: int, last_column: int) -> None:
    y = line_bottom_y(line_above)
    canvas.line(
        column_x(first_column) - COLUMN_PITCH / 2,
        y,
        column_x(last_column + 1) - COLUMN_PITCH / 2,
        y,
    )


def _draw_sub_rules(canvas: Canvas) -> None:
    for first, last in ((1, 29), (49, 79)):
        _hline(canvas, 12, first, last)
        _hline(canvas, 14, first, last)
    _vline(canvas, 25, 13, 14)
    _vline(canvas, 73, 13, 14)
    _vline(canvas, 14, 15, 16)
    _vline(canvas, 63, 15, 16)
    _vline(canvas, 4, 34, 34, dashed=True)  # 17: qualifier | name
    _vline(canvas, 36, 33, 33, dashed=True)  # 17a: qualifier | id
    _vline(canvas, 53, 22, 22, dashed=True)  # 11b: qualifier | claim id
    _vline(canvas, 62, 38, 38)  # 22: code | original ref
    _vline(canvas, 58, 56, 56, dashed=True)  # 28 dollars | cents
    _vline(canvas, 68, 56, 56, dashed=True)  # 29
    _vline(canvas, 69, 36, 36, dashed=True)  # 20
    canvas.setFont(DATA_FONT, 11)
    for column, line in ((14, 16), (18, 16), (64, 16), (68, 16), (65, 57), (69, 57)):
        canvas.drawString(
            column_x(column) + 1.5, baseline_y(line), "(" if column in (14, 64, 65) else ")"
        )


def _draw_service_line_header(canvas: Canvas) -> None:
    headers = (
        ("24A", "24. A.  DATE(S) OF SERVICE", "From MM DD YY   To MM DD YY"),
        ("24B", "B. PLACE", "OF SERV."),
        ("24C", "C.", "EMG"),
        ("24D", "D. PROCEDURES, SERVICES, OR SUPPLIES", "CPT/HCPCS   |   MODIFIER"),
        ("24E", "E. DIAG.", "POINTER"),
        ("24F", "F.", "$ CHARGES"),
        ("24G", "G. DAYS", "OR UNITS"),
        ("24H", "H. EPSDT", "Fam. Plan"),
        ("24I", "I. ID.", "QUAL."),
        ("24J", "J. RENDERING", "PROVIDER ID. #"),
    )
    boxes = boxes_by_id()
    canvas.setFont(LABEL_FONT, CAPTION_SIZE)
    canvas.setFont(LABEL_FONT, 4.2)
    for box_id, first, second in headers:
        r = boxes[box_id].rect
        canvas.line(r.x0, line_bottom_y(40), r.x0, r.y0)
        canvas.drawString(r.x0 + 1.2, line_bottom_y(41) + 2, first)
        canvas.drawString(r.x0 + 1.2, line_bottom_y(42) + 2, second)
    left, right = boxes["24A"].rect.x0, boxes["24J"].rect.x1
    for n in range(1, SERVICE_LINES_PER_PAGE + 1):
        shaded, line = 41 + 2 * n, 42 + 2 * n
        canvas.line(left, line_bottom_y(line), right, line_bottom_y(line))
        canvas.setDash(1, 1.5)
        canvas.line(left, line_bottom_y(shaded), right, line_bottom_y(shaded))
        canvas.setDash()
        canvas.setFont("Helvetica-Bold", 7)
        canvas.drawString(left - 8, line_bottom_y(line) + 3, str(n))
        canvas.setFont(LABEL_FONT, CAPTION_SIZE)
        canvas.drawString(boxes["24I"].rect.x0 + 2, line_bottom_y(line) + 3, "NPI")
        for column in (4, 7, 13, 16, 36, 39, 42):
            _vline(canvas, column, line, line, dashed=True)
        _vline(canvas, 56, line, line, dashed=True)
        _vline(canvas, 32, line, line)


def _draw_checkboxes(canvas: Canvas) -> None:
    fields = fields_by_id()
    canvas.setFont(LABEL_FONT, CAPTION_SIZE)
    for field_id, (where, captions) in _CAPTIONS.items():
        field = fields[field_id]
        y = baseline_y(field.line)
        for option, column in field.options:
            x = column_x(column)
            canvas.rect(x, y - 0.5, COLUMN_PITCH, COLUMN_PITCH, stroke=1, fill=0)
            caption = captions[option]
            if where == "left":
                canvas.drawRightString(x - 1.8, y + 0.5, caption)
            elif where == "right":
                canvas.drawString(x + COLUMN_PITCH + 0.8, y + 0.5, caption)
            else:
                canvas.drawString(x, line_bottom_y(field.line - 1) + 1.5, caption)
    field = fields["21.ind"]
    canvas.rect(column_x(field.column), baseline_y(field.line) - 0.5, COLUMN_PITCH, COLUMN_PITCH)


def _draw_diagnosis_letters(canvas: Canvas) -> None:
    fields = fields_by_id()
    canvas.setFont(LABEL_FONT, LABEL_SIZE)
    for letter in DIAGNOSIS_LETTERS:
        field = fields[f"21.{letter}"]
        x0, y = column_x(field.column), baseline_y(field.line)
        canvas.drawRightString(x0 - 2, y, f"{letter}.")
        canvas.line(x0, y - 1.5, x0 + field.width * COLUMN_PITCH, y - 1.5)


def _draw_side_and_footer(canvas: Canvas) -> None:
    boxes = boxes_by_id()
    x = boxes["1a"].rect.x1 + 7
    canvas.setFont("Helvetica-Bold", 5.5)
    for text, top, bottom in (
        ("CARRIER", boxes["carrier"].rect.y1, boxes["1"].rect.y1),
        ("PATIENT AND INSURED INFORMATION", boxes["1"].rect.y1, boxes["13"].rect.y0),
        ("PHYSICIAN OR SUPPLIER INFORMATION", boxes["14"].rect.y1, boxes["33a"].rect.y0),
    ):
        canvas.saveState()
        canvas.translate(x, (top + bottom) / 2)
        canvas.rotate(-90)
        canvas.drawCentredString(0, 0, text)
        canvas.restoreState()
    canvas.setFont(LABEL_FONT, 5.5)
    y = line_bottom_y(62) + 3
    canvas.drawString(column_x(1), y, "NUCC Instruction Manual available at: www.nucc.org")
    canvas.setFont("Helvetica-Bold", 6.5)
    canvas.drawCentredString(column_x(40), y, "PLEASE PRINT OR TYPE")
    canvas.setFont(LABEL_FONT, 5.5)
    canvas.drawRightString(boxes["33b"].rect.x1, y, "APPROVED OMB-0938-1197 FORM 1500 (02-12)")


def form_text(form: Cms1500Form) -> str:
    """The data of every page as a 66-line x 80-column character grid (for golden files)."""
    fields = fields_by_id()
    pages = []
    for page in form.pages:
        grid = [[" "] * 80 for _ in range(66)]
        if page.count > 1:
            _put(grid, 1, 1, f"PAGE {page.number} OF {page.count}")
        for field_id, value in page.values.items():
            field = fields[field_id]
            for column, text in field_segments(field, value):
                _put(grid, field.line, column, text)
        pages.append("\n".join("".join(row).rstrip() for row in grid).rstrip() + "\n")
    return "\f\n".join(pages)


def _put(grid: list[list[str]], line: int, column: int, text: str) -> None:
    for i, char in enumerate(text):
        grid[line - 1][column - 1 + i] = char
