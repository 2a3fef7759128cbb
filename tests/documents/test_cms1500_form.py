"""CMS-1500 layout and printing: every value lands inside its box, text is extractable, golden
text grids, red-form offsets. Coordinates are points from the bottom-left of a 612 x 792 page."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from pypdf import PdfReader

from knead.billing.forms.cms1500 import Cms1500Form, Cms1500Page, cms1500_boxes
from knead.billing.forms.layout import (
    BOXES,
    FIELDS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Rect,
    baseline_y,
    boxes_by_id,
    column_x,
    field_rect,
    fields_by_id,
)
from knead.billing.forms.render import (
    FormMode,
    FormValueError,
    PrintOffset,
    field_segments,
    form_text,
    render_claims,
    render_cms1500,
)

from .factories import (
    GOLDEN,
    LONG_NAME,
    REWRITE,
    auto_injury_claim,
    client_filed_claim,
    long_names_claim,
    make_claim,
    secondary_claim,
    seven_lines_claim,
    thirteen_diagnoses_claim,
)

COURIER_12_ADVANCE = 7.2  # 600/1000 em x 12 pt
COURIER_12_DESCENT, COURIER_12_CAP = 12 * 0.157, 12 * 0.562
MM = 72 / 25.4


def test_grid_is_pica_with_the_calibrated_origin():
    # Hand calculation: column 50 starts at 24 + 49 x 7.2 = 376.8 pt; line 8 (Box 1a data) has
    # its bottom at 792 - 20 - 8 x 12 = 676 pt and its baseline 2.5 pt higher.
    assert column_x(50) == pytest.approx(376.8)
    assert baseline_y(8) == pytest.approx(678.5)
    box_1a = boxes_by_id()["1a"].rect
    # Box 1a: columns 49..79, lines 7..8 -> x 24 + 48 x 7.2 - 3.6 = 366.0 to 24 + 79 x 7.2 - 3.6
    # = 589.2; y from 792 - 20 - 96 = 676 up to 792 - 20 - 72 = 700.
    assert (box_1a.x0, box_1a.x1, box_1a.y0, box_1a.y1) == pytest.approx((366.0, 589.2, 676, 700))


def test_every_box_is_on_the_page_and_no_two_boxes_overlap():
    page = Rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    for box in BOXES:
        assert page.contains(box.rect), box.id
    for a, b in itertools.combinations(BOXES, 2):
        ra, rb = a.rect, b.rect
        overlap_x = min(ra.x1, rb.x1) - max(ra.x0, rb.x0)
        overlap_y = min(ra.y1, rb.y1) - max(ra.y0, rb.y0)
        assert overlap_x <= 0.01 or overlap_y <= 0.01, (a.id, b.id)


def test_every_field_fits_inside_its_box_with_room_to_spare():
    for field in FIELDS:
        box = boxes_by_id()[field.box].rect
        inner = Rect(box.x0 + 3.5, box.y0, box.x1 - 3.5, box.y1)
        assert inner.contains(field_rect(field)), field.id


def _drawn_text(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """(text, x, y) of every string drawn in Courier, per page, via pypdf's text visitor."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip() and font and "Courier" in str(font.get("/BaseFont", "")):
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((text, x, y))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def _expected_boxes(page: Cms1500Page) -> dict[str, list[tuple[str, int]]]:
    """Printed text (stripped) -> the boxes that should hold it and the drawn string's length."""
    fields = fields_by_id()
    out: dict[str, list[tuple[str, int]]] = {}
    for field_id, value in page.values.items():
        field = fields[field_id]
        for _, text in field_segments(field, value):
            out.setdefault(text.strip(), []).append((field.box, len(text)))
    return out


@pytest.mark.parametrize("offset", [PrintOffset(), PrintOffset(2.5, -1.5)])
@pytest.mark.parametrize(
    "claim_factory",
    [make_claim, auto_injury_claim, secondary_claim, thirteen_diagnoses_claim, long_names_claim],
)
def test_each_value_is_drawn_inside_its_box(claim_factory, offset):
    form = cms1500_boxes(claim_factory())
    pdf = render_cms1500([form], mode=FormMode.DATA_ONLY, offset=offset)
    dx, dy = offset.x_mm * MM, -offset.y_mm * MM
    for page, runs in zip(form.pages, _drawn_text(pdf), strict=True):
        expected = _expected_boxes(page)
        seen = set()
        for text, x, y in runs:
            text = text.strip()  # pypdf may add a space or line break around a run
            if text.startswith("PAGE "):
                continue
            assert text in expected, f"unexpected text {text!r}"
            homes = expected[text]
            assert any(
                boxes_by_id()[box].rect.contains(
                    Rect(
                        x - dx,
                        y - dy - COURIER_12_DESCENT,
                        x - dx + length * COURIER_12_ADVANCE,
                        y - dy + COURIER_12_CAP,
                    )
                )
                for box, length in homes
            ), (text, homes)
            seen.add(text)
        assert seen == set(expected)


