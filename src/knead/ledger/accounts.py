"""A client's account as people read it: the ledger page, receipts, statements and superbills.

Everything here is read from ledger entries; nothing is stored. The client's side is every entry
of the client's responsibility, in order, with a running balance. A receipt's own entries (a
payment applied to visits, moved from credit on account to a visit later, or refunded) are shown
as one line per receipt with where its money went, so a payment reads once, at its amount.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from knead.billing import ledger as core
from knead.billing.codes.procedures import catalog
from knead.billing.ledger import EntryKind
from knead.ledger.models import Entry, Payment, PaymentKind

K = EntryKind
ZERO = Decimal("0.00")


def account_number(client: Any) -> str:
    """The number a client quotes on a remit stub (the client's record number, as on claims)."""
    return f"{getattr(client, 'pk', client):06d}"


def balance_words(balance: Decimal) -> str:
    """A balance in plain words: "$40.00 owed", "credit on account $165.00" (never a negative
    amount owed), or "nothing owed"."""
    if balance > 0:
        return f"${balance:,.2f} owed"
    if balance < 0:
        return f"credit on account ${-balance:,.2f}"
    return "nothing owed"


def service_words(code: str, units: int) -> str:
    """A service as a client reads it, without any diagnosis: "Massage therapy (97124) × 4"."""
    procedure = catalog().procedures.get(code)
    name = procedure.short if procedure else "Service"
    return f"{name} ({code}) × {units}"


@dataclass(frozen=True, slots=True)
class Applied:
    """Where part of a receipt's money is: a visit (its date) or, ``visit_id`` None, on account."""

    visit_id: int | None
    visit_date: dt.date | None
    amount: Decimal


@dataclass
class AccountLine:
    """One line of the client's account. ``amount`` is signed (+ owes more, − paid or credited);
    ``balance`` is the running balance after it. For a share the client was left by a payer,
    ``charge``, ``insurance_paid`` and ``adjusted`` say how the payer got there."""

    day: dt.date
    description: str
    amount: Decimal
    visit_id: int | None = None
    visit_date: dt.date | None = None
    payment: Payment | None = None
    applied: list[Applied] = field(default_factory=list)
    charge: Decimal = ZERO
    insurance_paid: Decimal = ZERO
    adjusted: Decimal = ZERO
    balance: Decimal = ZERO

    @property
    def owed(self) -> Decimal:
        return self.amount if self.amount > 0 else ZERO

    @property
    def credited(self) -> Decimal:
        return -self.amount if self.amount < 0 else ZERO

    def as_json(self) -> dict[str, str | None]:
        """The line as a statement keeps it (strings, so a reprint reads exactly the same)."""
        return {
            "day": self.day.isoformat(),
            "description": self.description,
            "charge": f"{self.charge:.2f}",
            "insurance_paid": f"{self.insurance_paid:.2f}",
            "adjusted": f"{self.adjusted:.2f}",
            "amount": f"{self.amount:.2f}",
            "balance": f"{self.balance:.2f}",
        }


def _client_entries(client: Any) -> Any:
    return Entry.objects.filter(client=client, payer__isnull=True)


METHOD_WORDS = {
    "card": "card",
    "cash": "cash",
    "check": "check",
    "hsa_fsa": "HSA/FSA card",
    "other": "other means",
}


def _payment_words(payment: Payment) -> str:
    method = METHOD_WORDS.get(payment.method, payment.method)
    reference = f" {'····' if payment.method in ('card', 'hsa_fsa') else 'no. '}{payment.reference}"
    what = {
        PaymentKind.PAYMENT: "Payment",
        PaymentKind.PREPAYMENT: "Prepayment",
        PaymentKind.PACKAGE: "Package credit",
        PaymentKind.REFUND: "Refund",
    }[PaymentKind(payment.kind)]
    text = f"{what} {payment.number} by {method}{reference if payment.reference else ''}"
    if payment.kind == PaymentKind.REFUND and payment.reason:
        text += f": {payment.reason}"
    return text


def account_lines(entries: Iterable[Entry], *, opening: Decimal = ZERO) -> list[AccountLine]:
    """The lines of these client entries, oldest first, with a running balance from
    ``opening``. A receipt's entries make one line (at the receipt's date, its net amount,
    with where the money is); receipts whose entries here net to nothing (credit moved to a
    visit) show no line."""
    entries = list(entries)
    payer_of_group = _transfer_payers(entries)
    insurance = _insurance_of_lines(entries)
    lines: list[AccountLine] = []
    by_payment: dict[int, AccountLine] = {}
    for entry in entries:
        if entry.payment_id is not None:
            line = by_payment.get(entry.payment_id)
            if line is None:
                payment = entry.payment
                line = AccountLine(payment.received_on, _payment_words(payment), ZERO,
                                   payment=payment)  # fmt: skip
                by_payment[entry.payment_id] = line
                lines.append(line)
            line.amount += entry.amount
            _add_applied(line, entry)
            continue
        lines.append(_entry_line(entry, payer_of_group, insurance))
    lines = [line for line in lines if line.amount or line.payment is None]
    lines.sort(key=lambda line: line.day)
    running = opening
    for line in lines:
        line.applied = [a for a in line.applied if a.amount]
        line.applied.sort(key=lambda a: (a.visit_date is None, a.visit_date or dt.date.min))
        running += line.amount
        line.balance = running
    return lines


def _add_applied(line: AccountLine, entry: Entry) -> None:
    if entry.kind == K.REFUND:
        return
    for applied in line.applied:
        if applied.visit_id == entry.visit_id:
            index = line.applied.index(applied)
            line.applied[index] = Applied(
                applied.visit_id, applied.visit_date, applied.amount - entry.amount
            )
            return
    line.applied.append(
        Applied(entry.visit_id, entry.visit.date if entry.visit_id else None, -entry.amount)
    )


def _entry_line(
    entry: Entry,
    payer_of_group: dict[str, str],
    insurance: dict[int, tuple[Decimal, Decimal, Decimal]],
) -> AccountLine:
    visit = entry.visit
    service = (
        service_words(entry.service_line.code, entry.service_line.units)
        if entry.service_line_id
        else ""
    )
    day = visit.date if visit is not None and entry.kind == K.CHARGE else entry.posted_on
    line = AccountLine(day, "", entry.amount, entry.visit_id, visit.date if visit else None)
    payer = payer_of_group.get(entry.group, "")
    if entry.kind == K.CHARGE:
        line.description = service or entry.memo or "Charge"
        line.charge = entry.amount
    elif entry.kind == K.TRANSFER and entry.amount > 0:
        line.description = f"{service}: your share after {payer or 'insurance'}".lstrip(": ")
        if entry.claim_line_id in insurance:
            line.charge, line.insurance_paid, line.adjusted = insurance[entry.claim_line_id]
    elif entry.kind == K.TRANSFER:
        line.description = f"{service}: sent to {payer or 'insurance'}".lstrip(": ")
    elif entry.kind == K.REVERSAL:
        line.description = f"Correction: {service or entry.memo or 'entry'} reversed"
    elif entry.kind == K.WRITE_OFF:
        line.description = f"Written off{': ' + entry.memo if entry.memo else ''}"
    else:
        line.description = f"{entry.get_kind_display()}{': ' + service if service else ''}"
    return line


def _transfer_payers(entries: Sequence[Entry]) -> dict[str, str]:
    """The payer on the other leg of each transfer among these entries."""
    groups = {e.group for e in entries if e.kind == K.TRANSFER and e.group}
    if not groups:
        return {}
    rows = Entry.objects.filter(group__in=groups, payer__isnull=False).values_list(
        "group", "payer__name"
    )
    return dict(rows)


def _insurance_of_lines(entries: Sequence[Entry]) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """For the claim lines on which a payer left the client a share: the line's charge, what
    the payer paid and what it adjusted off (contractual and write-offs), as positive amounts."""
    ids = {e.claim_line_id for e in entries if e.kind == K.TRANSFER and e.claim_line_id}
    if not ids:
        return {}
    out: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    rows = (
        Entry.objects.filter(claim_line_id__in=ids, payer__isnull=False)
        .values_list("claim_line_id", "kind", "claim_line__charge")
        .annotate(total=Sum("amount"))
    )
    for line_id, kind, charge, total in rows:
        figures = out[line_id]
        figures[0] = charge
        if kind == K.INSURER_PAYMENT:
            figures[1] -= total or ZERO
        elif kind in (K.CONTRACTUAL, K.WRITE_OFF):
            figures[2] -= total or ZERO
    return {
        key: (charge, paid.quantize(core.CENT), adjusted.quantize(core.CENT))
        for key, (charge, paid, adjusted) in out.items()
    }


def _with_facts(qs: Any) -> Any:
    return qs.select_related("visit", "service_line", "payment", "claim").order_by("id")


def client_account(client: Any) -> list[AccountLine]:
    """Every entry of the client's responsibility, as account lines with a running balance."""
    return account_lines(_with_facts(_client_entries(client)))


@dataclass(frozen=True, slots=True)
class InsuranceLine:
    """What one payer still owes on one of the client's visits."""

    visit_id: int
    visit_date: dt.date
    payer: str
    claim_id: str
    owed: Decimal


def insurance_lines(client: Any) -> list[InsuranceLine]:
    """The client's visits on which a payer still owes something (billed or not yet)."""
    rows = (
        Entry.objects.filter(client=client, payer__isnull=False)
        .values_list("visit_id", "visit__date", "payer__name", "claim__claim_id")
        .annotate(total=Sum("amount"))
        .order_by("visit__date", "visit_id", "payer__name")
    )
    found = []
    for visit_id, day, payer, claim_id, total in rows:
        owed = (total or ZERO).quantize(core.CENT)
        if owed and visit_id is not None:
            found.append(InsuranceLine(visit_id, day, payer, claim_id or "", owed))
    return found


# --- receipts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receipt:
    """A payment (or refund) as recorded: where its money went then, and the client's balance
    right after it."""

    payment: Payment
    applied: tuple[Applied, ...]
    balance_after: Decimal

    @property
    def on_account(self) -> Decimal:
        return sum((a.amount for a in self.applied if a.visit_id is None), ZERO)


def receipt(payment: Payment) -> Receipt:
    """The receipt of a payment exactly as it was recorded: the entries written with it (the
    client is locked while they are written, so no other entry of the client falls between
    them), not what later credit applications moved."""
    own = list(payment.entries.select_related("visit").order_by("id"))
    if not own:
        return Receipt(payment, (), ZERO)
    first = own[0].pk
    later = (
        _client_entries(payment.client_id)
        .filter(pk__gt=first)
        .filter(Q(payment__isnull=True) | ~Q(payment=payment))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    recorded = [e for e in own if later is None or e.pk < later]
    line = AccountLine(payment.received_on, "", ZERO, payment=payment)
    for entry in recorded:
        _add_applied(line, entry)
    upto = _client_entries(payment.client_id)
    upto = upto.filter(pk__lt=later) if later is not None else upto
    total = upto.aggregate(total=Sum("amount"))["total"] or ZERO
    applied = tuple(
        sorted(
            (a for a in line.applied if a.amount),
            key=lambda a: (a.visit_date is None, a.visit_date or dt.date.min),
        )
    )
    return Receipt(payment, applied, total.quantize(core.CENT))


# --- what a client paid, for the superbill ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitPaid:
    """What the client paid toward one visit, and by which method (largest first)."""

    amount: Decimal
    by_method: tuple[tuple[str, Decimal], ...] = ()


def paid_by_visit(visits: Iterable[Any]) -> dict[int, VisitPaid]:
    """For each visit, the client's payments applied to it (the same sum as
    ``selectors.client_paid`` per visit), split by the method that paid."""
    ids = [getattr(v, "pk", v) for v in visits]
    totals: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    rows = (
        Entry.objects.filter(visit_id__in=ids, payer__isnull=True, payment__isnull=False)
        .values_list("visit_id", "payment__method")
        .annotate(total=Sum("amount"))
    )
    for visit_id, method, total in rows:
        paid = (-(total or ZERO)).quantize(core.CENT)
        totals[visit_id][method] = totals[visit_id].get(method, ZERO) + paid
    out = {}
    for pk, methods in totals.items():
        ranked = tuple(
            sorted(((m, a) for m, a in methods.items() if a > 0), key=lambda item: -item[1])
        )
        out[pk] = VisitPaid(sum(methods.values(), ZERO), ranked)
    return out


def open_visits(client: Any) -> list[tuple[int, dt.date, Decimal]]:
    """The client's visits with an amount the client owes, oldest first: (id, date, open)."""
    rows = (
        _client_entries(client)
        .filter(visit__isnull=False)
        .values_list("visit_id", "visit__date")
        .annotate(total=Sum("amount"))
        .order_by("visit__date", "visit_id")
    )
    return [
        (visit_id, day, (total or ZERO).quantize(core.CENT))
        for visit_id, day, total in rows
        if (total or ZERO) > 0
    ]
