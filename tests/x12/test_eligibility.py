"""270 writer (golden file, structure) and 271 reader (fixture written for these tests).

pyx12 4.0 ships no 005010X279A1 map (only the 4010 270/271 maps), so the 270 is checked
against the guide's structure by hand here rather than by pyx12.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from knead.billing.x12.eligibility import EligibilityInquiry, read_271, write_270
from knead.billing.x12.envelope import MemoryControlNumbers, TradingPartners
from knead.billing.x12.syntax import SegmentStream
from knead.cli import main

from .support import FIXTURES, check_golden, fixture

INQUIRY = EligibilityInquiry(
    provider_name="Alder Street Bodywork LLC",
    provider_npi="1245319599",
    provider_tax_id="834567890",
    payer_name="Pine Valley Health",
    payer_id="PVH01",
    member_id="PVH-100200",
    subscriber_last_name="Quill",
    subscriber_first_name="Harper",
    subscriber_birth_date=date(1988, 4, 12),
    service_date=date(2026, 11, 9),
    trace_number="INQ0001",
)


def _270() -> str:
    return write_270(
        [INQUIRY],
        TradingPartners("ALDERSUB", "PVH01"),
        MemoryControlNumbers(),
        datetime(2026, 11, 1, 8, 0),
        line_breaks=True,
    ).text


def test_270_matches_the_golden_file():
    check_golden("inquiry.270", _270())


def test_270_asks_for_the_five_massage_service_types_in_one_subscriber_loop():
    segments = list(SegmentStream(_270()))
    tags = [s[0] for s in segments]
    assert tags[2:] == [
        "ST",
        "BHT",
        "HL",
        "NM1",
        "HL",
        "NM1",
        "HL",
        "TRN",
        "NM1",
        "DMG",
        "DTP",
        "EQ",
        "EQ",
        "EQ",
        "EQ",
        "EQ",
        "SE",
        "GE",
        "IEA",
    ]
    assert [s[1] for s in segments if s[0] == "EQ"] == ["30", "AE", "PT", "33", "1"]
    assert ["HL", "3", "2", "22", "0"] in segments
    assert ["TRN", "1", "INQ0001", "1834567890"] in segments
    assert ["NM1", "IL", "1", "QUILL", "HARPER", "", "", "", "MI", "PVH-100200"] in segments
    assert ["DTP", "291", "D8", "20261109"] in segments
    assert ["SE", "17", "0001"] in segments  # ST .. SE inclusive: 17 segments


def test_271_summary_per_service_type():
    report = read_271(fixture("benefits.271"))
    (response,) = report.responses
    assert (response.subscriber_name, response.member_id, response.payer_name) == (
        "QUILL, HARPER",
        "PVH-100200",
        "PINE VALLEY HEALTH",
    )
    assert response.active is True
    assert (response.plan_begin, response.plan_end) == (date(2026, 1, 1), date(2026, 12, 31))
    benefits = {b.service_type: b for b in response.benefits}
    plan = benefits["30"]
    # In-network individual values win over family (1000.00) and out-of-network (1500.00).
    assert (plan.active, plan.deductible_total, plan.deductible_remaining) == (
        True,
        Decimal("500.00"),
        Decimal("320.00"),
    )
    physical = benefits["AE"]
    assert (physical.coinsurance, physical.copay) == (Decimal("0.20"), Decimal("25.00"))
    assert (physical.visit_limit, physical.visits_remaining) == (Decimal(20), Decimal(14))
    assert physical.authorization_required is True
    assert physical.messages == ("MASSAGE COVERED UNDER PHYSICAL MEDICINE WITH A REFERRAL",)
    assert (benefits["33"].active, benefits["33"].messages) == (
        False,
        ("CHIROPRACTIC NOT COVERED",),
    )
    assert benefits["PT"].active is True and benefits["1"].active is True


def test_271_subscriber_rejection_is_reported():
    text = fixture("benefits.271")
    start, end = text.index("N3*9 FERN CT"), text.index("SE*29")
    rejected = text[:start] + "AAA*N**75*C~\n" + text[end:].replace("SE*29", "SE*11")
    (response,) = read_271(rejected).responses
    assert response.rejections == ("AAA reject reason 75, follow-up C",)
    assert response.active is None and response.benefits == ()


def test_cli_271_json(capsys):
    assert main(["x12", "271", str(FIXTURES / "benefits.271"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (subscriber,) = doc["subscribers"]
    assert subscriber["active"] is True
    assert subscriber["benefits"]["AE"]["coinsurance"] == "0.20"
    assert subscriber["benefits"]["30"]["deductible_remaining"] == "320.00"


def test_271_plan_is_active_when_30_comes_in_a_list_of_service_types():
    # EB*1 (active coverage) for EB03 = 30^1^AE: a repetition list that includes 30 (health
    # benefit plan coverage) says the plan is active, as a lone 30 does.
    text = (
        "ISA*00*          *00*          *ZZ*PVH01          *ZZ*ALDERSUB       *261101*0800*^*"
        "00501*000000001*0*P*:~\n"
        "GS*HB*PVH01*ALDERSUB*20261101*0800*1*X*005010X279A1~\n"
        "ST*271*0001*005010X279A1~\n"
        "BHT*0022*11*INQ0001*20261101*0800~\n"
        "HL*1**20*1~\n"
        "NM1*PR*2*PINE VALLEY HEALTH*****PI*PVH01~\n"
        "HL*2*1*21*1~\n"
        "NM1*1P*2*ALDER STREET BODYWORK LLC*****XX*1245319599~\n"
        "HL*3*2*22*0~\n"
        "TRN*2*INQ0001*1834567890~\n"
        "NM1*IL*1*QUILL*HARPER****MI*PVH-100200~\n"
        "EB*1*IND*30^1^AE**PPO~\n"
        "SE*11*0001~\n"
        "GE*1*1~\n"
        "IEA*1*000000001~\n"
    )
    (response,) = read_271(text).responses
    assert response.active is True
    assert {b.service_type: b.active for b in response.benefits} == {
        "30": True,
        "1": True,
        "AE": True,
    }
