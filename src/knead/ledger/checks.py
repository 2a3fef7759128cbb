"""``knead ledger check``: every invariant of a practice's ledger, with each failure named."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from knead.billing import ledger as core
from knead.claims.models import Claim
from knead.ledger.models import Entry

ZERO = Decimal("0.00")


@dataclass
class CheckReport:
    practice: str
    entries: int = 0
    clients: int = 0
    payers: int = 0
    claims: int = 0
    failures: list[str] = field(default_factory=list)


def check_practice(practice: Any) -> CheckReport:
    """Check one practice's ledger:

    - the core invariants (signs, cents, transfers that balance, reversals, no payer below
      zero unless an overpayment is on record: ``knead.billing.ledger.check``);
    - each claim's cached balance equals its entries on its payer, and is not below zero;
    - each claim's cached adjudication figures (paid, written off, the client's share, and a
      primary's contractual adjustment) equal the adjudication entries that mirror them;
    - every entry belongs to the practice, client, visit and claim it names;
    - each client's ledger foots: per service line, what the responsibilities hold equals its
      charges less the money taken off it (transfers move money, never make it).
    """
    report = CheckReport(practice=practice.name)
    rows = list(
        Entry.objects.filter(practice=practice).values_list(
            "id", "payer_id", "kind", "amount", "group", "reverses_id", "overpayment", "claim_id"
        )
    )
    report.entries = len(rows)
    legs = [
        core.Leg(
            id=pk,
            responsibility=core.CLIENT if payer is None else payer,
            kind=core.EntryKind(kind),
            amount=amount,
            group=group,
            reverses=reverses,
            overpayment=overpayment,
            claim=claim,
        )
        for pk, payer, kind, amount, group, reverses, overpayment, claim in rows
    ]
    report.failures += core.check(legs)
    report.payers = len({leg.responsibility for leg in legs} - {core.CLIENT})
    report.clients = (
        Entry.objects.filter(practice=practice, client__isnull=False)
        .values("client_id")
        .distinct()
        .count()
    )
    report.failures += _claims(practice, report)
    report.failures += _adjudication_figures(practice)
    report.failures += _ownership(practice)
    report.failures += _lines_foot(practice)
    return report


def _claims(practice: Any, report: CheckReport) -> list[str]:
    failures = []
    held: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
    for claim_id, payer_id, total in (
        Entry.objects.filter(practice=practice, claim__isnull=False)
        .values_list("claim_id", "payer_id")
        .annotate(total=Sum("amount"))
    ):
        held[(claim_id, payer_id)] += total or ZERO
    claims = Claim.objects.filter(practice=practice).values_list(
        "id", "claim_id", "payer_id", "balance"
    )
    for pk, claim_id, payer_id, balance in claims:
        report.claims += 1
        owed = held.get((pk, payer_id), ZERO).quantize(core.CENT)
        if owed != balance:
            failures.append(
                f"Claim {claim_id}: its balance reads {balance} but its entries on its payer "
                f"sum to {owed}."
            )
        if owed < 0:
            failures.append(f"Claim {claim_id}: its payer's balance {owed} is below zero.")
    return failures


# Claim figure → the ledger kind mirroring it on the claim's payer (``sync_adjudication``).
# A secondary's contractual figure is not compared: the ledger holds its COB adjustment.
_FIGURES = (
    ("paid", core.EntryKind.INSURER_PAYMENT, False),
    ("written_off", core.EntryKind.WRITE_OFF, False),
    ("patient_responsibility+billed_to_client", core.EntryKind.TRANSFER, False),
    ("contractual", core.EntryKind.CONTRACTUAL, True),
)


def _adjudication_figures(practice: Any) -> list[str]:
    held: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    mirrored = Entry.objects.filter(
        practice=practice, claim__isnull=False, adjudication=True, payer_id=F("claim__payer_id")
    )
    # A reversal counts against the kind of the entry it reverses.
    for field_name in ("kind", "reverses__kind"):
        rows = (
            mirrored.filter(kind=core.EntryKind.REVERSAL)
            if field_name == "reverses__kind"
            else mirrored.exclude(kind=core.EntryKind.REVERSAL)
        )
        for claim_id, kind, total in (
            rows.values_list("claim_id", field_name).annotate(total=Sum("amount")).order_by()
        ):
            held[(claim_id, kind)] -= total or ZERO
    failures = []
    for claim in Claim.objects.filter(practice=practice).only(
        "id", "claim_id", "priority", "paid", "written_off", "patient_responsibility",
        "billed_to_client", "contractual",
    ):  # fmt: skip
        for figure, kind, primary_only in _FIGURES:
            if primary_only and claim.priority > 1:
                continue
            cached = sum((getattr(claim, name) for name in figure.split("+")), ZERO)
            mirrored = held[(claim.pk, kind.value)].quantize(core.CENT)
            if cached != mirrored:
                failures.append(
                    f"Claim {claim.claim_id}: its {figure.replace('+', ' + ')} reads {cached} "
                    f"but its {kind.value} entries from ERAs sum to {mirrored}."
                )
    return failures


def _ownership(practice: Any) -> list[str]:
    failures = []
    wrong = Entry.objects.filter(practice=practice)
    for label, qs in (
        ("client", wrong.exclude(client__isnull=True).exclude(client__practice=practice)),
        ("visit", wrong.exclude(visit__isnull=True).exclude(visit__client_id=F("client_id"))),
        ("claim", wrong.exclude(claim__isnull=True).exclude(claim__client_id=F("client_id"))),
        (
            "service line",
            wrong.exclude(service_line__isnull=True).exclude(service_line__visit_id=F("visit_id")),
        ),
    ):
        for pk in qs.values_list("id", flat=True)[:20]:
            failures.append(f"Entry {pk}: its {label} belongs to another client or practice.")
    return failures


def _lines_foot(practice: Any) -> list[str]:
    failures = []
    for line_id, total in (
        Entry.objects.filter(practice=practice, service_line__isnull=False, kind="transfer")
        .values_list("service_line_id")
        .annotate(total=Sum("amount"))
    ):
        if (total or ZERO) != 0:
            failures.append(
                f"Service line {line_id}: its transfers sum to {total}, so moving its money "
                f"made or lost some."
            )
    return failures
