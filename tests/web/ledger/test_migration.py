"""The money kept before the ledger (claims, postings, client payments) migrates into it, and
every balance comes out as the old views showed it where they were right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

D = Decimal
# The schema the ledger's first migration found (later migrations of these apps are rolled
# back too, so the historical models match the tables).
BEFORE = [
    ("ledger", None),
    # Practices as they stood then too: later NOT NULL columns are not in the old models.
    ("practice", "0003_timely_filing_months"),
    ("visits", "0002_list_and_unsigned_indexes"),
    ("claims", "0002_claim_claims_clai_practic_30795d_idx"),
    ("practice", "0003_timely_filing_months"),
    ("clients", "0002_referral_document_checks"),
]
REMITTANCE_BEFORE = ("remittance", "0002_workitem_remittance__practic_4ebf13_idx")


def _legacy(apps) -> dict:
    """A practice as it stood before the ledger: one claim paid by the payer with a patient
    share, the client's $5.00 payment, a cash visit that made no charge at all, a second
    claim cancelled in draft, a denied claim closed with its balance still showing, and a
    primary claim with a secondary that carried the whole charge."""
    Practice = apps.get_model("practice", "Practice")
    Provider = apps.get_model("practice", "Provider")
    Payer = apps.get_model("practice", "Payer")
    Client = apps.get_model("clients", "Client")
    Coverage = apps.get_model("clients", "Coverage")
    Visit = apps.get_model("visits", "Visit")
    ServiceLine = apps.get_model("visits", "ServiceLine")
    Claim = apps.get_model("claims", "Claim")
    ClaimLine = apps.get_model("claims", "ClaimLine")
    Posting = apps.get_model("remittance", "Posting")
    ClientPayment = apps.get_model("remittance", "ClientPayment")

    practice = Practice.objects.create(name="Old Books Massage", state="WA")
    provider = Provider.objects.create(
        practice=practice, first_name="Ana", last_name="Rivera", npi="1558598797"
    )
    payer = Payer.objects.create(practice=practice, name="Evergreen Health Plan", payer_id="EVG01")
    client = Client.objects.create(
        practice=practice,
        first_name="Jordan",
        last_name="Example",
        date_of_birth=dt.date(1985, 3, 14),
    )
    coverage = Coverage.objects.create(
        practice=practice, client=client, payer=payer, member_id="EVG123456789"
    )
    medicaid = Payer.objects.create(practice=practice, name="Apple Health", payer_id="SKWA0")
    medicaid_coverage = Coverage.objects.create(
        practice=practice, client=client, payer=medicaid, priority=2, member_id="123456789WA"
    )
    now = timezone.now()

    def visit(day, coverage, charge):
        v = Visit.objects.create(
            practice=practice,
            client=client,
            provider=provider,
            date=day,
            coverage=coverage,
            signed_at=now,
            diagnoses=["M542"],
        )
        line = ServiceLine.objects.create(
            visit=v, position=1, code="97124", minutes=30, units=2, charge=D(charge), pointers=[1]
        )
        return v, line

    billed, _ = visit(dt.date(2026, 3, 2), coverage, "60.00")
    cash, _ = visit(dt.date(2026, 3, 9), None, "90.00")
    cancelled, _ = visit(dt.date(2026, 3, 16), coverage, "45.00")
    refused, _ = visit(dt.date(2026, 3, 23), coverage, "60.00")
    two_plans, _ = visit(dt.date(2026, 3, 30), coverage, "130.00")

    def claim(v, status, charge, payer=payer, coverage=coverage, **money):
        c = Claim.objects.create(
            practice=practice,
            client=client,
            provider=provider,
            payer=payer,
            coverage=coverage,
            service_from=v.date,
            service_to=v.date,
            charge=D(charge),
            status=status,
            **money,
        )
        c.claim_id = f"KN{c.pk:08d}"
        c.save()
        line = ClaimLine.objects.create(
            claim=c,
            visit=v,
            position=1,
            service_date=v.date,
            code="97124",
            units=2,
            charge=D(charge),
        )
        return c, line

    paid, line = claim(
        billed,
        "paid",
        "60.00",
        paid=D("41.60"),
        contractual=D("8.00"),
        patient_responsibility=D("10.40"),
        balance=D("0.00"),
    )

    def postings(claim, line, *rows):
        for kind, amount, group, reason in rows:
            Posting.objects.create(
                practice=practice,
                claim=claim,
                line=line,
                kind=kind,
                amount=D(amount),
                group=group,
                reason=reason,
                posted_on=dt.date(2026, 4, 20),
            )

    postings(
        paid,
        line,
        ("payment", "41.60", "", ""),
        ("contractual", "8.00", "CO", "45"),
        ("patient", "10.40", "PR", "2"),
    )
    draft, _ = claim(cancelled, "closed", "45.00", balance=D("45.00"))
    denied, line = claim(refused, "closed", "60.00", denied=D("60.00"), balance=D("60.00"))
    postings(denied, line, ("denial", "60.00", "CO", "50"))
    primary, line = claim(
        two_plans,
        "paid",
        "130.00",
        paid=D("83.20"),
        contractual=D("26.00"),
        patient_responsibility=D("20.80"),
        balance=D("0.00"),
    )
    postings(
        primary,
        line,
        ("payment", "83.20", "", ""),
        ("contractual", "26.00", "CO", "45"),
        ("patient", "20.80", "PR", "2"),
    )
    secondary, _ = claim(
        two_plans,
        "accepted",
        "130.00",
        payer=medicaid,
        coverage=medicaid_coverage,
        priority=2,
        primary_claim=primary,
        balance=D("130.00"),
    )
    ClientPayment.objects.create(
        practice=practice,
        client=client,
        received_on=dt.date(2026, 4, 21),
        amount=D("5.00"),
        method="cash",
    )
    return {
        "practice": practice.pk,
        "client": client.pk,
        "paid": paid.pk,
        "draft": draft.pk,
        "denied": denied.pk,
        "secondary": secondary.pk,
        "cash": cash.pk,
        "billed": billed.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_old_claims_postings_and_payments_migrate_into_one_ledger_that_adds_up():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(
        [node for node in BEFORE if node[1]] + [REMITTANCE_BEFORE]
    ).apps
    ids = _legacy(old)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(leaves)

    from knead.claims.models import Claim
    from knead.clients.models import Client
    from knead.ledger.checks import check_practice
    from knead.ledger.selectors import client_balance, client_paid, insurance_balance
    from knead.practice.models import Practice
    from knead.visits.models import Visit

    client = Client.objects.get(pk=ids["client"])
    # The old ledger page: the client's share 10.40 less the 5.00 paid = 5.40 owed; payers owe
    # nothing on the paid claim. It missed the cash visit, which was never charged: now the
    # client owes its 90.00 too. The cancelled draft's 45.00 is owed by the payer, unbilled.
    # The denied claim, closed, showed 60.00 still owed: it owes nothing, written off at close.
    # The secondary showed the whole 130.00: it expects only the 20.80 the primary left, which
    # the client no longer owes.
    assert client_balance(client) == D("5.40") + D("90.00")
    assert insurance_balance(client) == D("45.00") + D("20.80")
    assert Claim.objects.get(pk=ids["paid"]).balance == D("0.00")
    assert Claim.objects.get(pk=ids["draft"]).balance == D("0.00")
    denied = Claim.objects.get(pk=ids["denied"])
    assert (denied.balance, denied.written_off) == (D("0.00"), D("60.00"))
    assert Claim.objects.get(pk=ids["secondary"]).balance == D("20.80")
    assert client_paid([Visit.objects.get(pk=ids["billed"])]) == D("5.00")
    assert Visit.objects.get(pk=ids["cash"]).billing_path == "self_pay"
    assert check_practice(Practice.objects.get(pk=ids["practice"])).failures == []
