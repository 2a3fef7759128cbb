"""One way to count visits: the kit, the visits-left report, the dashboard, the client page and
the claim's scrubber inputs count the same visits, each inside its own dates and only for its
payer or case. The scenario's counts are worked out by hand beside the visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.clients.models import Authorization, Case, InjuryKind, Referral
from knead.paperwork.services import reimbursement_kit
from knead.practice.models import Payer, PayerKind
from knead.remittance.reports import visits_left
from knead.visits.models import ServiceLine, Visit
from knead.visits.to_claim import claim_for_visit

from .billing.factories import billing_setup

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def add_visit(setup, day, *, lines=(("97124", 30, 2, "60.00"),), signed=True, coverage=True,
              case=None, referral=None, authorizations=(), billing_path="", deleted=False):  # fmt: skip
    visit = Visit.objects.create(
        practice=setup["client"].practice,
        client=setup["client"],
        provider=setup["provider"],
        date=day,
        coverage=setup["coverage"] if coverage else None,
        case=case,
        referral=referral,
        billing_path=billing_path,
        subjective="Neck pain.",
        objective="Tight upper trapezius.",
        assessment="Improving.",
        plan="Weekly.",
        diagnoses=["M542"],
    )
    for position, (code, minutes, units, charge) in enumerate(lines, 1):
        ServiceLine.objects.create(
            visit=visit, position=position, code=code, minutes=minutes, units=units,
            charge=Decimal(charge), pointers=[1],
        )  # fmt: skip
    visit.authorizations.set(authorizations)
    updates = {}
    if signed:
        updates.update(signed_at=timezone.now(), signed_by=setup["provider"].user)
    if deleted:
        updates["deleted_at"] = timezone.now()
    Visit.objects.filter(pk=visit.pk).update(**updates)
    visit.refresh_from_db()
    return visit


@pytest.fixture
def story(practice, users):
    """A health-plan coverage (20 visits a year, benefit year from 100 days ago), a referral for
    6 visits (issued 40 days ago, expiring in 10 days), authorization A (97124, 10 visits, 40
    units, from 35 days ago to 20 days ahead) and B (97010), and a PIP case with its own
    carrier and authorization P."""
    setup = billing_setup(practice, users["therapist"])
    coverage = setup["coverage"]
    coverage.visits_per_year = 20
    coverage.benefit_year_start = days_ago(100)
    coverage.effective_on = days_ago(400)
    coverage.save()
    client, plan = setup["client"], setup["payer"]
    carrier = Payer.objects.create(
        practice=practice, name="Safe Auto PIP", payer_id="SAFE1", kind=PayerKind.AUTO
    )
    case = Case.objects.create(
        practice=practice, client=client, kind=InjuryKind.AUTO, payer=carrier,
        claim_number="PIP-1", accident_date=days_ago(120), accident_state="WA",
    )  # fmt: skip
    referral = Referral.objects.create(
        practice=practice, client=client, prescriber_name="Dr. Chidi Okafor",
        prescriber_npi="1000000004", diagnoses="M54.2", visits_allowed=6,
        issued_on=days_ago(40), expires_on=TODAY + dt.timedelta(days=10),
    )  # fmt: skip

    def auth(number, payer, codes, **limits):
        return Authorization.objects.create(
            practice=practice, client=client, payer=payer, number=number, codes=codes,
            starts_on=days_ago(35), ends_on=TODAY + dt.timedelta(days=20), **limits,
        )  # fmt: skip

    a = auth("PA-A", plan, "97124", visits_approved=10, units_approved=40)
    b = auth("PA-B", plan, "97010", visits_approved=4)
    p = auth("PA-PIP", carrier, "", visits_approved=12)
    Authorization.objects.filter(pk=p.pk).update(case=case)
    both = (("97124", 30, 2, "60.00"), ("97010", 15, 1, "15.00"))
    visits = {
        "v1": add_visit(setup, days_ago(90)),  # counts for the plan year (1)
        "v2": add_visit(setup, days_ago(60)),  # (2)
        "pip_early": add_visit(setup, days_ago(50), case=case, authorizations=[p]),  # PIP
        # Names the referral and A before either starts: the plan year only (3).
        "v10": add_visit(setup, days_ago(45), referral=referral, authorizations=[a]),
        "v3": add_visit(setup, days_ago(30), referral=referral, authorizations=[a]),  # (4)
        "deleted": add_visit(setup, days_ago(20), deleted=True),
        "self_pay": add_visit(setup, days_ago(15), billing_path="self_pay"),
        "unsigned": add_visit(setup, days_ago(10), signed=False),
        "pip": add_visit(setup, days_ago(5), case=case, authorizations=[p]),  # PIP
        "last_year": add_visit(setup, days_ago(200)),  # before this benefit year
        # (5); the 97010 line is PA-B's.
        "v9": add_visit(setup, days_ago(2), lines=both, referral=referral, authorizations=[a, b]),
    }
    return {**setup, "case": case, "referral": referral, "a": a, "b": b, "p": p, **visits}


def test_the_kit_the_report_the_dashboard_and_the_client_page_agree(story, as_role):
    # Plan year: v1, v2, v10, v3, v9 = 5 of 20, 15 left (not the PIP, deleted, self-pay,
    # unsigned or last year's visits). Referral: v3 and v9 = 2 of 6 (v10 is before it was
    # issued). PA-A: v3 and v9 = 2 of 10 visits, 2 + 2 = 4 of 40 units (v10 is before it
    # starts; v9's 97010 line is PA-B's).
    kit = reimbursement_kit(story["coverage"], today=TODAY)
    assert "15 of 20 visits left this year." in kit.expectation
    rows = visits_left(story["client"].practice, TODAY).rows
    assert ("Jordan Example · Evergreen Health Plan benefit", 20, 5, 15) in rows
    assert ("Jordan Example · auth PA-A", 10, 2, 8) in rows
    assert ("Jordan Example · auth PA-B", 4, 1, 3) in rows
    # PA-PIP: the PIP visit 5 days ago; the one 50 days ago is before it starts.
    assert ("Jordan Example · auth PA-PIP", 12, 1, 11) in rows
    dashboard = as_role("owner").get(reverse("dashboard:home")).content.decode()
    assert "2/6 visits" in dashboard
    assert "2/10 visits · 4/40 units" in dashboard
    client_page = as_role("owner").get(story["client"].get_absolute_url()).content.decode()
    assert "5 of 20 used" in client_page
    assert "2 of 6" in client_page and "2 of 10" in client_page and "4 of 40" in client_page


def test_the_claims_scrubber_inputs_count_the_same_visits_before_this_one(story):
    claim = claim_for_visit(Visit.objects.get(pk=story["v9"].pk))
    # Before v9: v1, v2, v10, v3 in the plan year; v3 under the referral and PA-A (2 units).
    assert claim.coverage.visits_used_this_year == 4
    assert claim.referral.visits_used == 1
    assert [a.number for a in claim.authorizations] == ["PA-A", "PA-B"]
    assert (claim.authorization.visits_used, claim.authorization.units_used) == (1, 2)
    assert claim.authorization.codes == ("97124",)
    assert claim.additional_authorizations[0].visits_used == 0


def test_a_pip_visits_claim_counts_the_cases_visits_and_its_own_authorization(story):
    claim = claim_for_visit(Visit.objects.get(pk=story["pip"].pk))
    assert claim.coverage.payer.name == "Safe Auto PIP"
    assert claim.coverage.visits_used_this_year == 1  # the earlier PIP visit only
    assert [a.number for a in claim.authorizations] == ["PA-PIP"]
    assert claim.authorization.visits_used == 0  # that earlier visit is before PA-PIP starts


def test_an_authorization_of_another_payer_is_not_put_on_the_claim(story):
    # The PIP authorization linked to a health-plan visit by mistake is not the plan's.
    visit = Visit.objects.get(pk=story["v2"].pk)
    visit.authorizations.add(story["p"])
    assert claim_for_visit(visit).authorizations == ()


def test_the_coverages_pre_authorization_answer_reaches_the_scrubber(story):
    coverage = story["coverage"]
    coverage.preauth_required = "yes"
    coverage.save()
    assert claim_for_visit(Visit.objects.get(pk=story["v2"].pk)).coverage.authorization_required
    coverage.preauth_required = "unknown"
    coverage.save()
    claim = claim_for_visit(Visit.objects.get(pk=story["v2"].pk))
    assert claim.coverage.authorization_required is None


def test_the_visit_page_shows_which_authorization_covers_each_line(story, as_role):
    page = as_role("owner").get(story["v9"].get_absolute_url()).content.decode()
    cells = page.split('data-testid="line-auth">')[1:]
    assert [cell.split("<", 1)[0] for cell in cells] == ["PA-A", "PA-B"]
