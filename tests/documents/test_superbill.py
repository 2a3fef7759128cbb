"""Superbill and packet: required fields in the extracted text, scrub gating, date ranges."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from knead.billing.claim import PaymentMethod
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.superbill import (
    Superbill,
    SuperbillBlocked,
    issue_superbill,
    render_superbill,
)
from knead.billing.rules import load_rules

from .factories import (
    auto_injury_claim,
    long_names_claim,
    make_claim,
    secondary_claim,
    seven_lines_claim,
    signed_note,
    thirteen_diagnoses_claim,
)

ISSUED = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def pdf_text(pdf: bytes) -> str:
    """All pages' text with runs of whitespace collapsed (wrapped cells rejoin)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_superbill_lists_provider_client_services_diagnoses_and_payment(rules):
    text = pdf_text(issue_superbill(Superbill((make_claim(),), ISSUED, "SB-17"), rules))
    for expected in (
        # practice and provider
        "Fernwood Bodywork PLLC",
        "Dana L. Okonkwo, LMT",
        "410 Fern St, Olympia, WA 98501-2222",
        "(360) 555-0101",
        "1234567893",  # billing NPI
        "1558598797",  # rendering NPI
        "MA61234567 (WA)",  # licence number and state
        "225700000X Massage Therapist",  # taxonomy
        "91-2345678",  # EIN
        # client and coverage
        "Robin K. Testperson",
        "06/09/1984",
        "77 Alder Way, Lacey, WA 98503",
        "SAL-778899",
        "GRP-4411",
        "Salish Health Plan",
        # diagnoses with descriptions (code set text; billing-rules.md §10.2)
        "M54.50",
        "Low back pain, unspecified",
        "M62.830",
        "Muscle spasm of back",
        # service lines: date, POS, code, modifiers, pointers, minutes, units, charge
        "09/15/2026 11 97124 GP",
        "AB 45 3 $105.00",
        "97140 GP 59",
        "B 15 1 $40.00",
        # totals and payment
        "Total charges $145.00",
        "Amount paid by card $145.00",
        "Balance due $0.00",
        "PAID IN FULL: the client paid $145.00 by card",
        "Superbill no. SB-17",
        "Issued 10/31/2026",
        "Signature: Dana L. Okonkwo, LMT",
    ):
        assert expected in text, expected


def test_unpaid_superbill_shows_the_balance_and_no_paid_in_full_statement():
    claim = make_claim(amount_paid="40.00", payment_method="cash")
    text = pdf_text(render_superbill(Superbill((claim,), ISSUED)))
    assert "Amount paid by cash $40.00" in text
    assert "Balance due $105.00" in text  # 145.00 - 40.00
    assert "PAID IN FULL" not in text


def test_referral_prescription_and_injury_details_are_printed():
    text = pdf_text(render_superbill(Superbill((auto_injury_claim(),), ISSUED)))
    for expected in (
        "Sam Varga, DC",
        "1000000004",
        "RX-3301",
        "07/10/2026",  # prescribed on
        "10/10/2026",  # valid until
        "12 visits",
        "Auto accident (PIP)",
        "07/04/2026",
        "RA-CLM-8812",
        "S16.1XXA",
        "Strain of muscle, fascia and tendon at neck level, initial encounter",
    ):
        assert expected in text, expected


def test_date_range_superbill_merges_visits_and_letters_diagnoses_once():
    october = make_claim(
        id="KN-1002",
        diagnoses=["M62.830", "M54.2"],
        lines=[{"service_date": "2026-10-06", "code": "97124", "minutes": 60, "units": 4,
                "charge": "140.00", "pointers": [1, 2]}],
        amount_paid="140.00",
    )  # fmt: skip
    superbill = Superbill((october, make_claim()), ISSUED)
    assert [c.id for c in superbill.claims] == ["KN-1001", "KN-1002"]  # date order
    assert superbill.diagnoses == ("M5450", "M62830", "M542")
    text = pdf_text(render_superbill(superbill))
    assert "Dates of service: 09/15/2026 to 10/06/2026" in text
    assert "C M54.2 Cervicalgia" in text
    # The October line points to M62.830 (B) and M54.2 (C) in the merged lettering.
    assert "10/06/2026 11 97124 Massage therapy" in text
    assert "BC 60 4 $140.00" in text
    assert "Total charges $285.00" in text  # 145.00 + 140.00


