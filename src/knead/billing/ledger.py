"""The arithmetic of the practice's ledger: one signed amount per entry, on one responsibility.

Every money event is an append-only entry on one *responsibility*: the client, or one payer.
Its amount is signed so that the entries of a responsibility sum to what it owes: a charge is
positive, a payment or an adjustment negative. A transfer of responsibility (payer to client,
primary to secondary) is two entries of one event that sum to zero, so every event balances:
the counter-side of a charge is revenue, of a payment cash, of an adjustment the practice's
loss, and those accounts are implied by the entry's kind (the equivalent of double entry that
``check`` verifies).

Nothing here knows Django: the ledger app loads entries into :class:`Leg` and calls these.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CLIENT = "client"


class EntryKind(StrEnum):
    CHARGE = "charge"
    CLIENT_PAYMENT = "client_payment"
    INSURER_PAYMENT = "insurer_payment"
    CONTRACTUAL = "contractual"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    TRANSFER = "transfer"
    REVERSAL = "reversal"
    VOID = "void"
    PROVIDER_ADJUSTMENT = "provider_adjustment"


LABELS: dict[EntryKind, str] = {
    EntryKind.CHARGE: "Charge",
    EntryKind.CLIENT_PAYMENT: "Client payment",
    EntryKind.INSURER_PAYMENT: "Insurer payment",
    EntryKind.CONTRACTUAL: "Contractual adjustment",
    EntryKind.WRITE_OFF: "Write-off",
    EntryKind.REFUND: "Refund",
    EntryKind.TRANSFER: "Transfer of responsibility",
    EntryKind.REVERSAL: "Reversal",
    EntryKind.VOID: "Void",
    EntryKind.PROVIDER_ADJUSTMENT: "Provider-level adjustment (PLB)",
}

# The sign each kind's amount must have: +1 adds to what is owed, -1 takes from it, 0 either
# (a transfer leg, a reversal, which negates what it reverses, or a PLB: positive interest
# paid, negative money taken back).
SIGN: dict[EntryKind, int] = {
    EntryKind.CHARGE: 1,
    EntryKind.CLIENT_PAYMENT: -1,
    EntryKind.INSURER_PAYMENT: 0,  # a payer's negative payment appears in reversals (CLP02 22)
    EntryKind.CONTRACTUAL: 0,
    EntryKind.WRITE_OFF: -1,
    EntryKind.REFUND: 1,
    EntryKind.TRANSFER: 0,
    EntryKind.REVERSAL: 0,
    EntryKind.VOID: -1,
    EntryKind.PROVIDER_ADJUSTMENT: 0,
}

# Kinds whose entries must come in groups that sum to zero.
PAIRED = frozenset({EntryKind.TRANSFER})


@dataclass(frozen=True)
class Leg:
    """One ledger entry as the arithmetic sees it.

    ``responsibility`` is :data:`CLIENT` or a payer's id; ``group`` ties the legs of one
    transfer; ``claim`` is the claim the amount is owed on (None: not billed); ``reverses`` is the id of the entry a reversal undoes; ``overpayment`` marks a
    payer amount known to leave the payer's balance below zero (an unapplied ERA payment, a
    PLB), which ``check`` then accepts.
    """

    id: int
    responsibility: Hashable
    kind: EntryKind
    amount: Decimal
    group: str = ""
    reverses: int | None = None
    overpayment: bool = False
    claim: int | None = None


def balances(legs: Iterable[Leg]) -> dict[Hashable, Decimal]:
    """What each responsibility owes: the sum of its entries (negative: a credit)."""
    out: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for leg in legs:
        out[leg.responsibility] += leg.amount
    return dict(out)


def transfer(amount: Decimal, source: Hashable, target: Hashable) -> tuple[Decimal, Decimal]:
    """The two signed amounts of moving ``amount`` from ``source`` to ``target``: the source
    owes that much less, the target that much more."""
    if amount < 0:
        raise ValueError("A transfer moves a positive amount; swap source and target.")
    if source == target:
        raise ValueError("A transfer moves money between two responsibilities.")
    return -amount, amount


def allocate(
    amount: Decimal, open_items: Sequence[tuple[Hashable, Decimal]]
) -> tuple[list[tuple[Hashable, Decimal]], Decimal]:
    """Apply a payment to open items in the order given (oldest first), each up to what it
    still owes; returns the amounts applied and what is left over (a credit on account).

    >>> allocate(Decimal("100"), [("a", Decimal("60")), ("b", Decimal("60"))])
    ([('a', Decimal('60')), ('b', Decimal('40'))], Decimal('0'))
    """
    if amount < 0:
        raise ValueError("Only a positive amount is allocated.")
    applied: list[tuple[Hashable, Decimal]] = []
    left = amount
    for key, owed in open_items:
        if left <= 0:
            break
        if owed <= 0:
            continue
        take = min(left, owed)
        applied.append((key, take))
        left -= take
    return applied, left


def cob_adjustment(
    opening: Decimal, *, paid: Decimal, patient: Decimal, denied: Decimal, contractual: Decimal
) -> Decimal:
    """The part of a later payer's contractual adjustments that is this claim's to absorb.

    A secondary or tertiary claim carries the full charge, but only what the earlier payers
    left (``opening``) moved to it. Its 835 adjusts the whole charge (OA-23 for the earlier
    payers' share), so only what is left after its payment, its patient share and any open
    denial may be adjusted off, never more than the remittance says and never below zero.
    """
    room = opening - paid - patient - denied
    return max(ZERO, min(contractual, room))


BUCKETS = ("Current", "31–60 days", "61–90 days", "Over 90 days")


def bucket(age_days: int) -> int:
    """The statement aging bucket of an amount ``age_days`` old: current (0–30), 31–60,
    61–90, over 90."""
    if age_days <= 30:
        return 0
    if age_days <= 60:
        return 1
    if age_days <= 90:
        return 2
    return 3


def aging(
    items: Iterable[tuple[dt.date, Decimal]], as_of: dt.date
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Open amounts by age (dated by their service or charge date) in the four statement
    buckets. Credits (negative amounts) are taken from the oldest buckets first, so none shows
    money owed that a credit already covers; the buckets add up to what is owed, and a credit
    larger than that leaves them all at zero (the statement's balance line shows the credit)."""
    totals = [ZERO, ZERO, ZERO, ZERO]
    credit = ZERO
    for day, amount in items:
        if amount < 0:
            credit -= amount
        else:
            totals[bucket((as_of - day).days)] += amount
    for index in (3, 2, 1, 0):
        take = min(credit, totals[index])
        totals[index] -= take
        credit -= take
    return totals[0], totals[1], totals[2], totals[3]


def check(legs: Sequence[Leg]) -> list[str]:
    """Every invariant the entries must keep, as plain-words failures (empty: all hold).

    - amounts are whole cents and carry their kind's sign;
    - each transfer's legs sum to zero, and move money between two responsibilities or claims;
    - a reversal names an entry and undoes exactly it, and no entry is reversed twice;
    - no payer's balance is below zero unless its negative entries are flagged overpayments.
    """
    failures: list[str] = []
    by_id = {leg.id: leg for leg in legs}
    groups: dict[str, list[Leg]] = defaultdict(list)
    reversed_ids: dict[int, int] = {}
    for leg in legs:
        if leg.amount != leg.amount.quantize(CENT):
            failures.append(f"Entry {leg.id}: {leg.amount} is not a whole number of cents.")
        sign = SIGN[leg.kind]
        if sign and leg.amount * sign < 0:
            failures.append(
                f"Entry {leg.id}: a {leg.kind.value} of {leg.amount} has the wrong sign."
            )
        if leg.kind in PAIRED:
            if not leg.group:
                failures.append(f"Entry {leg.id}: a transfer with no other leg.")
            groups[leg.group].append(leg)
        if leg.kind is EntryKind.REVERSAL:
            original = by_id.get(leg.reverses) if leg.reverses is not None else None
            if original is None:
                failures.append(f"Entry {leg.id}: a reversal of no known entry.")
            elif original.amount != -leg.amount or original.responsibility != leg.responsibility:
                failures.append(
                    f"Entry {leg.id}: reverses entry {original.id} by {leg.amount}, "
                    f"not by {-original.amount} on the same responsibility."
                )
            if leg.reverses is not None:
                if leg.reverses in reversed_ids:
                    failures.append(
                        f"Entry {leg.reverses} is reversed twice "
                        f"(entries {reversed_ids[leg.reverses]} and {leg.id})."
                    )
                reversed_ids[leg.reverses] = leg.id
    for group, members in groups.items():
        if not group:
            continue
        total = sum((m.amount for m in members), ZERO)
        if total != 0:
            failures.append(f"Transfer {group}: its legs sum to {total}, not 0.")
        if len({(m.responsibility, m.claim) for m in members}) < 2:
            failures.append(f"Transfer {group}: both legs are on one responsibility and claim.")
    owed = balances(legs)
    flagged: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for leg in legs:
        if leg.overpayment:
            flagged[leg.responsibility] += leg.amount
    for responsibility, balance in owed.items():
        if responsibility == CLIENT:
            continue
        if balance < 0 and balance < flagged[responsibility]:
            failures.append(
                f"Payer {responsibility}: balance {balance} is below zero and not an "
                f"overpayment on record."
            )
    return failures
