"""837P writer: golden file, pyx12 validation, read-back of the facts, limits and errors.

Claims come from fixtures/claims/four-claims.json (written for these tests): a commercial
claim, a child dependent on a secondary claim with COB, an auto PIP claim for the insured's
spouse, and a workers' compensation replacement claim. Expected segments are written out by
hand from the rule book (billing-rules.md §7) and the claim data.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from knead.billing.claim import Authorization
from knead.billing.claim_json import load_claims
from knead.billing.x12 import professional_claim
from knead.billing.x12.envelope import MemoryControlNumbers, TradingPartners
from knead.billing.x12.errors import X12Error
from knead.billing.x12.professional_claim import (
    ClearinghouseSettings,
    Receiver,
    Submitter,
    claim_problem,
    write_837p,
)
from knead.billing.x12.syntax import SegmentStream

from .support import FIXTURES, check_golden, pyx12_errors

SETTINGS = ClearinghouseSettings(
    TradingPartners("ALDERSUB", "CLEARHOUSE01", production=False),
    Submitter(
        "Alder Street Bodywork LLC",
        "ALDERSUB",
        "Billing Desk",
        "3605550142",
        "billing@alder.example",
    ),
    Receiver("Example Clearinghouse", "CLEARHOUSE01"),
)
CREATED = datetime(2026, 11, 2, 9, 30)


def _claims():
    return load_claims(FIXTURES / "claims" / "four-claims.json")


def _write(claims, **options):
    return write_837p(claims, SETTINGS, MemoryControlNumbers(), CREATED, **options).text


@pytest.fixture(scope="module")
def written():
    return _write(_claims(), line_breaks=True)


def _segments(text):
    return [seg for seg in SegmentStream(text)]


def test_matches_the_golden_file(written):
    check_golden("four-claims.837", written)


def test_pyx12_finds_no_errors(written):
    assert pyx12_errors(written) == []


def test_se_counts_every_segment_from_st_to_se(written):
    lines = written.splitlines()
    st, se = (
        lines.index("ST*837*0001*005010X222A1~"),
        next(i for i, line in enumerate(lines) if line.startswith("SE*")),
    )
    assert lines[se] == f"SE*{se - st + 1}*0001~"


def test_commercial_claim_segments(written):
    text = written
    assert "\nCLM*KN-T-0001*145.00***11:B:1*Y*A*Y*Y~\nHI*ABK:M5450*ABF:M62830~\n" in text
    assert "\nSV1*HC:97124:GP*105.00*UN*3***1:2~\nDTP*472*D8*20261005~\n" in text
    assert "\nSV1*HC:97140:GP:59*40.00*UN*1***2~\n" in text
    # Rendering provider differs from the billing provider: 2310B with its taxonomy.
    assert "\nNM1*82*1*MOSS*DEVON****XX*1497758544~\nPRV*PE*PXC*225700000X~\n" in text
    # Billing provider: taxonomy, NPI, 9-digit ZIP, EIN without hyphen.
    assert (
        "\nPRV*BI*PXC*225700000X~\nNM1*85*2*ALDER STREET BODYWORK LLC*****XX*1245319599~\n"
        "N3*410 ALDER ST~\nN4*OLYMPIA*WA*985011234~\nREF*EI*834567890~\n"
    ) in text


def test_dependent_gets_a_patient_loop_and_secondary_claim_carries_primary_payment(written):
    text = written
    assert "\nHL*3*1*22*1~\nSBR*S***STATE EMPLOYEES*****12~\n" in text
    assert "\nHL*4*3*23*0~\nPAT*19~\nNM1*QC*1*QUILL*ROBIN~\n" in text
    assert (
        "\nSBR*P*19*G7781******CI~\nAMT*D*52.00~\nOI***Y***Y~\n"
        "NM1*IL*1*QUILL*HARPER****MI*PVH-100200~\n"
        "NM1*PR*2*PINE VALLEY HEALTH*****PI*PVH01~\nREF*F8*PVH-CLM-0092~\n"
    ) in text
    # 2430: the primary's line payment and adjustments (80.00 = 52.00 + CO-45 15.00 + PR-2 13.00).
    assert (
        "\nSVD*PVH01*52.00*HC:97124:GP**2~\nCAS*CO*45*15.00~\nCAS*PR*2*13.00~\n"
        "DTP*573*D8*20261028~\n"
    ) in text


def test_auto_claim_carries_accident_state_dates_and_pc_claim_number(written):
    text = written
    # The patient is the insured's spouse, so REF*Y4 sits in 2010CA after the patient's DMG.
    assert "\nPAT*01~\nNM1*QC*1*VANCE*LEE*J~\nN3*77 BAY VIEW RD*APT 2~\n" in text
    assert "\nDMG*D8*19750819*M~\nREF*Y4*PIP-26-0456~\nCLM*KN-T-0003*147.00" in text
    assert "\nCLM*KN-T-0003*147.00***11:B:1*Y*A*Y*Y**AA:::WA~\n" in text
    assert "\nDTP*431*D8*20260830~\nDTP*439*D8*20260830~\nREF*9F*RF-2211~\n" in text
    assert "\nHI*ABK:S161XXA*ABF:S134XXA*ABF:S335XXA~\n" in text
    assert "\nNM1*DN*1*OKONKWO*ADA****XX*1003000126~\n" in text


def test_workers_comp_replacement_claim(written):
    text = written
    assert "\nCLM*KN-T-0004*140.00***12:B:7*Y*A*Y*Y**EM~\n" in text
    assert "\nREF*G1*AUTH-55-901~\nREF*F8*WALNI-2026-884512~\n" in text
    assert "\nDMG*D8*19690227*M~\nREF*Y4*LNI-CLM-3317~\n" in text
    assert "\nNM1*77*2*TUMWATER FREIGHT WELLNESS ROOM~\nN3*1200 FREIGHT WAY~\n" in text


def test_written_claims_read_back_to_the_same_facts(written):
    facts = []
    for seg in _segments(written):
        if seg[0] == "CLM":
            facts.append({"id": seg[1], "total": Decimal(seg[2]), "lines": []})
        elif seg[0] == "HI":
            facts[-1]["dx"] = [c.split(":")[1] for c in seg[1:]]
        elif seg[0] == "SV1":
            code = seg[1].split(":")
            facts[-1]["lines"].append(
                (
                    code[1],
                    tuple(code[2:]),
                    Decimal(seg[2]),
                    int(seg[4]),
                    tuple(int(p) for p in seg[7].split(":")),
                )
            )
        elif seg[0] == "DTP" and seg[1] == "472":
            facts[-1].setdefault("dates", []).append(seg[3])
    claims = _claims()
    assert [f["id"] for f in facts] == [c.id for c in claims]
    for fact, claim in zip(facts, claims, strict=True):
        assert fact["total"] == claim.total_charge
        assert fact["dx"] == [d.replace(".", "") for d in claim.diagnoses]
        assert fact["lines"] == [
            (line.code, line.modifier_codes, line.charge, line.units, line.pointers)
            for line in claim.lines
        ]
        assert fact["dates"] == [line.service_date.strftime("%Y%m%d") for line in claim.lines]


def test_claims_beyond_the_per_set_limit_start_a_new_transaction_set(monkeypatch):
    monkeypatch.setattr(professional_claim, "MAX_CLAIMS_PER_SET", 3)
    text = _write(_claims())
    assert text.count("~ST*837*") == 2 and "~GE*2*1~" in text
    assert pyx12_errors(text) == []


def test_the_writer_returns_its_control_numbers_and_each_claims_set(monkeypatch):
    monkeypatch.setattr(professional_claim, "MAX_CLAIMS_PER_SET", 3)
    written = write_837p(_claims(), SETTINGS, MemoryControlNumbers(start=76), CREATED)
    assert (written.interchange_control, written.group_control) == (77, 77)
    assert written.set_controls == ("0001", "0002")
    assert written.claim_sets == {
        "KN-T-0001": "0001",
        "KN-T-0002": "0001",
        "KN-T-0003": "0001",
        "KN-T-0004": "0002",
    }
    assert "*00501*000000077*" in written.text and "~GE*2*77~" in written.text


def _first(**changes):
    return dataclasses.replace(_claims()[0], **changes)


def test_a_fifth_diagnosis_pointer_is_refused():
    claim = _first()
    line = dataclasses.replace(claim.lines[0], pointers=(1, 2, 1, 2, 1))
    with pytest.raises(X12Error, match="at most 4 pointers"):
        _write([dataclasses.replace(claim, lines=(line,))])


def test_a_pointer_past_the_diagnoses_is_refused():
    claim = _first()
    line = dataclasses.replace(claim.lines[0], pointers=(3,))
    assert "must point into the 2 diagnoses" in claim_problem(
        dataclasses.replace(claim, lines=(line,))
    )


def test_thirteen_diagnoses_are_refused():
    claim = _first(diagnoses=tuple(f"M{n:04d}" for n in range(13)))
    assert "HI holds 1 to 12" in claim_problem(claim)


def test_replacement_without_the_original_claim_number_is_refused():
    from knead.billing.claim import ClaimFrequency

    claim = _first(frequency=ClaimFrequency.REPLACEMENT, original_claim_number=None)
    assert "REF*F8" in claim_problem(claim)


def test_a_delimiter_inside_data_is_refused_not_written():
    claim = _first(id="KN*0001")
    assert "contains the delimiter '*'" in claim_problem(claim)


def test_duplicate_claim_ids_are_refused():
    claim = _claims()[0]
    with pytest.raises(X12Error, match="appears twice"):
        _write([claim, claim])


def test_billing_provider_needs_a_nine_digit_zip():
    claim = _claims()[0]
    provider = dataclasses.replace(
        claim.billing_provider,
        address=dataclasses.replace(claim.billing_provider.address, zip="98501"),
    )
    assert "9-digit ZIP" in claim_problem(dataclasses.replace(claim, billing_provider=provider))


def test_a_one_letter_city_is_refused():
    claim = _claims()[0]
    patient = dataclasses.replace(
        claim.patient, address=dataclasses.replace(claim.patient.address, city="X")
    )
    assert "N401 city must be 2 to 30 characters" in claim_problem(
        dataclasses.replace(claim, patient=patient)
    )


def test_a_line_covered_by_another_authorization_names_it_in_its_own_loop():
    # KN-T-0001: 97124 (line 1) is under the claim's own PA-100; 97140 (line 2) under PA-200.
    own = Authorization(number="PA-100", codes=("97124",))
    other = Authorization(number="PA-200", codes=("97140",))
    text = _write([_first(authorization=own, additional_authorizations=(other,))],
                  line_breaks=True)  # fmt: skip
    claim_part = text.split("\nCLM*", 1)[1].split("\nLX*1~", 1)[0]
    line_1 = text.split("\nLX*1~", 1)[1].split("\nLX*2~", 1)[0]
    line_2 = text.split("\nLX*2~", 1)[1].split("\nSE*", 1)[0]
    assert "\nREF*G1*PA-100~" in claim_part and "PA-200" not in claim_part
    assert "REF*G1" not in line_1
    assert "\nREF*G1*PA-200~" in line_2
    assert line_2.index("DTP*472") < line_2.index("REF*G1")  # 2400 order: DTP before REF
    assert pyx12_errors(text) == []
