"""Checkout shows the visit's charge from the ledger and the estimated client share with its
working, line by line; a payment taken before the note is signed pays the visit at signing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.clients.models import Case, InjuryKind
from knead.ledger.checkout import checkout
from knead.ledger.selectors import client_balance, client_paid
from knead.practice.models import ContractRate, Payer, PayerKind
from knead.visits.models import ServiceLine, Visit
from knead.visits.services import sign_visit

from ..billing.factories import billing_setup, ready_practice, signed_visit

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(practice, users):
    """Evergreen: $500 deductible with $450 met, 20% coinsurance, 20 visits a year; the
    contract allows $26.00 a unit of 97124."""
    ready_practice(practice)
    setup = billing_setup(practice, users["therapist"])
    coverage = setup["coverage"]
    coverage.deductible, coverage.deductible_met = D("500.00"), D("450.00")
    coverage.coinsurance_percent, coverage.visits_per_year = D("20"), 20
    coverage.save()
    ContractRate.objects.create(
        practice=practice, payer=setup["payer"], code="97124", allowed=D("26.00")
    )
    return setup


def _visit(setup, day: dt.date, *, charge: str = "120.00", **fields) -> Visit:
    visit = Visit.objects.create(
        practice=setup["client"].practice, client=setup["client"], provider=setup["provider"],
        date=day, subjective="Sore neck.", objective="Tight traps.", assessment="Better.",
        plan="Weekly.", diagnoses=["M542"], **fields,
    )  # fmt: skip
    ServiceLine.objects.create(
        visit=visit, position=1, code="97124", minutes=60, units=4, charge=D(charge), pointers=[1]
    )
    return visit


def test_checkout_shows_the_estimate_working_and_suggests_the_client_share(as_role, setup, users):
    for day in (dt.date(2026, 3, 2), dt.date(2026, 4, 6)):  # two visits used this year
        signed_visit(setup, day, [("97124", 60, 4, "120.00", [])], users["therapist"])
    visit = sign_visit(
        _visit(setup, dt.date(2026, 5, 4), coverage=setup["coverage"]), user=users["therapist"]
    )
    facts = checkout(visit)
    # Allowed 4 x $26.00 = $104.00 (below the $120.00 charge); $500 - $450 = $50.00 of
    # deductible left, all of it from this visit; 20% of the $54.00 left = $10.80; the plan pays
    # $54.00 - $10.80 = $43.20 and the client $50.00 + $10.80 = $60.80.
    steps = {step.label: step.figure for step in facts.steps}
    assert steps == {
        "Allowed amount": "$104.00",
        "Deductible left": "$50.00",
        "Coinsurance": "$10.80",
        "Visits left": "18 of 20",  # 2 used before this visit
        "Insurer pays": "$43.20",
        "Estimated client share": "$60.80",
    }
    # Billed directly: the payer owes the $120.00 charge; the desk collects the estimate.
    assert (facts.charge, facts.client_owes, facts.payers_owe) == (D("120.00"), 0, D("120.00"))
    assert facts.suggested == D("60.80")
    html = as_role("front_desk").get(reverse("ledger:checkout", args=[visit.pk])).content.decode()
    for text in ("Allowed amount", "$104.00", "Deductible left", "Coinsurance", "$10.80",
                 "Visits left", "18 of 20", "Estimated client share", 'value="60.80"',
                 "2 used before this visit this benefit year"):  # fmt: skip
        assert text in html, text


def test_a_payment_before_signing_is_credit_and_pays_the_visit_when_it_is_signed(
    as_role, setup, users
):
    visit = _visit(setup, dt.date(2026, 5, 4), charge="165.00", billing_path="self_pay")
    url = reverse("ledger:checkout", args=[visit.pk])
    desk = as_role("front_desk")
    page = desk.get(url).content.decode()
    assert "Not charged yet" in page and 'value="165.00"' in page  # the services' total
    response = desk.post(url, {"amount": "165.00", "method": "cash", "received_on": "2026-05-04",
                               "kind": "payment"})  # fmt: skip
    receipt = desk.get(response["Location"]).content.decode()
    assert 'Credit on account</td><td class="num">$165.00' in receipt
    assert client_balance(setup["client"]) == D("-165.00")
    sign_visit(visit, user=users["therapist"])
    assert client_paid([visit]) == D("165.00")
    assert client_balance(setup["client"]) == D("0.00")
    # Paid in full, the checkout still shows what was charged, and nothing owed on it.
    facts = checkout(visit)
    assert (facts.charged, facts.charge, facts.client_owes) == (True, D("165.00"), D("0.00"))


def test_an_injury_case_visit_is_the_carriers_and_gets_no_client_estimate(setup, users):
    carrier = Payer.objects.create(
        practice=setup["client"].practice, name="Safe Roads Auto", payer_id="SRA01",
        kind=PayerKind.AUTO,
    )  # fmt: skip
    case = Case.objects.create(
        practice=setup["client"].practice, client=setup["client"], kind=InjuryKind.AUTO,
        payer=carrier, claim_number="PIP-2026-0042", accident_date=dt.date(2026, 2, 20),
    )  # fmt: skip
    visit = _visit(setup, dt.date(2026, 5, 4), case=case)
    facts = checkout(visit)
    assert facts.steps == ()
    assert "Safe Roads Auto" in facts.why_no_estimate
    assert "claim PIP-2026-0042" in facts.why_no_estimate


def test_a_self_pay_visit_says_the_client_pays_the_charge(setup, users):
    visit = sign_visit(
        _visit(setup, dt.date(2026, 5, 4), charge="165.00", billing_path="self_pay"),
        user=users["therapist"],
    )
    facts = checkout(visit)
    assert facts.why_no_estimate == "Self-pay: nobody is billed, so the client pays the charge."
    assert (facts.charge, facts.client_owes, facts.suggested) == (D("165.00"),) * 3


def test_a_copay_plan_shows_the_copay_and_the_rest_paid_by_the_plan(setup, users):
    coverage = setup["coverage"]
    coverage.deductible_met, coverage.copay, coverage.coinsurance_percent = (
        D("500.00"), D("25.00"), D("0")
    )  # fmt: skip
    coverage.save()
    visit = sign_visit(
        _visit(setup, dt.date(2026, 5, 4), coverage=coverage), user=users["therapist"]
    )
    facts = checkout(visit)
    # Allowed 4 x $26.00 = $104.00; the deductible is met; the client pays the $25.00 copay
    # and the plan the $104.00 - $25.00 = $79.00 left.
    steps = {step.label: step.figure for step in facts.steps}
    assert steps == {
        "Allowed amount": "$104.00",
        "Deductible left": "$0.00",
        "Copay": "$25.00",
        "Visits left": "20 of 20",
        "Insurer pays": "$79.00",
        "Estimated client share": "$25.00",
    }
    assert facts.suggested == D("25.00")
