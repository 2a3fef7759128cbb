"""``knead demo`` seeds the synthetic demo practice once, and tops up visits for --scale."""

from __future__ import annotations

import pytest

from knead.clients.models import Authorization, Case, Client, Referral
from knead.demo.seed import DEMO_PASSWORD, seed_demo
from knead.practice.models import Membership, Payer, PayerKind, Practice, Provider, Role
from knead.visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_demo_practice_has_what_the_issue_lists_and_a_second_run_adds_nothing():
    lines: list[str] = []
    seed_demo(visits=400, out=lines.append)
    practice = Practice.objects.get()
    assert Provider.objects.filter(practice=practice).count() == 3
    assert Payer.objects.filter(practice=practice).count() == 8
    assert Payer.objects.filter(practice=practice, kind=PayerKind.AUTO).count() == 1
    assert Payer.objects.filter(practice=practice, kind=PayerKind.WORKERS_COMP).count() == 1
    assert Client.objects.filter(practice=practice).count() == 60
    assert (
        Case.objects.count() >= 4
        and Referral.objects.count() >= 4
        and Authorization.objects.count() >= 4
    )
    visits = Visit.objects.filter(practice=practice)
    assert visits.count() == 400
    assert visits.filter(signed_at__isnull=False).count() >= 390
    assert {m.role for m in Membership.objects.filter(practice=practice)} == set(Role)
    assert any(DEMO_PASSWORD in line for line in lines)

    again: list[str] = []
    seed_demo(visits=400, out=again.append)
    assert Practice.objects.count() == 1 and Visit.objects.count() == 400
    assert "nothing to add" in again[0]

    seed_demo(visits=425, out=lambda _line: None)
    assert Visit.objects.count() == 425


def test_injury_visits_fall_inside_their_referral_and_authorization():
    seed_demo(visits=400, out=lambda _line: None)
    for visit in Visit.objects.filter(case__isnull=False).select_related(
        "referral", "authorization"
    ):
        assert visit.referral.issued_on <= visit.date <= visit.referral.expires_on
        assert visit.authorization.starts_on <= visit.date <= visit.authorization.ends_on
