"""Claim → CMS-1500 box values (billing-rules.md §6; expected values written from the facts)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from knead.billing.claim_json import claim_from_dict
from knead.billing.forms.cms1500 import cms1500_boxes
from knead.billing.forms.layout import fields_by_id

from .factories import (
    THIRTEEN_DIAGNOSES,
    auto_injury_claim,
    claim_data,
    make_claim,
    secondary_claim,
    seven_lines_claim,
    thirteen_diagnoses_claim,
)


def test_commercial_claim_fills_the_patient_insured_and_billing_boxes():
    page = cms1500_boxes(make_claim()).pages[0]
    expected = {
        "carrier.name": "SALISH HEALTH PLAN",
        "carrier.address1": "PO BOX 9000",
        "carrier.city_state_zip": "TUKWILA WA 98188",
        "1": "GROUP",  # commercial, filing indicator CI
        "1a": "SAL-778899",
        "2": "TESTPERSON, ROBIN, K",
        "3.birth_date": "1984-06-09",
        "3.sex": "F",
        "4": "TESTPERSON, ROBIN, K",
        "5.street": "77 ALDER WAY",
        "5.city": "LACEY",
        "5.state": "WA",
        "5.zip": "98503",
        "5.phone": "3605550177",
        "6": "SELF",
        "7.street": "77 ALDER WAY",  # insured is the patient and has no address of their own
        "10a": "N",
        "10b": "N",
        "10c": "N",
        "11": "GRP-4411",
        "11a.birth_date": "1984-06-09",
        "11a.sex": "F",
        "11d": "N",
        "12": "SIGNATURE ON FILE",
        "13": "SIGNATURE ON FILE",
        "14": "2026-08-01",
        "14.qualifier": "431",
        "21.ind": "0",
        "21.A": "M5450",
        "21.B": "M62830",
        "25": "912345678",
        "25.kind": "EIN",
        "26": "KN-1001",
        "27": "Y",
        "28": "145.00",  # 105.00 + 40.00
        "29": "145.00",  # paid by the client at the visit
        "31": "DANA L. OKONKWO LMT",
        "33.phone": "3605550101",
        "33.name": "FERNWOOD BODYWORK PLLC",
        "33.street": "410 FERN ST",
        "33.city_state_zip": "OLYMPIA WA 98501-2222",
        "33a": "1234567893",
        "33b.qualifier": "ZZ",
        "33b": "225700000X",
    }
    assert {box: page.get(box) for box in expected} == expected
    for box in ("9", "9a", "9d", "10b.state", "11b", "15", "17", "17b", "22.code", "23", "32.name"):
        assert box not in page.values


def test_service_lines_fill_box_24_with_codes_pointers_and_rendering_npi():
    page = cms1500_boxes(make_claim()).pages[0]
    assert {k: v for k, v in page.values.items() if k.startswith("24.")} == {
        "24.1.A.from": "2026-09-15",
        "24.1.A.to": "2026-09-15",
        "24.1.B": "11",
        "24.1.D": "97124",
        "24.1.D.modifiers": "GP",
        "24.1.E": "AB",
        "24.1.F": "105.00",
        "24.1.G": "3",
        "24.1.I": "ZZ",
        "24.1.J.other": "225700000X",
        "24.1.J": "1558598797",
        "24.2.A.from": "2026-09-15",
        "24.2.A.to": "2026-09-15",
        "24.2.B": "11",
        "24.2.D": "97140",
        "24.2.D.modifiers": "GP 59",
        "24.2.E": "B",
        "24.2.F": "40.00",
        "24.2.G": "1",
        "24.2.I": "ZZ",
        "24.2.J.other": "225700000X",
        "24.2.J": "1558598797",
    }


def test_auto_injury_sets_10b_state_11b_y4_and_accident_date_in_14():
    page = cms1500_boxes(auto_injury_claim()).pages[0]
    assert page.get("1") == "OTHER"  # auto insurance is "Other" on the 1500
    assert (page.get("10a"), page.get("10b"), page.get("10b.state"), page.get("10c")) == (
        "N",
        "Y",
        "WA",
        "N",
    )
    assert (page.get("11b.qualifier"), page.get("11b")) == ("Y4", "RA-CLM-8812")
    assert (page.get("14"), page.get("14.qualifier")) == ("2026-07-04", "431")
    assert "15" not in page.values  # the accident date is already Box 14
    assert (page.get("17.qualifier"), page.get("17"), page.get("17b")) == (
        "DN",
        "SAM VARGA DC",
        "1000000004",
    )
    assert page.get("23") == "RX-3301"  # the referral number when there is no authorization
    assert (page.get("21.A"), page.get("21.B")) == ("S161XXA", "S134XXA")


def test_work_injury_with_separate_onset_puts_the_accident_date_in_15_with_439():
    claim = make_claim(
        injury={"kind": "employment", "accident_date": "2026-07-20", "claim_number": "Y998877"},
        onset_date="2026-07-22",
    )
    page = cms1500_boxes(claim).pages[0]
    assert (page.get("10a"), page.get("10b"), page.get("10c")) == ("Y", "N", "N")
    assert (page.get("14"), page.get("14.qualifier")) == ("2026-07-22", "431")
    assert (page.get("15"), page.get("15.qualifier")) == ("2026-07-20", "439")
    assert (page.get("11b.qualifier"), page.get("11b")) == ("Y4", "Y998877")


def test_secondary_claim_names_the_other_insured_and_counts_their_payment_in_29():
    page = cms1500_boxes(secondary_claim()).pages[0]
    assert page.get("9") == "TESTPERSON, LEE"
    assert page.get("9a") == "PG-77"
    assert page.get("9d") == "PUGET PRIMARY CARE PLAN"
    assert page.get("11d") == "Y"
    assert page.get("29") == "90.00"  # 80.00 from the primary payer + 10.00 from the client


def test_replacement_claim_gives_resubmission_code_and_original_reference():
    page = cms1500_boxes(make_claim(frequency="7", original_claim_number="SAL-0001122")).pages[0]
    assert (page.get("22.code"), page.get("22.original_ref")) == ("7", "SAL-0001122")


def test_prior_authorization_number_goes_in_23():
    page = cms1500_boxes(make_claim(authorization={"number": "PA-5566"})).pages[0]
    assert page.get("23") == "PA-5566"


def test_seven_lines_continue_on_a_second_page_with_its_own_total():
    form = cms1500_boxes(seven_lines_claim())
    assert [(p.number, p.count, p.lines) for p in form.pages] == [
        (1, 2, (1, 2, 3, 4, 5, 6)),
        (2, 2, (7,)),
    ]
    first, second = form.pages
    assert first.get("28") == "210.00"  # 6 x 35.00
    assert second.get("28") == "35.00"
    assert second.get("24.1.A.from") == "2026-10-13"  # 2026-09-01 + 6 weeks
    assert "24.2.D" not in second.values
    assert "29" not in second.values
    assert second.get("2") == first.get("2") == "TESTPERSON, ROBIN, K"


def test_thirteen_diagnoses_continue_on_a_second_page_with_relettered_pointers():
    form = cms1500_boxes(thirteen_diagnoses_claim())
    first, second = form.pages
    assert [first.get(f"21.{letter}") for letter in "ABCDEFGHIJKL"] == [
        "M5450", "M542", "M546", "M62830", "M7918", "M797", "G44209", "M25511",
        "M25512", "M25551", "M25561", "M5441",
    ]  # fmt: skip
    assert [first.get(f"24.{n}.E") for n in (1, 2, 3)] == ["ABCD", "EFGH", "IJKL"]
    # Line 4 points to the 13th diagnosis, M54.42: on page 2 it is letter A.
    assert second.lines == (4,)
    assert second.get("21.A") == "M5442"
    assert "21.B" not in second.values
    assert (second.get("24.1.D"), second.get("24.1.E")) == ("97530", "A")
    printed = {v for p in form.pages for k, v in p.values.items() if k.startswith("21.")}
    assert {code.replace(".", "") for code in THIRTEEN_DIAGNOSES} <= printed


def test_every_box_value_has_a_place_on_the_form():
    fields = fields_by_id()
    for claim in (make_claim(), auto_injury_claim(), secondary_claim(), thirteen_diagnoses_claim()):
        for page in cms1500_boxes(claim).pages:
            assert set(page.values) <= set(fields)


_DIAGNOSIS_POOL = ["M5450", "M542", "M546", "M62830", "M7918", "M797", "G44209", "M25511",
                   "M25512", "M25551", "M25561", "M5441", "M5442", "M5440", "M25561"]  # fmt: skip


@st.composite
def _claims(draw):
    diagnoses = draw(st.lists(st.sampled_from(_DIAGNOSIS_POOL[:14]), min_size=1, max_size=14,
                              unique=True))  # fmt: skip
    count = len(diagnoses)
    lines = []
    for _ in range(draw(st.integers(1, 20))):
        pointers = draw(st.lists(st.integers(1, count), min_size=1, max_size=4, unique=True))
        cents = draw(st.integers(100, 50000))
        lines.append(
            {"service_date": "2026-09-15", "code": "97124", "units": 1,
             "charge": f"{cents // 100}.{cents % 100:02d}", "pointers": pointers}
        )  # fmt: skip
    return claim_from_dict(claim_data(diagnoses=diagnoses, lines=lines, amount_paid="0.00"))


@settings(max_examples=150, deadline=None)
@given(_claims())
def test_pages_hold_every_line_once_and_pointers_resolve_to_the_same_diagnoses(claim):
    form = cms1500_boxes(claim)
    placed = [n for page in form.pages for n in page.lines]
    assert placed == list(range(1, len(claim.lines) + 1))
    page_totals = Decimal("0.00")
    for page in form.pages:
        assert len(page.lines) <= 6
        letters = {letter: page.get(f"21.{letter}") for letter in "ABCDEFGHIJKL"}
        assert all(f"21.{x}" not in page.values for x in "MNOP")
        for slot, number in enumerate(page.lines, start=1):
            line = claim.lines[number - 1]
            wanted = {claim.diagnoses[p - 1] for p in line.pointers}
            assert {letters[ch] for ch in page.get(f"24.{slot}.E")} == wanted
        page_totals += Decimal(page.get("28"))
    assert page_totals == claim.total_charge
    printed = {v for p in form.pages for k, v in p.values.items() if k.startswith("21.")} - {"0"}
    assert printed == set(claim.diagnoses)


def test_form_for_a_client_who_paid_leaves_12_and_13_for_the_client():
    page = cms1500_boxes(make_claim(billing_mode="superbill")).pages[0]
    assert "12" not in page.values  # the client signs the release when mailing it
    assert "13" not in page.values  # no assignment: the plan reimburses the client
    assert page.get("29") == "145.00"


def test_a_form_the_client_files_says_no_in_box_27_even_when_the_claim_accepts_assignment():
    # Issue 10: a client-filed CMS-1500 is not the practice's claim; the practice accepts no
    # assignment on it (box 27 NO) and box 29 is what the client paid.
    client_filed = cms1500_boxes(
        make_claim(billing_mode="superbill", accept_assignment=True, amount_paid="45.00")
    ).pages[0]
    assert (client_filed.get("27"), client_filed.get("29")) == ("N", "45.00")
    billed = cms1500_boxes(make_claim(accept_assignment=True, amount_paid="0.00")).pages[0]
    assert billed.get("27") == "Y" and "29" not in billed.values
    assert cms1500_boxes(make_claim(accept_assignment=False)).pages[0].get("27") == "N"


def test_box_26_is_the_claim_id_the_payer_sends_back():
    assert cms1500_boxes(make_claim(id="KN00000042")).pages[0].get("26") == "KN00000042"
