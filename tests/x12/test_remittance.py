"""835 reader: facts read from a hand-written fixture, balancing problems, structural errors.

Fixture fixtures/two-payers.835 (written for these tests, passes pyx12 005010X221A1). Expected
values are read off the fixture text; the balancing arithmetic is written out next to each case.
Segment positions count the ISA as 1: the first ST is 3, its BPR 4, claim MT1001's CLP 14.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from knead.billing.x12.errors import X12Error
from knead.billing.x12.remittance import read_835

from .support import fixture, pyx12_errors

D = Decimal


@pytest.fixture(scope="module")
def remittance():
    return read_835(fixture("two-payers.835"))


def test_fixture_is_valid_for_pyx12():
    assert pyx12_errors(fixture("two-payers.835")) == []


def test_each_st_set_is_one_payment_with_its_own_payer(remittance):
    first, second = remittance.payments
    assert (first.header.payer.name, first.header.trace, first.header.method) == (
        "NORTHWIND MUTUAL",
        "TRACE1001",
        "ACH",
    )
    assert (first.header.amount, first.header.date) == (D("92.50"), date(2026, 2, 13))
    assert first.header.payee.id == "1234567893"
    assert first.header.payee.additional_id == "912345678"
    assert (second.header.payer.name, second.header.trace, second.header.method) == (
        "EVERGREEN AUTO INSURANCE",
        "CHECK55501",
        "CHK",
    )
    assert second.header.amount == D("100.00")


def test_a_balanced_file_has_no_problems(remittance):
    # 150.00-84.00 = 66.00 = PR-3 15 + (CO-45 15 + PR-1 6 + PR-2 15) + CO-45 15
    # BPR02 92.50 = (84.00 + 0.00 - 80.00 + 96.00) - (10.00 - 2.50)
    assert remittance.problems == ()


def test_claim_level_cas_is_kept_apart_from_line_cas(remittance):
    claim = remittance.payments[0].claims[0]
    assert (claim.id, claim.status, claim.charge, claim.paid, claim.patient_responsibility) == (
        "MT1001",
        "1",
        D("150.00"),
        D("84.00"),
        D("36.00"),
    )
    assert claim.payer_claim_id == "NW0001"
    assert [(a.group, a.reason, a.amount, a.position) for a in claim.adjustments] == [
        ("PR", "3", D("15.00"), 15)
    ]
    first_line, second_line = claim.services
    assert (first_line.code, first_line.modifiers, first_line.units) == ("97124", ("GP",), D(3))
    assert (first_line.charge, first_line.paid, first_line.allowed) == (
        D("90.00"),
        D("54.00"),
        D("75.00"),
    )
    assert first_line.date == date(2026, 1, 20)
    assert first_line.control_number == "MT1001-1"
    assert [(a.group, a.reason, a.amount) for a in first_line.adjustments] == [
        ("CO", "45", D("15.00")),
        ("PR", "1", D("6.00")),
        ("PR", "2", D("15.00")),
    ]
    assert second_line.modifiers == ("59", "GP")
    assert claim.position == 14 and first_line.position == 18 and second_line.position == 24


def test_denied_claim_keeps_its_remarks(remittance):
    claim = remittance.payments[0].claims[1]
    assert claim.denied and claim.status == "4"
    assert claim.patient_responsibility is None
    assert claim.remarks == ("N20",)
    (line,) = claim.services
    assert line.remarks == ("N115",)
    assert [(a.group, a.reason, a.amount) for a in line.adjustments] == [("CO", "50", D("60.00"))]


def test_reversal_claim_has_negative_amounts(remittance):
    claim = remittance.payments[0].claims[2]
    assert claim.reversal
    assert (claim.charge, claim.paid, claim.patient_responsibility) == (
        D("-120.00"),
        D("-80.00"),
        D("-16.00"),
    )
    assert [a.amount for a in claim.adjustments] == [D("-24.00"), D("-16.00")]
    assert claim.services == ()


def test_provider_adjustments_are_read_in_pairs(remittance):
    plb = remittance.payments[0].provider_adjustments
    assert [(p.reason, p.reference, p.amount, p.position) for p in plb] == [
        ("WO", "NW0099", D("10.00"), 44),
        ("L6", "INTEREST", D("-2.50"), 44),
    ]
    assert plb[0].fiscal_period_end == date(2026, 12, 31)


def test_all_six_triplets_of_one_cas_segment_are_read(remittance):
    (claim,) = remittance.payments[1].claims
    (line,) = claim.services
    assert [(a.reason, a.amount, a.quantity) for a in line.adjustments[:6]] == [
        ("45", D("40.00"), None),
        ("P12", D("20.00"), None),
        ("253", D("2.00"), None),
        ("A2", D("3.00"), None),
        ("94", D("-5.00"), None),
        ("16", D("10.00"), D(1)),
    ]
    assert line.remarks == ("M15", "N130")
    assert claim.position == 56


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_unbalanced_line_claim_and_payment_are_reported_not_fixed():
    # Line paid 54.00 -> 50.00 breaks: the line (90-50=40 vs CAS 36), the claim (150-84=66 is
    # unchanged, so the claim still balances), nothing else. Claim paid 84 -> 80 then breaks
    # the claim (150-80=70 vs 66) and the payment (80+0-80+96-7.50 = 88.50 vs BPR02 92.50).
    text = _replace(
        fixture("two-payers.835"),
        "SVC*HC:97124:GP*90.00*54.00**3",
        "SVC*HC:97124:GP*90.00*50.00**3",
    )
    text = _replace(text, "CLP*MT1001*1*150.00*84.00*", "CLP*MT1001*1*150.00*80.00*")
    result = read_835(text)
    found = {(p.position, p.segment_id) for p in result.problems}
    assert found == {(18, "SVC"), (14, "CLP"), (4, "BPR")}
    messages = " / ".join(p.message for p in result.problems)
    assert "billed 90.00 - paid 50.00 = 40.00, but its CAS adjustments total 36.00" in messages
    assert "billed 150.00 - paid 80.00 = 70.00" in messages and "total 66.00" in messages
    assert "BPR02 92.50" in messages and "= 88.50" in messages
    # The numbers themselves are reported as read, not adjusted.
    assert result.payments[0].claims[0].paid == D("80.00")


def test_patient_responsibility_must_match_pr_adjustments():
    text = _replace(fixture("two-payers.835"), "*84.00*36.00*", "*84.00*30.00*")
    (problem,) = read_835(text).problems
    assert problem.position == 14
    assert "CLP05 patient responsibility 30.00 differs from its PR adjustments total 36.00" in (
        problem.message
    )


@pytest.mark.parametrize(
    ("old", "new", "position", "segment_id", "words"),
    [
        ("SE*43*0001", "SE*42*0001", 45, "SE", "SE01 says 42 segments but the set has 43"),
        ("SE*19*0002", "SE*19*0003", 64, "SE", "does not match ST02"),
        ("GE*2*4711", "GE*1*4711", 65, "GE", "GE01 says 1 transaction sets but the group has 2"),
        ("IEA*1*000004711", "IEA*1*000004712", 66, "IEA", "does not match ISA13"),
        ("CAS*CO*45*24.00~\nPLB", "CAS*CO*45*24,00~\nPLB", 43, "CAS", "'24,00' is not a number"),
        ("CAS*CO*45*24.00~\nPLB", "CAS*CO*45*1e3~\nPLB", 43, "CAS", "'1e3' is not a number"),
        ("CAS*PR*3*15.00", "CAS*PR*3", 15, "CAS", "at least one reason code and amount"),
        ("CLP*MT1003*1*120.00*96.00*", "CLP*MT1003*1**96.00*", 39, "CLP", "CLP03 charge"),
        (
            "LX*1~\nCLP*MT1001",
            "LX*1~\nSVC*HC:97124*1*1~\nCLP*MT1001",
            14,
            "SVC",
            "SVC before any CLP",
        ),
        ("ST*835*0002", "ST*837*0002", 46, "ST", "ST01 '837' is not a transaction set"),
        ("BPR*I*100.00*", "BPR*I*ONE HUNDRED*", 47, "BPR", "BPR02 'ONE HUNDRED'"),
        ("SVC*HC:97124*60.00*0.00**2", "SVC", 31, "SVC", "SVC needs SVC01 procedure"),
    ],
)
def test_malformed_files_are_rejected_with_position_and_segment(
    old, new, position, segment_id, words
):
    with pytest.raises(X12Error) as caught:
        read_835(_replace(fixture("two-payers.835"), old, new))
    assert (caught.value.position, caught.value.segment_id) == (position, segment_id)
    assert words in str(caught.value)


def test_truncated_file_is_rejected():
    text = fixture("two-payers.835")
    with pytest.raises(X12Error, match="ends before the envelope is closed"):
        read_835(text[: text.index("GE*2")])


def test_text_after_the_last_terminator_is_rejected():
    with pytest.raises(X12Error, match="no terminator"):
        read_835(fixture("two-payers.835") + "ISA*00")


def test_segments_outside_a_transaction_set_are_rejected():
    text = _replace(fixture("two-payers.835"), "ST*835*0002~", "NM1*QC*1*X~\nST*835*0002~")
    with pytest.raises(X12Error) as caught:
        read_835(text)
    assert (caught.value.position, caught.value.segment_id) == (46, "NM1")


def test_invalid_payment_date_is_a_problem_not_an_error():
    text = _replace(fixture("two-payers.835"), "*20260213~", "*20261313~")
    result = read_835(text)
    assert result.payments[0].header.date is None
    assert [(p.position, p.segment_id) for p in result.problems] == [(4, "BPR")]
    assert "'20261313' is not a valid CCYYMMDD date" in result.problems[0].message


def test_missing_payer_technical_contact_is_reported():
    text = _replace(fixture("two-payers.835"), "PER*BL*EDI DESK*TE*8005550100~\n", "")
    text = _replace(text, "SE*43*0001", "SE*42*0001")
    (problem,) = read_835(text).problems
    assert "PER*BL" in problem.message
    assert (problem.position, problem.segment_id) == (7, "N1")  # the payer's N1*PR
