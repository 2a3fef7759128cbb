"""Run in a subprocess by test_workers.py against a database of its own (KNEAD_DATA_DIR or
DATABASE_URL in the environment):

    python scenario.py setup CLAIMS   # a practice whose claims a synthetic 835 pays; queue it
    python scenario.py report ID      # what remittance ID posted, as JSON

``setup`` prints {"job": …, "remittance": …}; the 835's text is written to ``era.835`` in the
current folder, for the test to count its segments.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from pathlib import Path


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knead.settings")
    import django

    django.setup()


def setup(claims: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from knead.accounts.models import User
    from knead.billing.x12.synthetic import synthetic_835
    from knead.claims.models import Claim, ClaimLine
    from knead.clients.models import Client, Coverage
    from knead.practice.models import Membership, Payer, Practice, Provider, Role
    from knead.remittance.imports import read, start_import
    from knead.visits.models import Visit

    text, _truth = synthetic_835(claims, seed=4242)
    Path("era.835").write_text(text)
    parsed = read(text)
    with transaction.atomic():
        practice = Practice.objects.create(name="Worker Test Massage", state="WA")
        user = User.objects.create_user("worker_biller", password="worker-test-passphrase")
        Membership.objects.create(user=user, practice=practice, role=Role.BILLER)
        provider = Provider.objects.create(
            practice=practice, first_name="W", last_name="Orker", npi="1234567893",
            licence_state="WA", licence_number="1",
        )  # fmt: skip
        payer = Payer.objects.create(practice=practice, name="Synthetic Plan", payer_id="SYN01")
        client = Client.objects.create(
            practice=practice, first_name="Wendy", last_name="Worker",
            date_of_birth=dt.date(1980, 1, 1),
        )  # fmt: skip
        coverage = Coverage.objects.create(
            practice=practice, client=client, payer=payer, member_id="M1"
        )
        visit = Visit.objects.create(
            practice=practice, client=client, provider=provider, date=dt.date(2026, 3, 2),
            coverage=coverage, signed_at=timezone.now(),
        )  # fmt: skip
        rows, paid = [], []
        for payment in parsed.payments:
            for cp in payment.claims:
                if cp.reversal:  # reversals of payments never made here: no claim of ours
                    continue
                day = cp.services[0].date if cp.services else dt.date(2026, 3, 2)
                rows.append(
                    Claim(
                        practice=practice, claim_id=cp.id, client=client, provider=provider,
                        payer=payer, coverage=coverage, status="accepted", service_from=day,
                        service_to=day, charge=cp.charge, balance=cp.charge,
                        submitted_at=timezone.now() - dt.timedelta(days=30),
                    )
                )  # fmt: skip
                paid.append(cp)
        Claim.objects.bulk_create(rows, batch_size=2000)
        lines = [
            ClaimLine(
                claim=claim, visit=visit, position=position, service_date=svc.date,
                code=svc.code, modifiers=list(svc.modifiers), units=int(svc.units),
                charge=svc.charge if svc.charge > 0 else Decimal("1"), pointers=[1],
            )
            for claim, cp in zip(rows, paid, strict=True)
            for position, svc in enumerate(cp.services, 1)
        ]  # fmt: skip
        ClaimLine.objects.bulk_create(lines, batch_size=2000)
    result = start_import(text, name="era.835", user=user, practice=practice, queue=True)
    assert result.job is not None
    return {"job": result.job.pk, "remittance": result.remittance.pk}


def report(remittance_id: int) -> dict[str, object]:
    from knead.claims.models import Claim
    from knead.jobs.models import Job
    from knead.remittance.models import PaymentFingerprint, Posting, Remittance

    remittance = Remittance.objects.get(pk=remittance_id)
    job = Job.objects.get(kind="era_import", args__remittance=remittance_id)
    postings = Posting.objects.filter(remittance=remittance)
    claims = Claim.objects.filter(practice_id=remittance.practice_id)
    return {
        "status": remittance.status,
        "postings": postings.count(),
        # Summed here: SQLite sums decimals as floats.
        "paid": str(sum(postings.filter(kind="payment").values_list("amount", flat=True))),
        "claims_paid": str(sum(claims.values_list("paid", flat=True))),
        "fingerprints": PaymentFingerprint.objects.filter(remittance=remittance).count(),
        "job_state": job.state,
        "attempts": job.attempts,
        "worker": job.worker_id,
    }


if __name__ == "__main__":
    _django()
    command, value = sys.argv[1], int(sys.argv[2])
    print(json.dumps(setup(value) if command == "setup" else report(value)))
