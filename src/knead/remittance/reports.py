"""The billing reports: A/R aging, denial rate, days to payment, collections, write-offs and
visits left. Each is built once, as a ``Report`` (header and rows), by ``build_report``; the
web page, its CSV download and ``knead report`` all show those same rows.

Reports about money that moved (denial rate, days to payment, collections, write-offs) cover a
period, by default the last 12 months; A/R aging is as of one day, by default today; visits
left is as of today. Every query is scoped to one practice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any

from django.db.models import Count, Q, Sum

from knead.claims.models import Claim
from knead.clients.models import Authorization, Coverage
from knead.csv_export import csv_text
from knead.ledger.models import Payment, PaymentKind
from knead.practice import clock
from knead.remittance.models import Posting, PostingKind
from knead.remittance.selectors import IN_AR, ZERO, cents
from knead.visits.selectors import authorization_usages, coverage_usages

BUCKETS = ("0–30", "31–60", "61–90", "91–120", "120+")
_BUCKET_LIMITS = (30, 60, 90, 120)
# The postings that lower what a payer still owes on a claim (the cached Claim.balance is
# the charge less these; denied amounts stay in the balance until someone acts).
_LOWERS_BALANCE = [
    PostingKind.PAYMENT,
    PostingKind.CONTRACTUAL,
    PostingKind.PATIENT,
    PostingKind.WRITE_OFF,
    PostingKind.TO_CLIENT,
]


class ReportInputError(ValueError):
    """A report's dates cannot be used; the message says which one and why."""


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start:%m/%d/%Y} to {self.end:%m/%d/%Y}"


def last_twelve_months(today: dt.date) -> Period:
    """From the day after the same date a year earlier, to ``today`` (2025-12-04 to 2026-12-03)."""
    try:
        year_before = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_before = today.replace(year=today.year - 1, day=28)
    return Period(year_before + dt.timedelta(days=1), today)


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for: a period (for the period reports) and an as-of day."""

    period: Period
    as_of: dt.date


def _day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ReportInputError(
            f"The {what} date “{text}” is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31."
        ) from None


def report_query(
    *, start: str | None, end: str | None, as_of: str | None, today: dt.date
) -> ReportQuery:
    """The query from the user's text (web form or command line); an empty or missing date
    takes its default (the last 12 months, as of today). Raises ``ReportInputError``."""
    default = last_twelve_months(today)
    first = _day(start, "“from”") if start and start.strip() else default.start
    last = _day(end, "“to”") if end and end.strip() else default.end
    if first > last:
        raise ReportInputError(
            f"The “from” date ({first:%m/%d/%Y}) is after the “to” date ({last:%m/%d/%Y}): "
            "the period would be empty."
        )
    day = _day(as_of, "“as of”") if as_of and as_of.strip() else today
    return ReportQuery(Period(first, last), day)


@dataclass(frozen=True)
class Report:
    """A report's table (``header`` and ``rows``, as shown and exported), its chart data,
    what it covers (``scope``) and ``flags``: sentences about data the figures leave out."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: list[tuple[str, Decimal]]
    chart_label: str
    scope: str = ""
    flags: tuple[str, ...] = ()


# --- A/R aging ----------------------------------------------------------------------------


@dataclass
class AgingRow:
    payer: str
    buckets: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


def _bucket_sums(field: str, amount: str, as_of: dt.date) -> dict[str, Sum]:
    """Sums of ``amount`` in the five age buckets, aged by the date ``field`` on ``as_of``."""
    limits = [as_of - dt.timedelta(days=d) for d in _BUCKET_LIMITS]
    ranges: list[Q] = [Q(**{f"{field}__gte": limits[0]})]
    ranges += [
        Q(**{f"{field}__lt": newer, f"{field}__gte": older}) for newer, older in pairwise(limits)
    ]
    ranges.append(Q(**{f"{field}__lt": limits[-1]}))
    return {f"b{i}": Sum(amount, filter=q) for i, q in enumerate(ranges)}


