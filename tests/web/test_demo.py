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
    for visit in (
        Visit.objects.filter(case__isnull=False)
        .select_related("referral")
        .prefetch_related("authorizations")
    ):
        assert visit.referral.issued_on <= visit.date <= visit.referral.expires_on
        [authorization] = visit.authorizations.all()
        assert authorization.starts_on <= visit.date <= authorization.ends_on


def test_the_demo_ledger_passes_knead_ledger_check_and_tells_the_cash_pay_story():
    from decimal import Decimal

    from knead.cli import main as knead
    from knead.ledger.checks import check_practice
    from knead.ledger.models import Entry, Payment

    seed_demo(out=lambda _line: None)
    practice = Practice.objects.get()
    report = check_practice(practice)
    assert report.failures == []
    assert knead(["ledger", "check"]) == 0
    # Cash-pay clients paid at their visits; one bought a package and holds it as credit.
    assert Payment.objects.filter(practice=practice, kind="payment").count() > 20
    package = Payment.objects.get(practice=practice, kind="package")
    unapplied = Entry.objects.filter(payment=package, service_line__isnull=True)
    assert sum((e.amount for e in unapplied), Decimal("0")) == Decimal("-300.00")
    # Every signed visit is charged once per active line, whatever its billing path.
    lines = sum(
        v.lines.count() for v in Visit.objects.filter(practice=practice, signed_at__isnull=False)
    )
    assert Entry.objects.filter(practice=practice, kind="charge").count() == lines
