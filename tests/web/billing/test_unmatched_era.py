"""An 835 claim that matched none of the practice's claims, posted by hand to the right one.

The 835 is ``_era2``: its first claim (97124 x 2 on 2026-03-02) was paid 41.60 with CO-45 8.00
and PR-2 10.40; its third (97124 x 2 on 2026-03-16) was denied CO-50 60.00. Expected totals are
those CAS amounts, and the balance 60.00 - 41.60 - 8.00 - 10.40 = 0.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.accounts.roles import Role
from knead.claims.models import Claim
from knead.claims.services import BillingRefused, create_claims
from knead.remittance.imports import start_import
from knead.remittance.models import Posting, Remittance, WorkItem, WorkKind
from knead.remittance.queue import claim_candidates, post_to_claim

from ..conftest import make_user, signed_in
from .factories import billing_setup, signed_visit
from .test_end_to_end import _era2

D = Decimal


@pytest.fixture
def sent(practice, users):
    """Three accepted claims of 60.00 (2026-03-02, 03-09, 03-16) and an 835 in which the
    first and third came back under claim numbers the practice never used."""
    setup = billing_setup(practice, users["therapist"])
    visits = [
        signed_visit(setup, dt.date(2026, 3, day), [("97124", 30, 2, "60.00", [])], users["owner"])
        for day in (2, 9, 16)
    ]
    claims = create_claims(visits, user=users["biller"], practice=practice)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(status="accepted")
    start_import(
        _era2("KN-TYPO-1", claims[1].claim_id, "KN-TYPO-3", "KN99999999"),
        name="era.835",
        user=users["biller"],
        practice=practice,
    )
    return claims


def _unmatched(claim_number: str) -> WorkItem:
    return WorkItem.objects.get(kind=WorkKind.UNMATCHED_CLAIM, detail__claim_id=claim_number)


@pytest.mark.django_db
def test_posting_a_paid_835_claim_to_the_right_claim_moves_its_money_and_matches_its_line(
    sent, users
):
    item = _unmatched("KN-TYPO-1")
    remittance = item.remittance
    before = (remittance.matched, remittance.unmatched)
    post_to_claim(item, sent[0], user=users["biller"])
    claim = Claim.objects.get(pk=sent[0].pk)
    assert (claim.paid, claim.contractual, claim.patient_responsibility, claim.balance) == (
        D("41.60"),
        D("8.00"),
        D("10.40"),
        D("0.00"),
    )
    assert claim.status == "paid"
    assert claim.payer_claim_number == "PCN1"
    line = claim.lines.get()
    assert set(Posting.objects.filter(claim=claim).values_list("line_id", flat=True)) == {line.pk}
    # All of that 835 claim moved: its SVC payment, CO-45 and PR-2 (3 postings, none left over).
    assert Posting.objects.filter(claim=claim).count() == 3
    assert not Posting.objects.filter(
        remittance=remittance, claim__isnull=True, segment=item.segment
    ).exists()
    remittance = Remittance.objects.get(pk=remittance.pk)
    assert (remittance.matched, remittance.unmatched) == (before[0] + 1, before[1] - 1)
    item.refresh_from_db()
    assert (item.status, item.resolution, item.claim_id) == ("done", "matched", claim.pk)
    assert sent[0].claim_id in item.resolution_note


@pytest.mark.django_db
def test_a_denied_835_claim_posted_by_hand_queues_its_denial(sent, users):
    post_to_claim(_unmatched("KN-TYPO-3"), sent[2], user=users["biller"])
    claim = Claim.objects.get(pk=sent[2].pk)
    assert (claim.status, claim.denied, claim.paid) == ("denied", D("60.00"), D("0.00"))
    denial = WorkItem.objects.get(claim=claim, kind=WorkKind.DENIAL, status="open")
    assert denial.codes == [["CO", "50", "60.00"]]


@pytest.mark.django_db
def test_an_item_posted_once_cannot_be_posted_again(sent, users):
    item = _unmatched("KN-TYPO-1")
    post_to_claim(item, sent[0], user=users["biller"])
    with pytest.raises(BillingRefused, match="already done"):
        post_to_claim(item, sent[2], user=users["biller"])
    assert Claim.objects.get(pk=sent[2].pk).paid == 0


@pytest.mark.django_db
def test_a_claim_already_paid_cannot_take_the_payment(sent, users):
    # Claim 2 was paid by this very 835 (41.60 for its 97124; its 97140 denied CO-97).
    with pytest.raises(BillingRefused, match="is partly paid: only a claim sent and still"):
        post_to_claim(_unmatched("KN-TYPO-1"), Claim.objects.get(pk=sent[1].pk),
                      user=users["biller"])  # fmt: skip
    assert Claim.objects.get(pk=sent[1].pk).paid == D("41.60")


@pytest.mark.django_db
def test_only_a_claim_not_found_can_be_posted_to_a_claim(sent, users):
    line_item = WorkItem.objects.get(kind=WorkKind.UNMATCHED_LINE)  # claim 2's 97140
    with pytest.raises(BillingRefused, match="claim not found"):
        post_to_claim(line_item, sent[0], user=users["biller"])


@pytest.mark.django_db
def test_the_item_keeps_what_identifies_the_payers_claim(sent):
    item = _unmatched("KN-TYPO-1")
    assert item.detail["patient"] == "EXAMPLE, JORDAN"
    assert item.detail["services"] == [["97124", "2026-03-02"]]
    assert (item.detail["charge"], item.detail["paid"]) == ("60.00", "41.60")


@pytest.mark.django_db
def test_candidates_are_claims_awaiting_the_same_amount_the_same_first_date_first(sent, users):
    # Claim 2 was paid by this 835; claims 1 and 3 (60.00, accepted) are still waiting. Both
    # share the 835's payer and patient; claim 1 also shares its service date (2026-03-02), so
    # it comes before the newer claim 3.
    assert [c.pk for c in claim_candidates(_unmatched("KN-TYPO-1"))] == [sent[0].pk, sent[2].pk]
    assert [c.pk for c in claim_candidates(_unmatched("KN-TYPO-3"))] == [sent[2].pk, sent[0].pk]


@pytest.mark.django_db
def test_the_work_item_page_offers_the_candidates_and_posts_to_the_chosen_claim(
    sent, users, as_role
):
    item = _unmatched("KN-TYPO-1")
    biller = as_role("biller")
    page = biller.get(reverse("remittance:work_item", args=[item.pk])).content.decode()
    assert "KN-TYPO-1" in page and "Post here" in page and sent[0].claim_id in page
    response = biller.post(
        reverse("remittance:act", args=[item.pk]),
        {"action": "post_to_claim", "claim": sent[0].claim_id},
    )
    assert response.status_code == 302 and response.url == sent[0].get_absolute_url()
    assert Claim.objects.get(pk=sent[0].pk).status == "paid"


@pytest.mark.django_db
def test_a_claim_number_of_another_practice_is_refused_and_nothing_moves(
    sent, users, as_role, other_practice
):
    other_setup = billing_setup(
        other_practice, make_user("therapist_b", other_practice, Role.THERAPIST)
    )
    visit = signed_visit(
        other_setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["owner"]
    )
    (theirs,) = create_claims([visit], user=users["owner"], practice=other_practice)
    item = _unmatched("KN-TYPO-1")
    response = as_role("biller").post(
        reverse("remittance:act", args=[item.pk]),
        {"action": "post_to_claim", "claim": theirs.claim_id},
        follow=True,
    )
    assert f"No claim numbered “{theirs.claim_id}” in this practice." in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    assert Claim.objects.get(pk=theirs.pk).paid == 0


@pytest.mark.django_db
def test_a_therapist_cannot_post_an_835_claim(sent, users):
    item = _unmatched("KN-TYPO-1")
    response = signed_in(users["therapist"]).post(
        reverse("remittance:act", args=[item.pk]),
        {"action": "post_to_claim", "claim": sent[0].claim_id},
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=sent[0].pk).paid == 0