def test_a_superbill_cannot_mix_clients():
    different = make_claim(
        id="KN-2",
        patient={"name": {"last": "Else", "first": "Someone"}, "birth_date": "1990-01-01",
                 "sex": "M", "address": {"line1": "1 A St", "city": "Lacey", "state": "WA",
                                         "zip": "98503"}},
    )  # fmt: skip
    with pytest.raises(DocumentError, match="another client"):
        Superbill((make_claim(), different), ISSUED)
    with pytest.raises(DocumentError, match="at least one visit"):
        Superbill((), ISSUED)


def test_scrub_errors_block_issuing_with_the_reasons(rules):
    claim = make_claim(note_signed=False, diagnoses=[])
    with pytest.raises(SuperbillBlocked) as blocked:
        issue_superbill(Superbill((claim,), ISSUED), rules)
    rule_ids = [e.finding.rule for e in blocked.value.errors]
    assert "DX_MISSING" in rule_ids
    assert "NOTE_UNSIGNED" in rule_ids
    assert "not signed" in str(blocked.value)


def test_units_that_do_not_match_minutes_block_the_superbill(rules):
    # CMS table (billing-rules.md §3.1): 30 minutes is 2 units, not 4.
    claim = make_claim(
        lines=[
            {
                "service_date": "2026-09-15",
                "code": "97124",
                "minutes": 30,
                "units": 4,
                "charge": "100.00",
                "pointers": [1],
            }
        ]
    )
    with pytest.raises(SuperbillBlocked) as blocked:
        issue_superbill(Superbill((claim,), ISSUED), rules)
    assert [e.finding.rule for e in blocked.value.errors] == ["UNITS_MINUTES_MISMATCH"]


def test_packet_puts_each_signed_note_after_the_superbill(rules):
    second = signed_note(visit_date=dt.date(2026, 9, 8), signed_at=dt.datetime(2026, 9, 8, 17),
                         amendments=())  # fmt: skip
    pdf = issue_superbill(Superbill((make_claim(),), ISSUED), rules, notes=(signed_note(), second))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 3
    assert "Superbill" in pages[0]
    assert "SOAP Note (signed)" in pages[1] and "09/08/2026" in pages[1]  # earlier visit first
    assert "SOAP Note (signed)" in pages[2] and "Amendment 1" in pages[2]


@pytest.mark.parametrize(
    "factory",
    [seven_lines_claim, thirteen_diagnoses_claim, auto_injury_claim, secondary_claim,
     long_names_claim],
)  # fmt: skip
def test_edge_case_superbills_render_every_line_and_diagnosis(factory):
    claim = factory()
    text = pdf_text(render_superbill(Superbill((claim,), ISSUED)))
    for code in claim.diagnoses:
        dotted = code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"
        assert dotted in text
    assert text.count(" 97") >= len(claim.lines)
    assert f"Total charges ${claim.total_charge:,.2f}" in text


def test_long_names_and_addresses_wrap_instead_of_being_cut():
    text = pdf_text(render_superbill(Superbill((long_names_claim(),), ISSUED)))
    assert "Maximiliana-Josephine Q. Vandermeulen-Castellanos-Worthington" in text
    assert "12345 Northeast Extraordinarily Long Boulevard Apartment 1203B" in text


