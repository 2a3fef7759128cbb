"""The demo's front-desk money: cash-pay clients pay at the visit, through the ledger."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from knead.ledger.models import Payment
from knead.ledger.selectors import client_owes_for
from knead.ledger.services import record_payment
from knead.practice.models import Practice
from knead.visits.models import Visit

METHODS = ("card", "card", "card", "hsa_fsa", "cash", "check")


def seed_payments(practice: Practice, desk: Any, seed: int) -> int:
    """Take payment at the visit for the self-pay and superbill visits: most in full, every
    tenth client half, and one prepayment that leaves a credit on account. Idempotent: a
    practice that has receipts gets none. Returns the number of receipts."""
    if Payment.objects.filter(practice=practice).exists():
        return 0
    rng = random.Random(seed)
    visits = (
        Visit.objects.filter(practice=practice, signed_at__isnull=False)
        .exclude(billing_path="direct")
        .order_by("date", "id")
    )
    made = 0
    for number, visit in enumerate(visits):
        owed = client_owes_for([visit])
        if owed <= 0:
            continue
        amount = owed if number % 10 else (owed / 2).quantize(Decimal("0.01"))
        method = rng.choice(METHODS)
        record_payment(
            visit.client,
            amount=amount,
            method=method,
            reference=f"{rng.randrange(1000, 9999)}"
            if method in ("card", "hsa_fsa", "check")
            else "",
            received_on=visit.date,
            visits=[visit.pk],
            user=desk,
        )
        made += 1
    if made:
        last = visits.last()
        assert last is not None
        record_payment(
            last.client,
            amount=Decimal("300.00"),
            method="card",
            kind="package",
            reason="Package of three 60-minute sessions",
            reference="4242",
            received_on=last.date,
            user=desk,
        )
        made += 1
    return made
