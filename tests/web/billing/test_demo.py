"""The billing demo data is made through the billing services and only once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from knead.claims.demo import seed_billing
from knead.claims.models import Claim
from knead.remittance.models import Posting, Remittance, WorkItem, WorkKind

from .factories import billing_setup, signed_visit


@pytest.mark.django_db
def test_seed_billing_bills_old_signed_visits_posts_eras_and_runs_once(practice, users):
    setup = billing_setup(practice, users["therapist"])
    old = timezone.localdate() - dt.timedelta(days=60)
    for week in range(6):
        signed_visit(setup, old + dt.timedelta(days=7 * week),
                     [("97124", 30, 2, "60.00", []), ("97140", 15, 1, "35.00", ["59"])], users["owner"])
    recent = signed_visit(setup, timezone.localdate() - dt.timedelta(days=3),
                          [("97124", 30, 2, "60.00", [])], users["owner"])
    lines = []
    seed_billing(practice, out=lines.append)
    claims = Claim.objects.filter(practice=practice)
    assert claims.count() == 6 and not recent.claim_lines.exists()
    assert Remittance.objects.filter(practice=practice, status="done").count() == 2  # ERA + reversal
    assert Posting.objects.filter(reversal=True).exists()
    assert all(r.problems == [] for r in Remittance.objects.all())  # every generated 835 balances
    # One claim number comes back mistyped, for the biller to post by hand.
    (typo,) = WorkItem.objects.filter(kind=WorkKind.UNMATCHED_CLAIM)
    assert typo.detail["claim_id"].startswith("KM")
    assert claims.filter(claim_id="KN" + typo.detail["claim_id"][2:]).exists()
    # One claim was allowed 70% of its charge against a contract of 80% of the fee schedule.
    short = WorkItem.objects.filter(kind=WorkKind.UNDERPAID, codes=[], status="open")
    assert short.exists() and {i.claim_id for i in short} == {short[0].claim_id}
    seed_billing(practice, out=lines.append)
    assert claims.count() == 6 and lines[-1] == "Billing demo data already there."
