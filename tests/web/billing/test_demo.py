"""The billing demo tells a true story, through the billing services and only once: batches
after their visits, ERAs after their batches (so days to payment is never negative), and
Medicaid as the payer of last resort that leaves nothing to the client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from knead.claims.models import Batch, Claim, ClaimLine
from knead.clients.models import Coverage
from knead.demo.billing import seed_billing
from knead.demo.seed import seed_demo
from knead.ledger.checks import check_practice
from knead.ledger.selectors import client_owes_for
from knead.practice.models import PayerKind
from knead.remittance.models import Posting, PostingKind, Remittance, WorkItem, WorkKind
from knead.remittance.reports import days_to_payment, last_twelve_months

from .factories import billing_setup, signed_visit


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


@pytest.mark.django_db
def test_seed_billing_bills_the_visits_before_the_last_batch_day_and_runs_once(practice, users):
    setup = billing_setup(practice, users["therapist"])
    today = timezone.localdate()
    for week in range(6):
        signed_visit(
            setup,
            today - dt.timedelta(days=60 - 7 * week),
            [("97124", 30, 2, "60.00", []), ("97140", 15, 1, "35.00", ["59"])],
            users["owner"],
        )
    # The last batch was a week ago: a visit of three days ago is not billed yet.
    recent = signed_visit(
        setup, today - dt.timedelta(days=3), [("97124", 30, 2, "60.00", [])], users["owner"]
    )
    lines: list[str] = []
    seed_billing(practice, out=lines.append)
    claims = Claim.objects.filter(practice=practice)
    assert claims.count() == 6 and not recent.claim_lines.exists()
    assert Remittance.objects.filter(practice=practice).exists()
    assert all(r.problems == [] for r in Remittance.objects.all())  # every generated 835 balances
    seed_billing(practice, out=lines.append)
    assert claims.count() == 6 and lines[-1] == "Billing demo data already there."


@pytest.mark.django_db
def test_the_demo_story_is_true_to_the_calendar_and_to_medicaid():
    seed_demo(visits=400, out=lambda _line: None)
    today = timezone.localdate()
    claims = Claim.objects.exclude(batch=None).select_related("batch")

    # Batches come after their visits: a batch day bills the visits of the days before it.
    batch_day = {b.pk: _day(b.created) for b in Batch.objects.all()}
    assert batch_day and all(day < today for day in batch_day.values())
    for line in ClaimLine.objects.filter(claim__batch__isnull=False).select_related("claim"):
        assert line.service_date < batch_day[line.claim.batch_id], line.claim.claim_id
    for claim in claims:
        assert _day(claim.submitted_at) == batch_day[claim.batch_id]

    # Every ERA is dated (BPR16 and DTM*405) on or after the batch of every claim it answers.
    remittances = list(Remittance.objects.all())
    assert len(remittances) > 10
    for remittance in remittances:
        day = remittance.paid_on.strftime("%Y%m%d")
        assert remittance.problems == []
        assert f"*{day}~" in remittance.content and f"DTM*405*{day}~" in remittance.content
        assert remittance.paid_on < today
    for posting in Posting.objects.filter(claim__batch__isnull=False).select_related(
        "remittance", "claim"
    ):
        assert posting.remittance.paid_on >= batch_day[posting.claim.batch_id]

    # So days to payment is never negative, and nothing is flagged.
    report = days_to_payment(claims[0].practice, last_twelve_months(today))
    assert report.flags == ()
    assert report.rows and all(row[2] is not None and row[2] >= 0 for row in report.rows)
    for claim in claims.exclude(first_paid_on=None):
        assert claim.first_paid_on >= _day(claim.submitted_at)

    # Medicaid leaves the client nothing: no PR in its ERAs, no patient share posted.
    medicaid = [r for r in remittances if r.payer_name == "WASHINGTON APPLE HEALTH"]
    assert medicaid
    for remittance in medicaid:
        assert "CAS*PR*" not in remittance.content
        assert not remittance.postings.filter(kind=PostingKind.PATIENT).exists()
    assert (
        not Coverage.objects.filter(payer__kind=PayerKind.MEDICAID, priority=1)
        .filter(client__coverages__priority=2)
        .exists()
    )  # Medicaid is never primary to another plan

    # Clients with commercial primary and Medicaid secondary: once the primary paid, a
    # secondary claim to Medicaid, whose ERA pays the client's share; the client owes nothing.
    secondaries = Claim.objects.filter(primary_claim__isnull=False).select_related("payer")
    paid = [c for c in secondaries if c.status == "paid"]
    assert paid and all(c.payer.kind == PayerKind.MEDICAID for c in secondaries)
    for claim in paid:
        primary = claim.primary_claim
        assert primary.payer.kind == PayerKind.COMMERCIAL
        assert claim.paid == primary.patient_responsibility > 0
        assert claim.patient_responsibility == 0
        assert client_owes_for([line.visit for line in claim.lines.all()]) == 0

    # The story still has a biller's day of work in it.
    (typo,) = WorkItem.objects.filter(kind=WorkKind.UNMATCHED_CLAIM)
    assert typo.detail["claim_id"].startswith("KM")
    assert WorkItem.objects.filter(kind=WorkKind.UNDERPAID).exists()
    assert WorkItem.objects.filter(kind=WorkKind.DENIAL).exists()
    assert Posting.objects.filter(reversal=True).exists()
    assert Claim.objects.filter(status__in=["submitted", "accepted"]).exists()  # still owed

    # And the ledger foots.
    assert check_practice(claims[0].practice).failures == []
