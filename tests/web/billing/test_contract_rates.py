"""Contracted rates per payer and code, and the underpayments posting finds with them.

The 835 is ``_era2``; its first claim is 97124 x 2 (charge 60.00) paid 41.60 with CO-45 8.00
and PR-2 10.40, so the payer allowed 60.00 - 8.00 = 52.00 (hand sums). A contract of 30.00 a
unit expects 60.00: the 8.00 cut is reopened (open reduction, not contractual) and queued.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.claims.models import Claim
from knead.claims.services import BillingRefused, create_claims
from knead.practice.models import ContractRate
from knead.remittance.imports import start_import
from knead.remittance.models import WorkItem, WorkKind
from knead.remittance.queue import bill_client, start_appeal, write_off

from .factories import billing_setup, signed_visit, x12
from .test_end_to_end import _era2

D = Decimal


@pytest.fixture
def setup(practice, users):
    return billing_setup(practice, users["therapist"])


def _post(setup, practice, users, era=_era2):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["owner"]
    )
    (claim,) = create_claims([visit], user=users["biller"], practice=practice)
    Claim.objects.filter(pk=claim.pk).update(status="accepted")
    start_import(
        era(claim.claim_id, "KN99999997", "KN99999998", "KN99999999"),
        name="era.835", user=users["biller"], practice=practice,
    )  # fmt: skip
    return claim


def _rate(setup, practice, allowed):
    return ContractRate.objects.create(
        practice=practice, payer=setup["payer"], code="97124", allowed=D(allowed)
    )


@pytest.mark.django_db
def test_a_line_allowed_below_the_contract_is_queued_as_underpaid(practice, users, setup):
    _rate(setup, practice, "30.00")  # 2 units → 60.00 expected
    claim = _post(setup, practice, users)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    assert item.amount == D("8.00")  # 60.00 - 52.00
    assert item.line == claim.lines.get()
    assert item.detail["why"] == (
        "Allowed $52.00 for 2 unit(s) of 97124; the contract allows $60.00 ($30.00 a unit)."
    )
    claim.refresh_from_db()
    # 60.00 - 41.60 paid - 0.00 contractual - 10.40 patient = 8.00 still owed by the payer.
    assert (claim.contractual, claim.denied, claim.balance, claim.status) == (
        D("0.00"),
        D("8.00"),
        D("8.00"),
        "partial",
    )


@pytest.mark.django_db
def test_a_line_allowed_the_contracted_amount_is_not_queued(practice, users, setup):
    _rate(setup, practice, "26.00")  # 2 units → 52.00, exactly what was allowed
    claim = _post(setup, practice, users)
    assert not WorkItem.objects.filter(claim=claim).exists()


@pytest.mark.django_db
def test_the_allowed_amount_the_payer_states_is_used_when_given(practice, users, setup):
    _rate(setup, practice, "30.00")

    def with_allowed_amount(claim_id, *_others):
        return x12("835", "005010X221A1", "HP", [
            ("BPR", "I", "41.60", "C", "ACH", "CCP", "01", "999999992", "DA", "123456",
             "1512345678", "", "01", "999988880", "DA", "98765", "20260420"),
            ("TRN", "1", "EFT0003", "1512345678"),
            ("N1", "PR", "EVERGREEN HEALTH PLAN"), ("N3", "PO BOX 100"),
            ("N4", "SEATTLE", "WA", "98101"), ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
            ("N1", "PE", "CEDAR LANE", "XX", "1234567893"), ("LX", "1"),
            ("CLP", claim_id, "1", "60", "41.6", "10.4", "12", "PCN1"),
            ("SVC", ("HC", "97124"), "60", "41.6", "", "2"), ("DTM", "472", "20260302"),
            ("CAS", "CO", "45", "8"), ("CAS", "PR", "2", "10.4"), ("AMT", "B6", "55"),
        ], control=503)  # fmt: skip

    claim = _post(setup, practice, users, era=with_allowed_amount)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    assert item.amount == D("5.00")  # 60.00 - AMT*B6 55.00
    claim.refresh_from_db()
    assert (claim.contractual, claim.denied) == (D("3.00"), D("5.00"))  # CO-45 8.00 split


@pytest.mark.django_db
def test_a_rate_above_the_charge_expects_no_more_than_the_charge(practice, users, setup):
    # Payers allow the lesser of the charge and the contract: min(40.00 x 2, 60.00) = 60.00.
    _rate(setup, practice, "40.00")
    claim = _post(setup, practice, users)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    assert item.amount == D("8.00")


@pytest.mark.django_db
def test_a_contract_underpayment_is_written_off_or_appealed_but_not_billed_to_the_client(
    practice, users, setup
):
    _rate(setup, practice, "30.00")
    claim = _post(setup, practice, users)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    with pytest.raises(BillingRefused, match="the payer's to pay, not the client's"):
        bill_client(item, user=users["biller"])
    claim.refresh_from_db()  # PARTIAL since the posting
    appeal = start_appeal(claim, user=users["biller"], item=item)
    assert "We ask you to reconsider the payment of the claim above." in appeal.letter
    assert (
        "- Paid below our contracted rate: Allowed $52.00 for 2 unit(s) of 97124; the contract "
        "allows $60.00 ($30.00 a unit). Amount: $8.00."
    ) in appeal.letter


@pytest.mark.django_db
def test_writing_off_a_contract_underpayment_settles_the_claim(practice, users, setup):
    _rate(setup, practice, "30.00")
    claim = _post(setup, practice, users)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    write_off(item, reason="Small balance", user=users["biller"])
    claim.refresh_from_db()
    assert (claim.balance, claim.status) == (D("0.00"), "closed")


@pytest.mark.django_db
def test_without_a_rate_nothing_is_checked(practice, users, setup):
    claim = _post(setup, practice, users)
    assert not WorkItem.objects.filter(claim=claim).exists()


@pytest.mark.django_db
def test_the_payer_page_lists_rates_and_a_second_rate_for_a_code_is_refused(
    practice, users, setup, as_role
):
    owner = as_role("owner")
    payer = setup["payer"]
    response = owner.post(
        reverse("practice:rate_new", args=[payer.pk]), {"code": "97124", "allowed": "30.00"}
    )
    assert response.status_code == 302
    page = owner.get(reverse("practice:payer", args=[payer.pk])).content.decode()
    assert "97124" in page and "$30.00" in page
    again = owner.post(
        reverse("practice:rate_new", args=[payer.pk]), {"code": "97124", "allowed": "31.00"}
    )
    assert "Evergreen Health Plan already has a rate for 97124; edit that one." in (
        again.content.decode()
    )
    assert ContractRate.objects.get().allowed == D("30.00")


@pytest.mark.django_db
def test_a_rate_can_be_removed_and_then_nothing_is_checked(practice, users, setup, as_role):
    rate = _rate(setup, practice, "30.00")
    response = as_role("owner").post(reverse("practice:rate_delete", args=[rate.pk]))
    assert response.status_code == 302
    assert not ContractRate.objects.for_practice(practice).exists()
    claim = _post(setup, practice, users)
    assert not WorkItem.objects.filter(claim=claim).exists()


@pytest.mark.django_db
def test_a_therapist_cannot_set_rates(practice, users, setup, as_role):
    response = as_role("therapist").post(
        reverse("practice:rate_new", args=[setup["payer"].pk]),
        {"code": "97124", "allowed": "30.00"},
    )
    assert response.status_code == 403
    assert not ContractRate.objects.exists()


@pytest.mark.django_db
def test_a_contract_underpayment_is_not_offered_to_bill_the_client(practice, users, setup, as_role):
    # In network, the difference up to the contracted rate is the payer's to pay.
    _rate(setup, practice, "30.00")
    claim = _post(setup, practice, users)
    (item,) = WorkItem.objects.filter(claim=claim, kind=WorkKind.UNDERPAID)
    page = as_role("biller").get(reverse("remittance:work_item", args=[item.pk])).content
    assert b"Write off $8.00" in page and b"reprocess the line at the contracted rate" in page
    assert b"Start an appeal" in page
    # Not the client's to pay, and nothing on the claim to correct.
    assert b"Bill the client" not in page and b"Create corrected claim" not in page