def ar_aging(practice: Any, as_of: dt.date) -> list[AgingRow]:
    """Open insurance balances by payer and age on ``as_of`` (days from the first date of
    service: 0–30, 31–60, 61–90, 91–120, over 120), for claims with a payer (in A/R) whose
    first service was on or before that day. Each claim's balance is the one it had that day:
    today's balance plus what was paid, adjusted or moved to the client after ``as_of``."""
    claims = Claim.objects.for_practice(practice).filter(status__in=IN_AR, service_from__lte=as_of)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(BUCKETS))
    now = (
        claims.exclude(balance=0)
        .values("payer__name")
        .annotate(**_bucket_sums("service_from", "balance", as_of))
    )
    later = (
        Posting.objects.filter(
            practice=practice, kind__in=_LOWERS_BALANCE, posted_on__gt=as_of, claim__in=claims
        )
        .values("claim__payer__name")
        .annotate(**_bucket_sums("claim__service_from", "amount", as_of))
    )
    for row in [*now, *later]:
        name = row.get("payer__name") or row["claim__payer__name"]
        for i in range(len(BUCKETS)):
            sums[name][i] += cents(row[f"b{i}"])
    return [AgingRow(name, sums[name]) for name in sorted(sums) if any(sums[name])]


def aging_report(practice: Any, as_of: dt.date) -> Report:
    """The A/R aging table: one row per payer, then the totals."""
    rows = ar_aging(practice, as_of)
    totals = [sum((r.buckets[i] for r in rows), ZERO) for i in range(len(BUCKETS))]
    return Report(
        "A/R aging by payer",
        ("Payer", *BUCKETS, "Total"),
        [(r.payer, *r.buckets, r.total) for r in rows] + [("Total", *totals, sum(totals, ZERO))],
        [(r.payer, r.total) for r in rows],
        "open balance ($)",
        scope=f"Open balances as of {as_of:%m/%d/%Y}, aged from the first date of service",
    )


# --- the period reports -------------------------------------------------------------------


def denial_rate(practice: Any, period: Period) -> Report:
    """Claims adjudicated in the period per payer, the share denied (fully or partly), and the
    denial reasons posted in the period."""
    claims = Claim.objects.for_practice(practice).filter(
        adjudicated_on__range=(period.start, period.end)
    )
    rows: list[tuple[Any, ...]] = []
    chart = []
    for row in (
        claims.values("payer__name")
        .annotate(n=Count("id"), denied=Count("id", filter=Q(denied__gt=0)))
        .order_by("payer__name")
    ):
        rate = (Decimal(100) * row["denied"] / row["n"]).quantize(Decimal("0.1"))
        rows.append((row["payer__name"], row["n"], row["denied"], f"{rate}%"))
        chart.append((row["payer__name"], rate))
    reasons = (
        Posting.objects.filter(
            practice=practice,
            kind=PostingKind.DENIAL,
            reversal=False,
            posted_on__range=(period.start, period.end),
        )
        .values("claim__payer__name", "group", "reason")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("claim__payer__name", "-n")
    )
    for r in reasons:
        rows.append(
            (
                f"{r['claim__payer__name']} · {r['group']}-{r['reason']}",
                r["n"],
                "",
                f"${cents(r['total'])}",
            )
        )
    return Report(
        "Denial rate by payer and reason",
        ("Payer / reason", "Claims adjudicated / lines", "Claims denied", "Rate / amount"),
        rows,
        chart,
        "% of claims with a denied amount",
        scope=f"Claims adjudicated {period}",
    )


