"""Money views: the client ledger and the reports (A/R aging, denial rate, days to payment,
collections, write-offs, visits left). Every query is scoped to one practice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from knead.claims.models import Claim, ClaimStatus
from knead.clients.models import Authorization, Coverage
from knead.remittance.models import ClientPayment, Posting, PostingKind, WorkItem, WorkStatus
from knead.visits.models import Visit

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal | None) -> Decimal:
    """A database sum as money: SQLite returns decimal sums with float noise (835.840000000000)."""
    return (value or ZERO).quantize(CENT)
# Claims that are (or were) with a payer and may still be owed: A/R.
IN_AR = [ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.PAID,
         ClaimStatus.PARTIAL, ClaimStatus.DENIED, ClaimStatus.APPEALED]
BUCKETS = ("0–30", "31–60", "61–90", "91–120", "120+")


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


# --- A/R aging ----------------------------------------------------------------------------


def bucket(age_days: int) -> int:
    """0–30 → 0, 31–60 → 1, 61–90 → 2, 91–120 → 3, over 120 → 4."""
    for index, limit in enumerate((30, 60, 90, 120)):
        if age_days <= limit:
            return index
    return 4


@dataclass
class AgingRow:
    payer: str
    buckets: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


def ar_aging(practice: Any, as_of: dt.date) -> list[AgingRow]:
    """Open insurance balances by payer and age (days from the first date of service)."""
    rows: dict[str, AgingRow] = {}
    limits = [as_of - dt.timedelta(days=d) for d in (30, 60, 90, 120)]
    qs = Claim.objects.for_practice(practice).filter(status__in=IN_AR).exclude(balance=0)
    annotations = {
        "b0": Sum("balance", filter=Q(service_from__gte=limits[0])),
        "b1": Sum("balance", filter=Q(service_from__lt=limits[0], service_from__gte=limits[1])),
        "b2": Sum("balance", filter=Q(service_from__lt=limits[1], service_from__gte=limits[2])),
        "b3": Sum("balance", filter=Q(service_from__lt=limits[2], service_from__gte=limits[3])),
        "b4": Sum("balance", filter=Q(service_from__lt=limits[3])),
    }
    for row in qs.values("payer__name").annotate(**annotations).order_by("payer__name"):
        rows[row["payer__name"]] = AgingRow(
            row["payer__name"], [cents(row[f"b{i}"]) for i in range(5)]
        )
    return list(rows.values())


# --- other reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: list[tuple[str, Decimal]]
    chart_label: str


def denial_rate(practice: Any) -> Report:
    """Adjudicated claims per payer, the share denied (fully or partly), and the reasons."""
    claims = Claim.objects.for_practice(practice).filter(adjudicated_on__isnull=False)
    rows = []
    chart = []
    for row in claims.values("payer__name").annotate(
        n=Count("id"), denied=Count("id", filter=Q(denied__gt=0))
    ).order_by("payer__name"):
        rate = (Decimal(100) * row["denied"] / row["n"]).quantize(Decimal("0.1"))
        rows.append((row["payer__name"], row["n"], row["denied"], f"{rate}%"))
        chart.append((row["payer__name"], rate))
    reasons = (
        Posting.objects.filter(practice=practice, kind=PostingKind.DENIAL, reversal=False)
        .values("claim__payer__name", "group", "reason")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("claim__payer__name", "-n")
    )
    for r in reasons:
        rows.append((f"{r['claim__payer__name']} · {r['group']}-{r['reason']}", r["n"], "",
                     f"${cents(r['total'])}"))
    return Report("Denial rate by payer and reason",
                  ("Payer / reason", "Claims adjudicated / lines", "Claims denied", "Rate / amount"),
                  rows, chart, "% of claims with a denied amount")


def days_to_payment(practice: Any) -> Report:
    claims = Claim.objects.for_practice(practice).filter(
        first_paid_on__isnull=False, submitted_at__isnull=False
    ).values_list("payer__name", "submitted_at", "first_paid_on")
    by_payer: dict[str, list[int]] = defaultdict(list)
    for payer, submitted, paid in claims:
        by_payer[payer].append((paid - submitted.date()).days)
    rows, chart = [], []
    for payer in sorted(by_payer):
        days = by_payer[payer]
        average = (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1"))
        rows.append((payer, len(days), average, max(days)))
        chart.append((payer, average))
    return Report("Days from submission to payment", ("Payer", "Claims paid", "Average days",
                                                       "Longest"), rows, chart, "average days")


def collections(practice: Any) -> Report:
    rows_q = (
        Posting.objects.filter(practice=practice, kind=PostingKind.PAYMENT, claim__isnull=False)
        .values("claim__provider__first_name", "claim__provider__last_name", "posted_on__year",
                "posted_on__month")
        .annotate(total=Sum("amount"))
        .order_by("posted_on__year", "posted_on__month", "claim__provider__last_name")
    )
    rows, months = [], defaultdict(lambda: ZERO)
    for r in rows_q:
        month = f"{r['posted_on__year']}-{r['posted_on__month']:02d}"
        rows.append((month, f"{r['claim__provider__first_name']} {r['claim__provider__last_name']}",
                     cents(r["total"])))
        months[month] += cents(r["total"])
    paid_by_client = (
        ClientPayment.objects.for_practice(practice)
        .values("received_on__year", "received_on__month").annotate(total=Sum("amount"))
    )
    for r in paid_by_client:
        month = f"{r['received_on__year']}-{r['received_on__month']:02d}"
        rows.append((month, "Client payments", cents(r["total"])))
        months[month] += cents(r["total"])
    rows.sort()
    return Report("Collections by provider and month", ("Month", "Provider", "Collected"), rows,
                  sorted(months.items()), "collected ($)")


def write_offs(practice: Any) -> Report:
    rows_q = (
        Posting.objects.filter(practice=practice, kind=PostingKind.WRITE_OFF)
        .values("reason").annotate(n=Count("id"), total=Sum("amount")).order_by("-total")
    )
    rows = [(r["reason"], r["n"], cents(r["total"])) for r in rows_q]
    return Report("Write-offs by reason", ("Reason", "Count", "Amount"), rows,
                  [(r[0], r[2]) for r in rows], "written off ($)")


def visits_left(practice: Any, today: dt.date) -> Report:
    """Per coverage with a yearly visit limit and per open authorization: used and left."""
    rows, chart = [], []
    for coverage in Coverage.objects.for_practice(practice).filter(
        visits_per_year__isnull=False
    ).select_related("client", "payer"):
        used = Visit.objects.for_practice(practice).filter(coverage=coverage)
        if coverage.benefit_year_start:
            used = used.filter(date__gte=coverage.benefit_year_start)
        left = coverage.visits_per_year - used.count()
        name = f"{coverage.client.full_name} · {coverage.payer.name} benefit"
        rows.append((name, coverage.visits_per_year, used.count(), left))
        chart.append((name, Decimal(left)))
    for auth in Authorization.objects.for_practice(practice).filter(
        ends_on__gte=today, visits_approved__isnull=False
    ).select_related("client"):
        used = auth.visits.filter(deleted_at__isnull=True).count()
        name = f"{auth.client.full_name} · auth {auth.number}"
        rows.append((name, auth.visits_approved, used, auth.visits_approved - used))
        chart.append((name, Decimal(auth.visits_approved - used)))
    return Report("Visits left per benefit and authorization",
                  ("Client · benefit", "Allowed", "Used", "Left"), rows, chart, "visits left")


def open_queue_counts(practice: Any) -> dict[str, int]:
    rows = WorkItem.objects.for_practice(practice).filter(status=WorkStatus.OPEN).values(
        "kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}
