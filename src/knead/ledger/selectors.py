"""Reading the ledger: balances, what a client paid for visits, a client's entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from knead.billing import ledger as core
from knead.billing.ledger import EntryKind
from knead.claims.models import Claim
from knead.ledger.models import Entry

ZERO = Decimal("0.00")
_CHUNK = 900


def _sum(qs: Any) -> Decimal:
    return (qs.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(core.CENT)


def client_balance(client: Any) -> Decimal:
    """What the client owes the practice (negative: credit on account)."""
    return _sum(Entry.objects.filter(client=client, payer__isnull=True))


def insurance_balance(client: Any) -> Decimal:
    """What payers still owe on the client's services (billed or not yet)."""
    return _sum(Entry.objects.filter(client=client, payer__isnull=False))


def client_paid(visits: Iterable[Any]) -> Decimal:
    """What the client paid toward these visits: payments applied to their lines, less any
    refund of them. Superbills and the client-filed CMS-1500 (box 29) print this."""
    ids = [getattr(v, "pk", v) for v in visits]
    return -_sum(Entry.objects.filter(visit_id__in=ids, payer__isnull=True, payment__isnull=False))


def client_owes_for(visits: Iterable[Any]) -> Decimal:
    """What the client still owes on these visits."""
    ids = [getattr(v, "pk", v) for v in visits]
    return _sum(Entry.objects.filter(visit_id__in=ids, payer__isnull=True))


def visit_responsibility(visit: Any) -> dict[int | None, Decimal]:
    """A visit's open amount per responsibility (payer id, or None for the client)."""
    rows = Entry.objects.filter(visit=visit).values_list("payer_id").annotate(total=Sum("amount"))
    return {payer: (total or ZERO).quantize(core.CENT) for payer, total in rows if total}


def client_entries(client: Any) -> Sequence[Entry]:
    """The client's own entries (their responsibility), oldest first."""
    return list(
        Entry.objects.filter(client=client, payer__isnull=True)
        .select_related("visit", "claim", "claim__payer", "payment", "service_line")
        .order_by("posted_on", "id")
    )


def entries_for_claim(claim: Claim) -> Sequence[Entry]:
    return list(
        Entry.objects.filter(claim=claim).select_related("payer", "claim_line").order_by("id")
    )


def is_charged(visit: Any) -> bool:
    return Entry.objects.filter(visit=visit, kind=EntryKind.CHARGE).exists()


def visit_charge(visit: Any) -> Decimal:
    """What the ledger charged for a visit: its charges, less those reversed (a corrected
    service's), whoever owes them and whatever has been paid since."""
    entries = Entry.objects.filter(visit=visit)
    total = (entries.filter(kind=EntryKind.CHARGE).aggregate(t=Sum("amount"))["t"] or ZERO) + (
        entries.filter(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.CHARGE).aggregate(
            t=Sum("amount")
        )["t"]
        or ZERO
    )
    return total.quantize(core.CENT)


def claim_balances(claim_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each claim's payer still owes on it: the sum of the claim's entries on its payer."""
    pks = list(claim_ids)
    payers = _payers(pks)
    out = {pk: ZERO for pk in pks}
    for start in range(0, len(pks), _CHUNK):
        rows = (
            Entry.objects.filter(claim_id__in=pks[start : start + _CHUNK])
            .values_list("claim_id", "payer_id")
            .annotate(total=Sum("amount"))
        )
        for claim_id, payer_id, total in rows:
            if payer_id == payers.get(claim_id):
                out[claim_id] = (total or ZERO).quantize(core.CENT)
    return out


def claim_write_offs(claim_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each claim's payer side has written off: the billers' write-offs and the rest of
    the balance written off when the claim closed, less reversals of them (positive)."""
    pks = list(claim_ids)
    payers = _payers(pks)
    out = {pk: ZERO for pk in pks}
    write_off = EntryKind.WRITE_OFF.value
    written = Q(kind=write_off) | Q(kind=EntryKind.REVERSAL.value, reverses__kind=write_off)
    for start in range(0, len(pks), _CHUNK):
        rows = (
            Entry.objects.filter(written, claim_id__in=pks[start : start + _CHUNK])
            .values_list("claim_id", "payer_id")
            .annotate(t=Sum("amount"))
            .order_by()
        )
        for claim_id, payer_id, total in rows:
            if payer_id == payers.get(claim_id):
                out[claim_id] -= total or ZERO
    return {pk: amount.quantize(core.CENT) for pk, amount in out.items()}


def _payers(pks: list[int]) -> dict[int, int]:
    """Each claim's payer, read in chunks (SQLite caps the parameters of one query)."""
    payers: dict[int, int] = {}
    for start in range(0, len(pks), _CHUNK):
        payers.update(
            Claim.objects.filter(pk__in=pks[start : start + _CHUNK]).values_list("pk", "payer_id")
        )
    return payers
