"""Estimates: hand-calculated expected payments (the arithmetic is written out in each test)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal as D
from pathlib import Path

from knead.billing.claim import BillingMode
from knead.billing.claim_json import claim_from_dict
from knead.billing.estimate import BenefitHistory, Benefits, FeeSchedule, estimate

ROOT = Path(__file__).resolve().parents[2]


def visit(name: str = "commercial"):
    return claim_from_dict(json.loads((ROOT / f"docs/examples/claims/{name}.json").read_text()))


FEES = FeeSchedule({"97124": D("25.00"), "97140": D("30.00")})


def test_in_network_deductible_copay_and_coinsurance():
    # Billed 97124 x 4 = 120.00. Allowed 4 x 25.00 = 100.00.
    # Deductible 500, met 460 → 40 remaining → 40 applied, 60 left.
    # Copay 10 → 50 left. Coinsurance 20% of 50 = 10. Insurer 50 - 10 = 40.
    # Client 40 + 10 + 10 = 60.
    result = estimate(
        visit(),
        Benefits(deductible=D("500"), copay=D("10"), coinsurance_percent=D("20")),
        FEES,
        BenefitHistory(deductible_met=D("460")),
    )
    assert (result.billed, result.allowed) == (D("120.00"), D("100.00"))
    assert (result.deductible_applied, result.copay, result.coinsurance) == (
        D("40.00"), D("10.00"), D("10.00"),
    )  # fmt: skip
    assert (result.insurer_pays, result.client_pays) == (D("40.00"), D("60.00"))
    assert any("Deductible" in line for line in result.explanation)
    assert result.explanation[-1] == "The client pays $60.00."


def test_deductible_already_met_and_coinsurance_rounds_half_up():
    # Allowed: 97124 3 units x 25.00 = 75.00 (charge 90.00) + 97140 1 x 30.00 = 30.00 → 105.00.
    # Coinsurance 15% of 105.00 = 15.75; insurer 89.25.
    result = estimate(
        visit("auto-pip"),
        Benefits(coinsurance_percent=D("15")),
        FEES,
        BenefitHistory(),
    )
    assert result.allowed == D("105.00")
    assert (result.coinsurance, result.insurer_pays, result.client_pays) == (
        D("15.75"), D("89.25"), D("15.75"),
    )  # fmt: skip


def test_half_cent_rounds_up():
    # Allowed 100.00 (4 x 25.00). Coinsurance 33.125% of 100.00 = 33.125 → 33.13 (half up).
    result = estimate(visit(), Benefits(coinsurance_percent=D("33.125")), FEES, BenefitHistory())
    assert result.coinsurance == D("33.13")
    assert result.insurer_pays == D("66.87")


def test_superbill_plan_reimburses_half_after_the_deductible_up_to_20_visits():
    # "My plan reimburses 50% after the deductible, up to 20 visits a year."
    # Billed 110.00; no fee schedule for this plan → basis is the charge, 110.00.
    # Deductible 300, met 250 → 50 applied → 60.00 left; 50% = 30.00 reimbursed.
    # The client pays 110.00 and gets 30.00 back → costs 80.00.
    result = estimate(
        visit("superbill"),
        Benefits(in_network=False, deductible=D("300"), reimbursement_percent=D("50"),
                 visits_per_year=20),
        FeeSchedule(),
        BenefitHistory(deductible_met=D("250"), visits_used=5),
    )  # fmt: skip
    assert (result.deductible_applied, result.insurer_pays, result.client_pays) == (
        D("50.00"), D("30.00"), D("80.00"),
    )  # fmt: skip
    assert result.visit_limit_reached is False
    assert "Visit 6 of 20" in " ".join(result.explanation)


def test_visit_limit_reached_means_the_plan_pays_nothing():
    result = estimate(
        visit("superbill"),
        Benefits(in_network=False, reimbursement_percent=D("50"), visits_per_year=20),
        FeeSchedule(),
        BenefitHistory(visits_used=20),
    )
    assert result.visit_limit_reached is True
    assert (result.insurer_pays, result.client_pays) == (D("0.00"), D("110.00"))
    assert "20 visits a year and 20 are used" in result.explanation[-2]


def test_out_of_network_direct_billing_adds_the_balance_above_allowed():
    # Allowed 100.00 of 120.00 billed. Deductible met. Coinsurance 40% of 100 = 40; insurer 60.
    # Client 40 + (120 - 100) = 60.
    result = estimate(
        visit(), Benefits(in_network=False, coinsurance_percent=D("40")), FEES, BenefitHistory()
    )
    assert (result.insurer_pays, result.client_pays) == (D("60.00"), D("60.00"))


def test_out_of_network_reimbursement_on_allowed_amounts():
    # Allowed 100.00 (fee schedule); 70% of 100.00 = 70.00; client owes 120.00 - 70.00 = 50.00.
    result = estimate(
        visit(),
        Benefits(in_network=False, reimbursement_percent=D("70")),
        FEES,
        BenefitHistory(),
    )
    assert (result.insurer_pays, result.client_pays) == (D("70.00"), D("50.00"))


def test_copay_larger_than_the_allowed_amount_is_capped():
    # Allowed 100.00, copay 150 → client pays 100.00, insurer 0.
    result = estimate(visit(), Benefits(copay=D("150")), FEES, BenefitHistory())
    assert (result.copay, result.insurer_pays, result.client_pays) == (
        D("100.00"), D("0.00"), D("100.00"),
    )  # fmt: skip


def test_superbill_in_network_style_plan_with_coinsurance():
    # Superbill client, plan pays allowed minus 20% coinsurance: allowed 100.00, coinsurance 20.00,
    # plan reimburses 80.00; client paid 120.00 → costs 40.00.
    sb = dataclasses.replace(visit(), billing_mode=BillingMode.SUPERBILL)
    result = estimate(sb, Benefits(coinsurance_percent=D("20")), FEES, BenefitHistory())
    assert (result.insurer_pays, result.client_pays) == (D("80.00"), D("40.00"))


def test_not_covered():
    result = estimate(visit(), Benefits(covered=False), FEES, BenefitHistory())
    assert (result.insurer_pays, result.client_pays) == (D("0.00"), D("120.00"))