def days_to_payment(practice: Any, period: Period) -> Report:
    """Per payer, the days from a claim's submission (its batch) to its first payment, for
    claims first paid in the period: how many, the average and the longest.

    A payment dated before the claim was submitted is not a real interval (the payment date
    or the batch date is wrong), so it is never averaged: the payer's row counts such claims
    and ``flags`` names each one, with the dates that disagree and by how much."""
    claims = (
        Claim.objects.for_practice(practice)
        .filter(first_paid_on__range=(period.start, period.end), submitted_at__isnull=False)
        .values_list("claim_id", "payer__name", "submitted_at", "first_paid_on")
        .order_by("payer__name", "claim_id")
    )
    by_payer: dict[str, list[int]] = defaultdict(list)
    flagged: dict[str, int] = defaultdict(int)
    flags = []
    for claim_id, payer, submitted, paid in claims:
        sent = clock.date_of(submitted, practice)
        days = (paid - sent).days
        if days < 0:
            flagged[payer] += 1
            flags.append(
                f"Claim {claim_id} ({payer}) was paid on {paid:%m/%d/%Y}, {-days} days before it "
                f"was submitted on {sent:%m/%d/%Y}: one of the two dates is wrong (check the "
                "remittance's payment date and the batch), so it is not averaged."
            )
        else:
            by_payer[payer].append(days)
    rows, chart = [], []
    for payer in sorted(by_payer.keys() | flagged.keys()):
        days_list = by_payer[payer]
        average = (
            (Decimal(sum(days_list)) / len(days_list)).quantize(Decimal("0.1"))
            if days_list
            else None
        )
        rows.append(
            (
                payer,
                len(days_list),
                average,
                max(days_list) if days_list else None,
                flagged[payer],
            )
        )
        if average is not None:
            chart.append((payer, average))
    return Report(
        "Days from submission to payment",
        ("Payer", "Claims paid", "Average days", "Longest", "Not averaged (paid before sent)"),
        rows,
        chart,
        "average days",
        scope=f"Claims first paid {period}",
        flags=tuple(flags),
    )


def collections(practice: Any, period: Period) -> Report:
    """Insurer payments posted in the period by month and provider, and client payments
    received in the period by month."""
    rows_q = (
        Posting.objects.filter(
            practice=practice,
            kind=PostingKind.PAYMENT,
            claim__isnull=False,
            posted_on__range=(period.start, period.end),
        )
        .values(
            "claim__provider__first_name",
            "claim__provider__last_name",
            "posted_on__year",
            "posted_on__month",
        )
        .annotate(total=Sum("amount"))
        .order_by("posted_on__year", "posted_on__month", "claim__provider__last_name")
    )
    rows: list[tuple[Any, ...]] = []
    months: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows_q:
        month = f"{r['posted_on__year']}-{r['posted_on__month']:02d}"
        provider = f"{r['claim__provider__first_name']} {r['claim__provider__last_name']}"
        rows.append((month, provider, cents(r["total"])))
        months[month] += cents(r["total"])
    # The front desk's receipts (the ledger's), less what was refunded.
    paid_by_client = (
        Payment.objects.for_practice(practice)
        .filter(received_on__range=(period.start, period.end))
        .values("received_on__year", "received_on__month", "kind")
        .annotate(total=Sum("amount"))
    )
    by_month: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in paid_by_client:
        month = f"{r['received_on__year']}-{r['received_on__month']:02d}"
        sign = -1 if r["kind"] == PaymentKind.REFUND else 1
        by_month[month] += sign * cents(r["total"])
    for month, total in by_month.items():
        rows.append((month, "Client payments", total))
        months[month] += total
    rows.sort()
    return Report(
        "Collections by provider and month",
        ("Month", "Provider", "Collected"),
        rows,
        sorted(months.items()),
        "collected ($)",
        scope=f"Money received {period}",
    )


def write_offs(practice: Any, period: Period) -> Report:
    """Amounts written off in the period, by reason."""
    rows_q = (
        Posting.objects.filter(
            practice=practice,
            kind=PostingKind.WRITE_OFF,
            posted_on__range=(period.start, period.end),
        )
        .values("reason")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-total")
    )
    rows = [(r["reason"], r["n"], cents(r["total"])) for r in rows_q]
    return Report(
        "Write-offs by reason",
        ("Reason", "Count", "Amount"),
        rows,
        [(r[0], r[2]) for r in rows],
        "written off ($)",
        scope=f"Written off {period}",
    )


