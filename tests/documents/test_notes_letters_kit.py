"""SOAP note PDF, LMN and appeal letters (editable text, then PDF), and the reimbursement kit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from knead.billing.claim import Adjustment, AdjustmentGroup
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.kit import CALL_QUESTIONS, kit_expectation, render_reimbursement_kit
from knead.billing.documents.letters import (
    AppealFacts,
    Denial,
    MedicalNecessityFacts,
    appeal_letter_text,
    medical_necessity_letter_text,
    render_letter,
)
from knead.billing.documents.soap_note import (
    Amendment,
    BilledFacts,
    BilledLine,
    Correction,
    render_soap_note,
)
from knead.billing.documents.superbill import practice_letterhead
from knead.billing.estimate import BenefitHistory, Benefits, FeeSchedule
from knead.billing.identifiers import TaxIdKind

from .factories import (
    auto_injury_claim,
    long_names_claim,
    make_claim,
    signed_note,
)
from .test_superbill import page_count, pdf_text

# --- SOAP note ------------------------------------------------------------------------------


def test_soap_note_pdf_shows_the_signed_note_and_its_amendments_as_amendments():
    text = pdf_text(render_soap_note(signed_note()))
    for expected in (
        "SOAP Note (signed)",
        "Robin K. Testperson",
        "06/09/1984",
        "09/15/2026",
        "Dana L. Okonkwo, LMT",
        "lumbar, hips",
        "6/10 / 2/10",
        "Swedish massage, myofascial release",
        "S - Subjective Low back ache 6/10 after gardening",
        "O - Objective Hypertonic lumbar erectors",
        "A - Assessment Muscle spasm of back",
        "P - Plan Weekly 60-minute sessions",
        "Electronically signed by Dana L. Okonkwo, LMT on 09/15/2026 18:30",
        "Amendments (added after signing)",
        "Amendment 1 by Dana L. Okonkwo, LMT on 09/16/2026 09:00. Reason: Late entry: home-care",
        "Advised heat 15 minutes before stretching.",
    ):
        assert expected in text, expected
    # The amendment comes after the signature line, not inside the plan.
    assert text.index("Electronically signed") < text.index("Advised heat")


def test_unsigned_notes_cannot_be_built():
    with pytest.raises(DocumentError, match="signed"):
        signed_note(signed_by="  ")


@pytest.mark.parametrize("field", ["pain_before", "pain_after"])
def test_pain_outside_0_to_10_is_refused(field):
    with pytest.raises(DocumentError, match="between 0 and 10"):
        signed_note(**{field: 11})


def test_an_amendment_dated_before_signing_is_refused():
    early = Amendment("Dana", dt.datetime(2026, 9, 15, 12, 0), "typo", "fixed")
    with pytest.raises(DocumentError, match=r"amendments\[0\]"):
        signed_note(amendments=(early,))


def _correction(at: dt.datetime = dt.datetime(2026, 9, 17, 10, 5)) -> Correction:
    """Signed as 09/14 with 97124 × 4 for M54.50; really 09/15, 97140 × 4, M54.50 + M62.830."""
    return Correction(
        author="Dana L. Okonkwo, LMT",
        at=at,
        reason="Booked on the wrong day and code",
        original=BilledFacts(
            dt.date(2026, 9, 14), ("M5450",), (BilledLine("97124", 60, 4, ("GP",), (1,)),)
        ),
        corrected=BilledFacts(
            dt.date(2026, 9, 15),
            ("M5450", "M62830"),
            (BilledLine("97140", 60, 4, ("GP",), (1, 2)),),
        ),
    )


def test_a_correction_prints_the_facts_as_signed_beside_the_corrected_ones():
    text = pdf_text(render_soap_note(signed_note(corrections=(_correction(),))))
    for expected in (
        "Corrections of the billed facts (after signing)",
        "Correction 1 by Dana L. Okonkwo, LMT on 09/17/2026 10:05. Reason: Booked on the wrong "
        "day and code",
        "VISIT DATE AS SIGNED 09/14/2026",
        "VISIT DATE CORRECTED 09/15/2026",
        "DIAGNOSES AS SIGNED A M54.50",
        "DIAGNOSES CORRECTED A M54.50, B M62.830",
        "SERVICES AS SIGNED 97124-GP, 60 min, 4 units, dx A",
        "SERVICES CORRECTED 97140-GP, 60 min, 4 units, dx A B",
    ):
        assert expected in text, expected
    assert text.index("Electronically signed") < text.index("Corrections of the billed facts")


def test_a_correction_names_only_the_facts_that_changed():
    same_day = dataclasses.replace(
        _correction(),
        corrected=dataclasses.replace(_correction().corrected, visit_date=dt.date(2026, 9, 14)),
    )
    assert [what for what, _was, _now in same_day.changes()] == ["Diagnoses", "Services"]


def test_a_correction_dated_before_signing_is_refused():
    with pytest.raises(DocumentError, match=r"corrections\[0\]"):
        signed_note(corrections=(_correction(at=dt.datetime(2026, 9, 15, 12, 0)),))


def test_a_long_note_continues_on_further_pages():
    long_text = " ".join(["Palpation found tender points along the lumbar erectors."] * 120)
    pdf = render_soap_note(signed_note(objective=long_text))
    assert page_count(pdf) >= 2
    assert "Amendment 1" in pdf_text(pdf)


# --- Letter of medical necessity -------------------------------------------------------------


def _lmn_facts():
    claim = make_claim(
        referring_provider={"name": {"last": "Haddad", "first": "Nour"}, "npi": "1000000004",
                            "credentials": "MD"},
    )  # fmt: skip
    return MedicalNecessityFacts(
        claim,
        findings="Hypertonic lumbar erectors; forward flexion limited to mid-shin.",
        frequency="once a week",
        duration="8 weeks",
        written_on=dt.date(2026, 9, 20),
        goals=("Garden for 1 hour with pain under 3/10",),
        limitations="Cannot sit longer than 30 minutes.",
    )


def test_lmn_is_prefilled_from_the_case():
    text = medical_necessity_letter_text(_lmn_facts())
    for expected in (
        "09/20/2026",
        "Patient: Robin K. Testperson, date of birth 06/09/1984",
        "member ID SAL-778899, group GRP-4411",
        "- M54.50 Low back pain, unspecified",
        "- M62.830 Muscle spasm of back",
        "Clinical findings: Hypertonic lumbar erectors",
        "Functional limitations: Cannot sit longer than 30 minutes.",
        "97124 (massage therapy",
        "97140 (manual therapy",
        "treatment once a week for 8 weeks",
        "- Garden for 1 hour with pain under 3/10",
        "Nour Haddad, MD\nNPI 1000000004",
    ):
        assert expected in text, expected
    # Plain paragraphs separated by blank lines: editable in a text box.
    assert "\n\n" in text and "<" not in text


def test_edited_letter_text_is_what_gets_printed():
    text = medical_necessity_letter_text(_lmn_facts()).replace("8 weeks", "10 weeks")
    text += "\nP.S. Added by hand.\n"
    printed = pdf_text(render_letter(text, title="LMN"))
    assert "treatment once a week for 10 weeks" in printed
    assert "P.S. Added by hand." in printed
    assert "8 weeks" not in printed


def test_an_empty_letter_is_refused():
    with pytest.raises(DocumentError, match="empty"):
        render_letter(" \n\n ")


# --- Appeal letter --------------------------------------------------------------------------


def _appeal_facts(*adjustments: Adjustment, remarks=()):
    return AppealFacts(
        claim=make_claim(),
        denial=Denial(
            denied_on=dt.date(2026, 10, 20),
            adjustments=adjustments,
            payer_claim_number="SAL-CLM-3003",
            remarks=remarks,
        ),
        written_on=dt.date(2026, 11, 2),
        notes=(signed_note(),),
    )


def test_appeal_for_medical_necessity_explains_the_carc_and_quotes_the_notes():
    facts = _appeal_facts(
        Adjustment(AdjustmentGroup.CO, "50", Decimal("145.00")),
        remarks=(("N180", ""),),
    )
    text = appeal_letter_text(facts)
    for expected in (
        "Claim number: SAL-CLM-3003; our reference KN-1001",
        "Member ID: SAL-778899",
        "Date(s) of service: 09/15/2026",
        "Billed: $145.00; denied: $145.00 (all lines)",
        "Date of denial: 10/20/2026",
        # CARC 50 text, billing-rules.md §8.2
        "- CO-50 These are non-covered services because this is not deemed a 'medical "
        "necessity' by the payer. Amount: $145.00.",
        "- N180",
        "The treatment was medically necessary for the diagnosed condition",
        "- 09/15/2026 (Dana L. Okonkwo, LMT): Hypertonic lumbar erectors L>R",
        "Pain 6/10 before and 2/10 after treatment.",
        # commercial plan: 180 days after 10/20/2026 is 04/18/2027
        "latest filing date 04/18/2027",
        "Dana L. Okonkwo, LMT\nFernwood Bodywork PLLC\nNPI 1558598797",
    ):
        assert expected in text, expected


def test_appeal_for_bundling_argues_distinct_services_and_skips_patient_responsibility():
    text = appeal_letter_text(
        _appeal_facts(
            Adjustment(AdjustmentGroup.CO, "97", Decimal("40.00")),
            Adjustment(AdjustmentGroup.PR, "2", Decimal("10.00")),
        )
    )
    assert "- CO-97 The benefit for this service is included" in text
    assert "- PR-2 Coinsurance Amount Amount: $10.00." in text
    assert "separate time blocks and to separate body regions" in text
    assert "member's coinsurance" not in text  # not an argument to make


def test_appeal_of_a_payment_below_the_contract_asks_to_reprocess_at_the_contracted_rate():
    why = "Allowed $52.00 for 2 unit(s) of 97124; the contract allows $60.00 ($30.00 a unit)."
    facts = AppealFacts(
        claim=make_claim(),
        denial=Denial(denied_on=dt.date(2026, 10, 20), adjustments=(),
                      shortfalls=((why, Decimal("8.00")),)),
        written_on=dt.date(2026, 11, 2),
    )  # fmt: skip
    text = appeal_letter_text(facts)
    for expected in (
        "We ask you to reconsider the payment of the claim above.",
        "Billed: $145.00; denied: $8.00 (all lines)",
        f"- Paid below our contracted rate: {why} Amount: $8.00.",
        "Our contract with Salish Health Plan sets the allowed amounts shown.",
    ):
        assert expected in text, expected


def test_appeal_needs_a_reason():
    with pytest.raises(DocumentError, match=r"CARC\) or contract shortfall"):
        Denial(denied_on=dt.date(2026, 10, 20), adjustments=())


def test_appeal_letter_renders_on_the_practice_letterhead():
    text = appeal_letter_text(_appeal_facts(Adjustment(AdjustmentGroup.CO, "50", Decimal("1"))))
    printed = pdf_text(
        render_letter(text, letterhead=practice_letterhead(make_claim().billing_provider))
    )
    assert printed.startswith("Fernwood Bodywork PLLC")
    assert "Request for reconsideration" in printed


# --- Reimbursement kit ----------------------------------------------------------------------


def test_kit_fills_in_the_clients_numbers_and_the_call_script():
    expectation = ("After your $500 deductible, 50% of $120 = $60 per visit.",
                   "12 of 20 visits left this year.")  # fmt: skip
    text = pdf_text(render_reimbursement_kit(make_claim(), expectation=expectation))
    for expected in (
        "Your Insurance Reimbursement Kit",
        "Robin K. Testperson",
        "SAL-778899",
        "GRP-4411",
        "Salish Health Plan",
        "1234567893",
        "91-2345678",
        "97124",
        "M54.50 Low back pain, unspecified",
        "After your $500 deductible, 50% of $120 = $60 per visit.",
        "12 of 20 visits left this year.",
        "1. Review your policy",
        "2. Call your insurer",
        "Is massage therapy, CPT 97124, covered under my plan?",
        "Is manual therapy, CPT 97140, covered?",
        "CPT 97530",
        "3. Get pre-approval and a referral if needed",
        "4. Submit your claim",
        "sign Boxes 12 and 13",
        "5. Check the explanation of benefits (EOB)",
        "6. Appeal if denied",
    ):
        assert expected in text, expected
    assert len(CALL_QUESTIONS) == 12


@pytest.mark.parametrize("factory", [auto_injury_claim, long_names_claim])
def test_kit_renders_for_edge_cases(factory):
    claim = factory()
    text = pdf_text(render_reimbursement_kit(claim))
    assert claim.coverage.subscriber.member_id in text
    assert "What you can expect back" not in text  # no estimate given


def test_kit_needs_a_coverage():
    without = dataclasses.replace(make_claim(), coverage=None)
    with pytest.raises(DocumentError, match="coverage"):
        render_reimbursement_kit(without)


def _visit_of_120():
    return make_claim(
        billing_mode="superbill",
        lines=[{"service_date": "2026-09-15", "code": "97124", "units": 4, "minutes": 60,
                "charge": "120.00", "pointers": [1]}],
    )  # fmt: skip


def test_kit_expectation_states_the_reimbursement_per_visit_and_visits_left():
    benefits = Benefits(in_network=False, deductible=Decimal("500"),
                        reimbursement_percent=Decimal("50"), visits_per_year=20)  # fmt: skip
    history = BenefitHistory(deductible_met=Decimal("500"), visits_used=8)
    # Hand calculation: deductible met, 50% of $120 = $60; 20 - 8 = 12 visits left.
    assert kit_expectation(_visit_of_120(), benefits, FeeSchedule(), history) == (
        "After your $500.00 deductible, 50% of $120.00 = $60.00 per visit.",
        "12 of 20 visits left this year.",
    )


def test_kit_expectation_mentions_the_deductible_still_to_meet():
    benefits = Benefits(in_network=False, deductible=Decimal("500"),
                        reimbursement_percent=Decimal("50"))  # fmt: skip
    history = BenefitHistory(deductible_met=Decimal("420"))
    # $80 of the deductible left: the next $120 visit leaves $40, 50% of it = $20 back.
    assert kit_expectation(_visit_of_120(), benefits, FeeSchedule(), history)[1] == (
        "$80.00 of your deductible is still to meet this year, so for your next visit expect "
        "$20.00 back."
    )


def test_kit_expectation_for_a_plan_that_does_not_cover_massage():
    lines = kit_expectation(
        _visit_of_120(), Benefits(covered=False), FeeSchedule(), BenefitHistory()
    )
    assert lines == ("Your plan does not cover massage therapy, so expect no reimbursement.",)


def test_appeal_names_the_prescriber_only_when_there_is_one():
    adjustment = Adjustment(AdjustmentGroup.CO, "50", Decimal("125.00"))
    without = appeal_letter_text(_appeal_facts(adjustment))
    assert "prescribed by" not in without
    facts = AppealFacts(
        claim=auto_injury_claim(),
        denial=Denial(denied_on=dt.date(2026, 10, 20), adjustments=(adjustment,)),
        written_on=dt.date(2026, 11, 2),
    )
    text = appeal_letter_text(facts)
    assert (
        "The treatment was prescribed by Sam Varga, DC (NPI 1000000004), prescription RX-3301 of 07/10/2026."
        in text
    )
    assert "Insurer claim number (accident/injury): RA-CLM-8812" in text


def test_kit_keeps_a_sole_practitioners_ssn_off_the_checklist():
    billing = dataclasses.replace(
        make_claim().billing_provider, tax_id_kind=TaxIdKind.SSN, tax_id="219099876"
    )
    claim = dataclasses.replace(make_claim(), billing_provider=billing)
    text = pdf_text(render_reimbursement_kit(claim))
    assert "219-09-9876" not in text and "219099876" not in text
    assert "on the superbill" in text
