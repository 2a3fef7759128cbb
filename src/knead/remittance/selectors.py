"""The open work-queue counts and the money helpers the reports share. Every query is scoped to
one practice. The reports are in ``knead.remittance.reports``; the client's account is the
ledger's (``knead.ledger.accounts``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count

from knead.claims.states import ClaimState
from knead.remittance.models import WorkItem, WorkStatus

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal | None) -> Decimal:
    """A database sum as money: SQLite returns decimal sums with float noise (835.840000000000)."""
    return (value or ZERO).quantize(CENT)


# Claims that are (or were) with a payer and may still be owed: A/R.
IN_AR = [
    ClaimState.SUBMITTED,
    ClaimState.ACCEPTED,
    ClaimState.REJECTED,
    ClaimState.PAID,
    ClaimState.PARTIAL,
    ClaimState.DENIED,
    ClaimState.APPEALED,
]


def open_queue_counts(practice: Any) -> dict[str, int]:
    rows = (
        WorkItem.objects.for_practice(practice)
        .filter(status=WorkStatus.OPEN)
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {r["kind"]: r["n"] for r in rows}