def test_offsets_move_the_data_by_the_given_millimetres():
    form = cms1500_boxes(make_claim())
    plain = _drawn_text(render_cms1500([form], mode=FormMode.DATA_ONLY))[0]
    shifted = _drawn_text(
        render_cms1500([form], mode=FormMode.DATA_ONLY, offset=PrintOffset(10, 5))
    )[0]
    (text, x0, y0), (text2, x1, y1) = plain[0], shifted[0]
    assert text == text2
    # 10 mm = 28.35 pt to the right; 5 mm = 14.17 pt down.
    assert (x1 - x0, y1 - y0) == pytest.approx((28.346, -14.173), abs=0.01)


def _text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("mode", list(FormMode))
def test_codes_appear_as_printed_on_the_form(mode):
    pdf = render_cms1500([cms1500_boxes(make_claim())], mode=mode)
    (page,) = _text_of(pdf)
    assert "M5450" in page and "M62830" in page  # Box 21, no decimal point
    assert "M54.50" not in page
    assert "97124" in page and "97140" in page and "GP 59" in page  # Box 24D
    assert "1558598797" in page  # 24J rendering NPI
    assert "1234567893" in page  # 33a billing NPI
    assert "ZZ" in page and "225700000X" in page  # 33b qualifier and taxonomy
    assert "105 00" in page and "145 00" in page  # 24F and 28, dollars | cents
    assert "09 15 26" in page  # 24A MM DD YY
    if mode is FormMode.REPLICA:
        assert "HEALTH INSURANCE CLAIM FORM" in page
        assert "PATIENT'S NAME" in page
    else:
        assert "HEALTH INSURANCE CLAIM FORM" not in page


def test_several_claims_print_one_after_another_with_continuation_pages():
    forms = [cms1500_boxes(c) for c in (make_claim(), seven_lines_claim(), auto_injury_claim())]
    pages = _text_of(render_cms1500(forms))
    assert len(pages) == 4
    assert "PAGE 1 OF 2" in pages[1] and "PAGE 2 OF 2" in pages[2]
    assert "PAGE 1 OF" not in pages[0]
    assert "RA-CLM-8812" in pages[3]


def test_long_names_are_cut_to_the_box_width():
    page = cms1500_boxes(long_names_claim()).pages[0]
    assert page.get("2") == "VANDERMEULEN-CASTELLANOS-WORTHINGTON, MAXIMILIANA-JOSEPHINE, Q"
    text = form_text(Cms1500Form("x", (page,)))
    line_10 = text.splitlines()[9]
    # Box 2 holds 28 characters (columns 1-28); Box 4 starts at column 50.
    assert line_10[:28] == "VANDERMEULEN-CASTELLANOS-WOR"
    assert line_10[28:49].strip().startswith("06 09 1984")
    assert line_10[49:78] == "VANDERMEULEN-CASTELLANOS-WORT"
    assert LONG_NAME["first"].upper() not in text


def test_an_amount_too_large_for_the_box_is_refused_not_cut():
    claim = make_claim(
        lines=[
            {
                "service_date": "2026-09-15",
                "code": "97124",
                "units": 1,
                "charge": "123456.00",
                "pointers": [1],
            }
        ]
    )
    with pytest.raises(FormValueError, match=r"24\.1\.F"):
        render_cms1500([cms1500_boxes(claim)])


@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("commercial", make_claim),
        ("auto-injury", auto_injury_claim),
        ("secondary", secondary_claim),
        ("seven-lines", seven_lines_claim),
        ("thirteen-diagnoses", thirteen_diagnoses_claim),
        ("long-names", long_names_claim),
        ("client-filed", client_filed_claim),
    ],
)
def test_form_text_matches_golden_file(name, factory):
    """Golden text grids; rewrite with KNEAD_REWRITE_GOLDEN=1 (make golden) and review the diff."""
    actual = form_text(cms1500_boxes(factory()))
    path = GOLDEN / f"cms1500-{name}.txt"
    if REWRITE or not path.exists():
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_render_claims_maps_and_prints_with_the_signature_date():
    pages = _text_of(
        render_claims(
            [make_claim(), seven_lines_claim()],
            mode=FormMode.DATA_ONLY,
            signed_on=dt.date(2026, 10, 2),
        )
    )
    assert len(pages) == 3
    assert all("10 02 2026" in page for page in pages)  # Box 31 date, MM DD YYYY
