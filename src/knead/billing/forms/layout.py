"""Coordinate table of the CMS-1500 (02/12) claim form, in PDF points from the bottom-left corner
of an 8.5 x 11 in page (612 x 792 pt).

Derivation. The 1500 form is designed for pica printing: 10 characters per inch and 6 lines per
inch, i.e. a grid of 85 columns (7.2 pt) by 66 lines (12 pt). Payers' OCR reads the data at
those grid positions on the red ("dropout ink") form. The line/column of each data item follows
the grid positions long used by open-source billing systems that print on the red form (OpenEMR,
``src/Billing/Hcfa1500.php``, GPL; consulted as a reference for the positions, no code taken),
adjusted where a field needed room (21 A-L, 24J, 33b). The grid origin is OpenEMR's calibrated
default print margin: column 1 starts 24 pt from the left edge, line 1 starts 20 pt from the top.

Boxes are rectangles on the same grid. A box spanning columns c0..c1 has its left and right
borders half a column before c0 and before c1 + 1, so data in columns c0..c1-1 stays at least
3.6 pt inside; a box spanning lines l0..l1 has its borders on the grid lines above l0 and below
l1. Each box's label sits in its top line; data sits on later lines (or to the right of a short
label). The printed red form differs by a few points from printer to printer: that is what the
user-adjustable offsets are for (see docs/documents.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

PAGE_WIDTH = 612.0
PAGE_HEIGHT = 792.0
COLUMN_PITCH = 7.2  # 10 characters per inch
LINE_PITCH = 12.0  # 6 lines per inch
GRID_LEFT = 24.0  # x of the left edge of column 1
GRID_TOP = 20.0  # distance from the top of the page to the top of line 1
BORDER_INSET = COLUMN_PITCH / 2
BASELINE_RISE = 2.5  # data baseline above the bottom of its grid line (room for descenders)
DATA_FONT = "Courier"  # monospaced: 12 pt Courier is exactly 10 characters per inch
DATA_FONT_SIZE = 12.0
SERVICE_LINES_PER_PAGE = 6
DIAGNOSES_PER_PAGE = 12
DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"


def column_x(column: int) -> float:
    """x of the left edge of a grid column (1-based)."""
    return GRID_LEFT + (column - 1) * COLUMN_PITCH


def line_bottom_y(line: int) -> float:
    """y of the bottom edge of a grid line (1-based, counted from the top)."""
    return PAGE_HEIGHT - GRID_TOP - line * LINE_PITCH


def baseline_y(line: int) -> float:
    """y of the data baseline on a grid line."""
    return line_bottom_y(line) + BASELINE_RISE


@dataclass(frozen=True, slots=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    def contains(self, other: Rect, tolerance: float = 0.01) -> bool:
        return (
            other.x0 >= self.x0 - tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y0 >= self.y0 - tolerance
            and other.y1 <= self.y1 + tolerance
        )


@dataclass(frozen=True, slots=True)
class Box:
    """One numbered item of the form: its label and its rectangle on the grid."""

    id: str
    label: str
    first_line: int
    last_line: int
    first_column: int
    last_column: int

    @property
    def rect(self) -> Rect:
        return Rect(
            column_x(self.first_column) - BORDER_INSET,
            line_bottom_y(self.last_line),
            column_x(self.last_column + 1) - BORDER_INSET,
            line_bottom_y(self.first_line - 1),
        )


class FieldKind(StrEnum):
    TEXT = "text"  # printed left-aligned, cut to ``width`` characters
    DATE = "date"  # value YYYY-MM-DD; printed MM DD YY (or YYYY) at col, col+3, col+6
    CHOICE = "choice"  # an X printed in the column of the chosen option
    MONEY = "money"  # value 123.45; dollars right-aligned in width, cents 2 columns after
    PHONE = "phone"  # value 10 digits; area code at col, number (7 digits) at col+4


@dataclass(frozen=True, slots=True)
class Field:
    """Where one box value is printed. ``id`` is the key of the box mapping."""

    id: str
    box: str
    line: int
    column: int
    width: int = 1
    kind: FieldKind = FieldKind.TEXT
    options: tuple[tuple[str, int], ...] = ()  # CHOICE: (value, column)
    year_digits: int = 2  # DATE

    def columns_used(self) -> tuple[int, int]:
        """First and last grid column the field can print in."""
        if self.kind is FieldKind.CHOICE:
            cols = [c for _, c in self.options]
            return min(cols), max(cols)
        if self.kind is FieldKind.DATE:
            return self.column, self.column + 5 + self.year_digits
        if self.kind is FieldKind.MONEY:
            return self.column, self.column + self.width + 2
        if self.kind is FieldKind.PHONE:
            return self.column, self.column + 10
        return self.column, self.column + self.width - 1


def _box(id_: str, label: str, lines: tuple[int, int], cols: tuple[int, int]) -> Box:
    return Box(id_, label, lines[0], lines[1], cols[0], cols[1])


LEFT, MIDDLE, RIGHT = (1, 29), (30, 48), (49, 79)
LEFT_WIDE = (1, 48)

BOXES: tuple[Box, ...] = (
    _box("carrier", "", (1, 5), (41, 79)),
    _box("1", "1.", (7, 8), LEFT_WIDE),
    _box("1a", "1a. INSURED'S I.D. NUMBER  (For Program in Item 1)", (7, 8), RIGHT),
    _box("2", "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", (9, 10), LEFT),
    _box("3", "3. PATIENT'S BIRTH DATE   MM DD YY        SEX", (9, 10), MIDDLE),
    _box("4", "4. INSURED'S NAME (Last Name, First Name, Middle Initial)", (9, 10), RIGHT),
    _box("5", "5. PATIENT'S ADDRESS (No., Street)", (11, 16), LEFT),
    _box("6", "6. PATIENT RELATIONSHIP TO INSURED", (11, 12), MIDDLE),
    _box("7", "7. INSURED'S ADDRESS (No., Street)", (11, 16), RIGHT),
    _box("8", "8. RESERVED FOR NUCC USE", (13, 16), MIDDLE),
    _box("9", "9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)", (17, 18), LEFT),
    _box("9a", "a. OTHER INSURED'S POLICY OR GROUP NUMBER", (19, 20), LEFT),
    _box("9b", "b. RESERVED FOR NUCC USE", (21, 22), LEFT),
    _box("9c", "c. RESERVED FOR NUCC USE", (23, 24), LEFT),
    _box("9d", "d. INSURANCE PLAN NAME OR PROGRAM NAME", (25, 26), LEFT),
    _box("10", "10. IS PATIENT'S CONDITION RELATED TO:", (17, 18), MIDDLE),
    _box("10a", "a. EMPLOYMENT? (Current or Previous)", (19, 20), MIDDLE),
    _box("10b", "b. AUTO ACCIDENT?                PLACE (State)", (21, 22), MIDDLE),
    _box("10c", "c. OTHER ACCIDENT?", (23, 24), MIDDLE),
    _box("10d", "10d. CLAIM CODES (Designated by NUCC)", (25, 26), MIDDLE),
    _box("11", "11. INSURED'S POLICY GROUP OR FECA NUMBER", (17, 18), RIGHT),
    _box("11a", "a. INSURED'S DATE OF BIRTH   MM DD YY                 SEX", (19, 20), RIGHT),
    _box("11b", "b. OTHER CLAIM ID (Designated by NUCC)", (21, 22), RIGHT),
    _box("11c", "c. INSURANCE PLAN NAME OR PROGRAM NAME", (23, 24), RIGHT),
    _box("11d", "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?", (25, 26), RIGHT),
    _box(
        "12",
        "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE  I authorize the release of any "
        "medical or other information necessary to process this claim.",
        (27, 30),
        LEFT_WIDE,
    ),
    _box(
        "13",
        "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE  I authorize payment of medical "
        "benefits to the undersigned physician or supplier.",
        (27, 30),
        RIGHT,
    ),
    _box("14", "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)", (31, 32), LEFT),
    _box("15", "15. OTHER DATE", (31, 32), MIDDLE),
    _box("16", "16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION", (31, 32), RIGHT),
    _box("17", "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", (33, 34), LEFT),
    _box("17a", "17a.", (33, 33), MIDDLE),
    _box("17b", "17b. NPI", (34, 34), MIDDLE),
    _box("18", "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES", (33, 34), RIGHT),
    _box("19", "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)", (35, 36), LEFT_WIDE),
    _box("20", "20. OUTSIDE LAB?                 $ CHARGES", (35, 36), RIGHT),
    _box(
        "21",
        "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY  Relate A-L to service line below (24E)",
        (37, 40),
        LEFT_WIDE,
    ),
    _box("22", "22. RESUBMISSION CODE          ORIGINAL REF. NO.", (37, 38), RIGHT),
    _box("23", "23. PRIOR AUTHORIZATION NUMBER", (39, 40), RIGHT),
    _box("24", "", (41, 42), (1, 79)),
    _box("24A", "A. DATE(S) OF SERVICE", (43, 54), (1, 18)),
    _box("24B", "B.", (43, 54), (19, 21)),
    _box("24C", "C.", (43, 54), (22, 23)),
    _box("24D", "D.", (43, 54), (24, 44)),
    _box("24E", "E.", (43, 54), (45, 49)),
    _box("24F", "F.", (43, 54), (50, 58)),
    _box("24G", "G.", (43, 54), (59, 62)),
    _box("24H", "H.", (43, 54), (63, 65)),
    _box("24I", "I.", (43, 54), (66, 68)),
    _box("24J", "J.", (43, 54), (69, 79)),
    _box("25", "25. FEDERAL TAX I.D. NUMBER", (55, 56), (1, 21)),
    _box("26", "26. PATIENT'S ACCOUNT NO.", (55, 56), (22, 36)),
    _box("27", "27. ACCEPT ASSIGNMENT?", (55, 56), (37, 48)),
    _box("28", "28. TOTAL CHARGE", (55, 56), (49, 60)),
    _box("29", "29. AMOUNT PAID", (55, 56), (61, 70)),
    _box("30", "30. Rsvd for NUCC Use", (55, 56), (71, 79)),
    _box(
        "31",
        "31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS",
        (57, 61),
        (1, 21),
    ),
    _box("32", "32. SERVICE FACILITY LOCATION INFORMATION", (57, 60), (22, 48)),
    _box("32a", "a.", (61, 61), (22, 34)),
    _box("32b", "b.", (61, 61), (35, 48)),
    _box("33", "33. BILLING PROVIDER INFO & PH #", (57, 60), RIGHT),
    _box("33a", "a.", (61, 61), (49, 61)),
    _box("33b", "b.", (61, 61), (62, 79)),
)

_YES_NO_MIDDLE = (("Y", 35), ("N", 41))


def _text(id_: str, box: str, line: int, column: int, width: int) -> Field:
    return Field(id_, box, line, column, width)


def _date(id_: str, box: str, line: int, column: int, year_digits: int = 2) -> Field:
    return Field(id_, box, line, column, kind=FieldKind.DATE, year_digits=year_digits)


def _choice(id_: str, box: str, line: int, *options: tuple[str, int]) -> Field:
    return Field(id_, box, line, options[0][1], kind=FieldKind.CHOICE, options=options)


def _money(id_: str, box: str, line: int, column: int, dollar_width: int) -> Field:
    return Field(id_, box, line, column, dollar_width, kind=FieldKind.MONEY)


def _phone(id_: str, box: str, line: int, column: int) -> Field:
    return Field(id_, box, line, column, kind=FieldKind.PHONE)


def service_line_fields(n: int) -> tuple[Field, ...]:
    """The Box 24 fields of service line ``n`` (1-6): a shaded line above an unshaded one."""
    shaded, line = 41 + 2 * n, 42 + 2 * n
    p = f"24.{n}."
    return (
        _date(p + "A.from", "24A", line, 1),
        _date(p + "A.to", "24A", line, 10),
        _text(p + "B", "24B", line, 19, 2),
        _text(p + "C", "24C", line, 22, 1),
        _text(p + "D", "24D", line, 25, 6),
        _text(p + "D.modifiers", "24D", line, 33, 11),
        _text(p + "E", "24E", line, 45, 4),
        _money(p + "F", "24F", line, 50, 5),
        _text(p + "G", "24G", line, 59, 3),
        _text(p + "H", "24H", line, 63, 2),
        _text(p + "I", "24I", shaded, 66, 2),
        _text(p + "J.other", "24J", shaded, 69, 10),
        _text(p + "J", "24J", line, 69, 10),
    )


def _diagnosis_fields() -> tuple[Field, ...]:
    columns = (3, 15, 27, 39)
    return tuple(
        _text(f"21.{letter}", "21", 38 + i // 4, columns[i % 4], 7)
        for i, letter in enumerate(DIAGNOSIS_LETTERS)
    )


FIELDS: tuple[Field, ...] = (
    _text("carrier.name", "carrier", 2, 41, 38),
    _text("carrier.address1", "carrier", 3, 41, 38),
    _text("carrier.address2", "carrier", 4, 41, 38),
    _text("carrier.city_state_zip", "carrier", 5, 41, 38),
    _choice(
        "1",
        "1",
        8,
        ("MEDICARE", 1),
        ("MEDICAID", 8),
        ("TRICARE", 15),
        ("CHAMPVA", 24),
        ("GROUP", 31),
        ("FECA", 39),
        ("OTHER", 45),
    ),
    _text("1a", "1a", 8, 50, 29),
    _text("2", "2", 10, 1, 28),
    _date("3.birth_date", "3", 10, 31, 4),
    _choice("3.sex", "3", 10, ("M", 42), ("F", 47)),
    _text("4", "4", 10, 50, 29),
    _text("5.street", "5", 12, 1, 28),
    _text("5.city", "5", 14, 1, 23),
    _text("5.state", "5", 14, 26, 2),
    _text("5.zip", "5", 16, 1, 12),
    _phone("5.phone", "5", 16, 15),
    _choice("6", "6", 12, ("SELF", 33), ("SPOUSE", 38), ("CHILD", 42), ("OTHER", 47)),
    _text("7.street", "7", 12, 50, 29),
    _text("7.city", "7", 14, 50, 22),
    _text("7.state", "7", 14, 74, 2),
    _text("7.zip", "7", 16, 50, 12),
    _phone("7.phone", "7", 16, 65),
    _text("9", "9", 18, 1, 28),
    _text("9a", "9a", 20, 1, 28),
    _text("9d", "9d", 26, 1, 28),
    _choice("10a", "10a", 20, *_YES_NO_MIDDLE),
    _choice("10b", "10b", 22, *_YES_NO_MIDDLE),
    _text("10b.state", "10b", 22, 45, 2),
    _choice("10c", "10c", 24, *_YES_NO_MIDDLE),
    _text("10d", "10d", 26, 31, 16),
    _text("11", "11", 18, 50, 29),
    _date("11a.birth_date", "11a", 20, 53, 4),
    _choice("11a.sex", "11a", 20, ("M", 68), ("F", 75)),
    _text("11b.qualifier", "11b", 22, 50, 2),
    _text("11b", "11b", 22, 55, 24),
    _text("11c", "11c", 24, 50, 29),
    _choice("11d", "11d", 26, ("Y", 52), ("N", 57)),
    _text("12", "12", 30, 7, 22),
    _date("12.date", "12", 30, 37),
    _text("13", "13", 30, 55, 23),
    _date("14", "14", 32, 2, 4),
    _text("14.qualifier", "14", 32, 16, 3),
    _text("15.qualifier", "15", 32, 31, 3),
    _date("15", "15", 32, 37, 4),
    _date("16.from", "16", 32, 54, 4),
    _date("16.to", "16", 32, 68, 4),
    _text("17.qualifier", "17", 34, 1, 2),
    _text("17", "17", 34, 4, 25),
    _text("17a.qualifier", "17a", 33, 33, 2),
    _text("17a", "17a", 33, 36, 12),
    _text("17b", "17b", 34, 36, 10),
    _date("18.from", "18", 34, 54, 4),
    _date("18.to", "18", 34, 68, 4),
    _text("19", "19", 36, 1, 47),
    _choice("20", "20", 36, ("Y", 52), ("N", 57)),
    _money("20.charges", "20", 36, 63, 5),
    _text("21.ind", "21", 37, 47, 1),
    *_diagnosis_fields(),
    _text("22.code", "22", 38, 50, 11),
    _text("22.original_ref", "22", 38, 62, 17),
    _text("23", "23", 40, 50, 29),
    *(field for n in range(1, SERVICE_LINES_PER_PAGE + 1) for field in service_line_fields(n)),
    _text("25", "25", 56, 1, 15),
    _choice("25.kind", "25", 56, ("SSN", 17), ("EIN", 19)),
    _text("26", "26", 56, 23, 13),
    _choice("27", "27", 56, ("Y", 38), ("N", 43)),
    _money("28", "28", 56, 51, 6),
    _money("29", "29", 56, 62, 5),
    _text("31", "31", 60, 1, 20),
    _date("31.date", "31", 61, 10, 4),
    _text("32.name", "32", 58, 23, 25),
    _text("32.street", "32", 59, 23, 25),
    _text("32.city_state_zip", "32", 60, 23, 25),
    _text("32a", "32a", 61, 24, 10),
    _text("32b", "32b", 61, 37, 11),
    _phone("33.phone", "33", 57, 66),
    _text("33.name", "33", 58, 50, 29),
    _text("33.street", "33", 59, 50, 29),
    _text("33.city_state_zip", "33", 60, 50, 29),
    _text("33a", "33a", 61, 51, 10),
    _text("33b.qualifier", "33b", 61, 64, 2),
    _text("33b", "33b", 61, 66, 13),
)


@cache
def boxes_by_id() -> dict[str, Box]:
    return {box.id: box for box in BOXES}


@cache
def fields_by_id() -> dict[str, Field]:
    return {field.id: field for field in FIELDS}


def field_rect(field: Field) -> Rect:
    """The grid cells a field can print in (full cell height of its line)."""
    first, last = field.columns_used()
    return Rect(
        column_x(first),
        line_bottom_y(field.line),
        column_x(last + 1),
        line_bottom_y(field.line - 1),
    )
