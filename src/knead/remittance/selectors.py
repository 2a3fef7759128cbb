"""Money views: the client ledger and the open work-queue counts. Every query is scoped to one
practice. The reports are in ``knead.remittance.reports``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from knead.claims.models import Claim, ClaimStatus
from knead.remittance.models import ClientPayment, Posting, PostingKind, WorkItem, WorkStatus

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal | None) -> Decimal:
    """A database sum as money: SQLite returns decimal sums with float noise (835.840000000000)."""
    return (value or ZERO).quantize(CENT)
# Claims that are (or were) with a payer and may still be owed: A/R.
IN_AR = [ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.PAID,
         ClaimStatus.PARTIAL, ClaimStatus.DENIED, ClaimStatus.APPEALED]


# --- client ledger ------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    day: dt.date
    description: str
    charge: Decimal = ZERO
    insurer: Decimal = ZERO
    adjustment: Decimal = ZERO
    client_share: Decimal = ZERO
    client_paid: Decimal = ZERO


@dataclass
class Ledger:
    entries: list[LedgerEntry] = field(default_factory=list)
    charges: Decimal = ZERO
    insurer_paid: Decimal = ZERO
    adjustments: Decimal = ZERO
    client_share: Decimal = ZERO
    client_paid: Decimal = ZERO
    insurance_balance: Decimal = ZERO

    @property
    def client_balance(self) -> Decimal:
        return self.client_share - self.client_paid

    @property
    def balance(self) -> Decimal:
        return self.insurance_balance + self.client_balance


def client_ledger(practice: Any, client: Any) -> Ledger:
    """Charges (original claims), insurer payments, adjustments (contractual and write-offs),
    the client's share (PR and amounts billed to the client), client payments; the insurance
    balance is what open claims still expect from payers."""
    ledger = Ledger()
    claims = Claim.objects.for_practice(practice).filter(client=client)
    for claim in claims.filter(replaces__isnull=True, primary_claim__isnull=True).order_by(
        "service_from", "id"
    ):
        ledger.entries.append(LedgerEntry(claim.service_from,
                                          f"Services, claim {claim.claim_id} to {claim.payer.name}",
                                          charge=claim.charge))
        ledger.charges += claim.charge
    postings = Posting.objects.filter(practice=practice, claim__client=client).select_related(
        "claim", "claim__payer").order_by("posted_on", "id")
    for p in postings:
        name = f"{p.claim.payer.name} ({p.claim.claim_id})"
        if p.kind == PostingKind.PAYMENT:
            entry = LedgerEntry(p.posted_on, f"Payment from {name}", insurer=p.amount)
            ledger.insurer_paid += p.amount
        elif p.kind in (PostingKind.CONTRACTUAL, PostingKind.WRITE_OFF):
            what = "Contractual adjustment" if p.kind == PostingKind.CONTRACTUAL else "Write-off"
            entry = LedgerEntry(p.posted_on, f"{what} {p.group}-{p.reason}".strip("- ") + f", {name}",
                                adjustment=p.amount)
            ledger.adjustments += p.amount
        elif p.kind in (PostingKind.PATIENT, PostingKind.TO_CLIENT):
            what = f"Your share {p.group}-{p.reason}" if p.group else "Billed to you"
            entry = LedgerEntry(p.posted_on, f"{what}, {name}", client_share=p.amount)
            ledger.client_share += p.amount
        else:
            continue
        if p.amount:
            ledger.entries.append(entry)
    for payment in ClientPayment.objects.for_practice(practice).filter(client=client):
        ledger.entries.append(LedgerEntry(payment.received_on,
                                          f"Your payment ({payment.get_method_display()})",
                                          client_paid=payment.amount))
        ledger.client_paid += payment.amount
    ledger.entries.sort(key=lambda e: e.day)
    ledger.insurance_balance = cents(claims.filter(status__in=IN_AR).aggregate(
        total=Sum("balance"))["total"])
    return ledger


def open_queue_counts(practice: Any) -> dict[str, int]:
    rows = WorkItem.objects.for_practice(practice).filter(status=WorkStatus.OPEN).values(
        "kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}