def test_each_page_of_a_packet_names_its_document_in_the_footer(rules):
    long_note = signed_note(objective=" ".join(["Tender points along the erectors."] * 200))
    pdf = issue_superbill(Superbill((make_claim(),), ISSUED), rules, notes=(long_note,))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    assert "Superbill - Robin K. Testperson" in pages[0]
    for page in pages[1:]:
        assert "SOAP note - Robin K. Testperson - visit of 09/15/2026" in page


def test_a_superbill_for_two_therapists_names_each_with_their_lines_and_signature():
    other = {
        "name": {"last": "Reyes", "first": "Sam"},
        "npi": "1000000004",
        "taxonomy": "225700000X",
        "license": {"number": "MA60000002", "state": "WA"},
        "credentials": "LMT",
    }
    october = make_claim(
        id="KN-1002", rendering_provider=other, amount_paid="140.00",
        lines=[{"service_date": "2026-10-06", "code": "97124", "minutes": 60, "units": 4,
                "charge": "140.00", "pointers": [1]}],
    )  # fmt: skip
    superbill = Superbill((october, make_claim()), ISSUED)
    assert [t.npi for t in superbill.therapists] == ["1558598797", "1000000004"]
    pdf = render_superbill(superbill)
    text = pdf_text(pdf)
    assert "THERAPISTS 2, listed below" in text
    assert "Dana L. Okonkwo, LMT 1558598797 MA61234567 (WA)" in text
    assert "Sam Reyes, LMT 1000000004 MA60000002 (WA)" in text
    # Each line carries the NPI it was given under (CMS-1500 box 24J).
    assert (
        "10/06/2026 11 97124 Massage therapy: effleurage, petrissage, tapotement 1000000004 A 60 4 "
        "$140.00"
    ) in text
    assert text.count("Signature: Dana L. Okonkwo, LMT") == 1
    assert text.count("Signature: Sam Reyes, LMT") == 1
    last_page = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()
    assert "Okonkwo, LMT" in last_page and "Reyes, LMT" in last_page  # signed on one page


def test_a_one_visit_superbill_with_many_diagnoses_fits_its_page_certification_included():
    # 12 diagnoses go in two columns; the payment and the certification stay together.
    pdf = render_superbill(Superbill((thirteen_diagnoses_claim(),), ISSUED, "SB-13"))
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 1
    assert "I certify that the services listed" in pages[0]
    assert "Signature: Dana L. Okonkwo, LMT" in pages[0]


def test_a_superbill_with_nothing_paid_says_so_and_names_no_method():
    claim = make_claim(amount_paid="0.00", payment_method="card")
    text = pdf_text(render_superbill(Superbill((claim,), ISSUED)))
    assert "Amount paid $0.00" in text  # no "by card" for nothing paid
    assert "Balance due $145.00" in text
    assert (
        "NOTHING PAID: the client has paid nothing toward the services listed; "
        "$145.00 is due to the practice."
    ) in text
    assert "PAID IN FULL" not in text


def test_the_amount_paid_is_broken_down_by_method_when_the_ledger_gives_it():
    claim = make_claim(amount_paid="145.00", payment_method="card")
    paid_by = ((PaymentMethod.CARD, Decimal("100.00")), (PaymentMethod.HSA_FSA, Decimal("45.00")))
    text = pdf_text(render_superbill(Superbill((claim,), ISSUED, paid_by=paid_by)))
    assert "Paid by card $100.00" in text
    assert "Paid by HSA/FSA card $45.00" in text
    assert "Amount paid $145.00" in text  # 100.00 + 45.00
    assert "PAID IN FULL: the client paid $145.00 by card, HSA/FSA card" in text
    with pytest.raises(DocumentError, match="does not add up"):
        Superbill((claim,), ISSUED, paid_by=((PaymentMethod.CARD, Decimal("100.00")),))


def test_a_superbill_never_mixes_a_health_plan_visit_with_an_injury_case():
    with pytest.raises(DocumentError, match="another payer or injury case"):
        Superbill((make_claim(), auto_injury_claim()), ISSUED)
