"""Code sets and identifiers: ICD-10-CM validity, code lists, NPI and tax IDs (billing-rules.md
§4, §5, §7, §10)."""

from __future__ import annotations

import pytest

from knead.billing.codes.code_lists import (
    ClaimFilingIndicator,
    Modifier,
    PlaceOfService,
    TaxonomyCode,
    code_list,
)
from knead.billing.codes.icd10 import IcdCode, IcdIssue, icd10_issue
from knead.billing.codes.procedures import catalog
from knead.billing.errors import InvalidCode
from knead.billing.identifiers import Npi, TaxId, TaxIdKind, npi_check_digit, tax_id_problem


@pytest.mark.parametrize("code", ["M54.50", "M5450", "S16.1XXA", "S13.4XXD", "M62.830", "G44.209"])
def test_billable_codes_are_accepted(code):
    assert icd10_issue(code) is None
    assert "." not in IcdCode.parse(code).wire


@pytest.mark.parametrize(
    ("code", "issue"),
    [("M54.5", IcdIssue.NOT_BILLABLE), ("M79.1", IcdIssue.NOT_BILLABLE),
     ("S16.1", IcdIssue.SEVENTH_CHARACTER), ("S13.4", IcdIssue.SEVENTH_CHARACTER),
     ("M54.50A", IcdIssue.INVALID), ("5450", IcdIssue.INVALID)],
)  # fmt: skip
def test_non_billable_and_invalid_codes_are_classified(code, issue):
    assert icd10_issue(code)[0] is issue
    with pytest.raises(InvalidCode):
        IcdCode.parse(code)


def test_seventh_character_message_shows_the_padding():
    assert "S16.1XXA" in icd10_issue("S16.1")[1]


def test_wire_form_has_no_decimal_point():
    code = IcdCode.parse("s16.1xxa")
    assert (code.wire, code.dotted, code.is_injury) == ("S161XXA", "S16.1XXA", True)


TIMED = ["97124", "97140", "97112", "97110", "97530", "97139", "97750", "97035", "97032", "97116"]
UNTIMED = ["97010", "97012", "97014", "G0283", "97018", "97022", "97026", "98940", "98941",
           "98942", "98943", "97161", "97162", "97163", "97164", "97810", "97811", "97813",
           "97814"]  # fmt: skip


def test_catalog_timed_and_untimed_codes_from_the_issue():
    procedures = catalog().procedures
    assert all(procedures[c].timed for c in TIMED)
    assert not any(procedures[c].timed for c in UNTIMED)


def test_code_lists_accept_known_codes_and_reject_others():
    assert PlaceOfService("11").name == "Office"
    assert PlaceOfService("10").code == "10"  # telehealth in the patient's home (§4.3)
    for code in ("GP", "GO", "GN", "59", "XE", "XS", "XP", "XU", "KX", "CQ", "CO", "76", "77"):
        Modifier(code)
    assert Modifier("XS").kind == "x_distinct"
    assert ClaimFilingIndicator("AM").name == "Automobile medical"
    assert TaxonomyCode("225700000X").known
    assert not TaxonomyCode("207Q00000X").known  # well-shaped, not on the shipped subset
    for make, bad in ((PlaceOfService, "88"), (Modifier, "ZZ9"), (ClaimFilingIndicator, "XX"),
                      (TaxonomyCode, "2257")):  # fmt: skip
        with pytest.raises(InvalidCode):
            make(bad)


def test_every_code_list_names_its_source_and_date():
    for name in ("place_of_service", "modifiers", "taxonomy", "filing_indicators"):
        codes = code_list(name)
        assert codes.source and codes.effective and codes.rows


def test_sbr09_list_matches_the_rule_book():
    expected = set(
        [
            "11",
            "12",
            "13",
            "14",
            "15",
            "16",
            "17",
            "AM",
            "BL",
            "CH",
            "CI",
            "DS",
            "FI",
            "HM",
            "LM",
            "MA",
            "MB",
            "MC",
            "OF",
            "TV",
            "VA",
            "WC",
            "ZZ",
        ]
    )
    assert set(code_list("filing_indicators").rows) == expected


def test_npi_worked_examples():
    # §5.1: base 123456789 → check digit 3; 1558598797 and 1000000004 valid; 1234567890 invalid.
    assert npi_check_digit("123456789") == 3
    Npi("1234567893")
    Npi("1558598797")
    Npi("1000000004")
    with pytest.raises(InvalidCode, match="should be 3"):
        Npi("1234567890")
    with pytest.raises(InvalidCode, match="exactly 10 digits"):
        Npi("123456789")
    with pytest.raises(InvalidCode, match="starts with 1"):
        Npi("3234567893")


def test_tax_ids():
    assert TaxId.parse("EIN", "91-1234567").formatted() == "91-1234567"
    assert tax_id_problem(TaxIdKind.EIN, "07-1234567")  # prefix 07 never assigned
    assert tax_id_problem(TaxIdKind.SSN, "000-12-3456")
    assert tax_id_problem(TaxIdKind.SSN, "123-00-4567")
    assert tax_id_problem(TaxIdKind.SSN, "123-45-0000")
    assert tax_id_problem(TaxIdKind.SSN, "900-12-3456")
    assert tax_id_problem(TaxIdKind.SSN, "123-45-6789") is None