def visits_left(practice: Any, today: dt.date) -> Report:
    """Per coverage with a yearly visit limit (its benefit year containing today) and per open
    authorization with a visit limit: allowed, used and left, counted as the kit, the dashboard
    and the claims count them (``knead.visits.selectors``)."""
    rows, chart = [], []
    coverages = list(
        Coverage.objects.for_practice(practice)
        .filter(visits_per_year__isnull=False)
        .select_related("client", "payer")
    )
    years = coverage_usages(coverages, on=today)
    for coverage in coverages:
        usage = years[coverage.pk]
        name = f"{coverage.client.full_name} · {coverage.payer.name} benefit"
        rows.append((name, usage.allowed, usage.used, usage.remaining))
        chart.append((name, Decimal(usage.remaining or 0)))
    authorizations = list(
        Authorization.objects.for_practice(practice)
        .filter(ends_on__gte=today, visits_approved__isnull=False)
        .select_related("client")
    )
    usages = authorization_usages(authorizations)
    for auth in authorizations:
        usage = usages[auth.pk].visits
        name = f"{auth.client.full_name} · auth {auth.number}"
        rows.append((name, usage.allowed, usage.used, usage.remaining))
        chart.append((name, Decimal(usage.remaining or 0)))
    return Report(
        "Visits left per benefit and authorization",
        ("Client · benefit", "Allowed", "Used", "Left"),
        rows,
        chart,
        "visits left",
        scope=f"As of {today:%m/%d/%Y}",
    )


# --- the list of reports ------------------------------------------------------------------


class Filter(StrEnum):
    """Which dates a report takes."""

    PERIOD = "period"
    AS_OF = "as_of"
    NONE = "none"


@dataclass(frozen=True)
class ReportSpec:
    """One report: its URL name (``slug``), its ``knead report`` name and how it is built."""

    slug: str
    command: str
    title: str
    filter: Filter
    build: Callable[[Any, ReportQuery, dt.date], Report]


REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        ReportSpec(
            "aging", "ar-aging", "A/R aging by payer", Filter.AS_OF,
            lambda p, q, _today: aging_report(p, q.as_of),
        ),
        ReportSpec(
            "denials", "denial-rate", "Denial rate by payer and reason", Filter.PERIOD,
            lambda p, q, _today: denial_rate(p, q.period),
        ),
        ReportSpec(
            "days", "days-to-payment", "Days to payment", Filter.PERIOD,
            lambda p, q, _today: days_to_payment(p, q.period),
        ),
        ReportSpec(
            "collections", "collections", "Collections by provider and month", Filter.PERIOD,
            lambda p, q, _today: collections(p, q.period),
        ),
        ReportSpec(
            "write_offs", "write-offs", "Write-offs by reason", Filter.PERIOD,
            lambda p, q, _today: write_offs(p, q.period),
        ),
        ReportSpec(
            "visits", "visits-left", "Visits left per benefit and authorization", Filter.NONE,
            lambda p, _q, today: visits_left(p, today),
        ),
    )
}  # fmt: skip


def build_report(practice: Any, name: str, query: ReportQuery, today: dt.date) -> Report:
    """The report ``name`` (a key of ``REPORTS``) for ``query``."""
    return REPORTS[name].build(practice, query, today)


def report_csv(report: Report) -> str:
    """The report's table as CSV, exactly as the page shows it (formula-safe text)."""
    return csv_text(report.header, report.rows)


def csv_filename(name: str, query: ReportQuery, today: dt.date) -> str:
    """``aging-2026-12-03.csv``, ``denials-2025-12-04-to-2026-12-03.csv``, ``visits-2026-12-03.csv``."""
    spec = REPORTS[name]
    if spec.filter is Filter.PERIOD:
        return f"{spec.slug}-{query.period.start}-to-{query.period.end}.csv"
    return f"{spec.slug}-{query.as_of if spec.filter is Filter.AS_OF else today}.csv"
