"""Every write of money. Claims, remittance, paperwork and checkout call these; nothing else
creates ledger entries.

- A visit is charged when its note is signed (``charge_visit``), at its service lines'
  fee-schedule charges, to the client (self-pay, superbill) or to the payer billed directly.
- A claim takes its lines' open amounts over from the visit (``bill_claim``); a replacement
  takes the original's open balance, a void takes it back, a secondary takes what the earlier
  payers left to the client (``replace_claim``, ``void_claim``, ``bill_secondary``).
- The payer's adjudication (ERA postings and the work queue's actions) is mirrored by
  ``sync_adjudication``: payments, contractual adjustments, write-offs and the client's share.
- The front desk's money: ``record_payment`` (allocated to open visits oldest first) and
  ``refund``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from knead.billing import ledger as core
from knead.billing.ledger import EntryKind
from knead.billing.paths import BillingPath
from knead.bulk import insert_rows
from knead.claims.models import Claim, ClaimLine
from knead.ledger.models import Entry, Payment, PaymentKind, PaymentMethod
from knead.practice import clock
from knead.practice.models import Practice
from knead.visits.models import ServiceLine, Visit

K = EntryKind
ZERO = Decimal("0.00")
_CHUNK = 900


class LedgerRefused(ValueError):
    """A money action that cannot be done; the message says why in plain words, and ``field``
    names the input it is about ("amount", "received_on", "method", "reference", "reason"),
    when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _group() -> str:
    return uuid.uuid4().hex


def _sum(qs: Any) -> Decimal:
    return (qs.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(core.CENT)


# --- charges ------------------------------------------------------------------------------


def responsible_payer_id(visit: Visit) -> int | None:
    """Who owes a visit's charge: the payer billed directly, else the client (None)."""
    from knead.visits.services import billed_payer

    if visit.billing_path != BillingPath.DIRECT:
        return None
    payer = billed_payer(visit)
    return payer.pk if payer is not None else None


@transaction.atomic
def charge_visit(visit: Visit, *, user: Any) -> list[Entry]:
    """Charge a signed visit's active service lines that are not charged yet, and reverse the
    charges of lines a correction replaced. Idempotent: a second call posts nothing."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("case", "coverage")
        .get(pk=visit.pk)
    )
    if not visit.is_signed:
        raise LedgerRefused("A visit is charged when its note is signed.")
    payer_id = responsible_payer_id(visit)
    today = visit.date
    made: list[Entry] = []
    lines = list(ServiceLine.objects.filter(visit=visit))
    charges = {
        e.service_line_id: e
        for e in Entry.objects.filter(
            service_line__in=lines, kind=K.CHARGE, reversed_by__isnull=True
        )
    }
    for line in lines:
        charged = charges.get(line.pk)
        if line.replaced_at is None and charged is None and line.charge > 0:
            made.append(
                Entry.objects.create(
                    practice_id=visit.practice_id,
                    client_id=visit.client_id,
                    payer_id=payer_id,
                    visit=visit,
                    service_line=line,
                    kind=K.CHARGE,
                    amount=line.charge,
                    posted_on=today,
                    memo=f"{line.code} × {line.units}",
                    created_by=user,
                )
            )
        elif line.replaced_at is not None and charged is not None:
            made.append(reverse(charged, user=user, memo="Service corrected"))
            made += _release_payments(line, user=user)
    if payer_id is None and made:
        apply_credit(visit.client, user=user, visits=[visit.pk])
    return made


def charge_signed_visits(practice: Any, *, user: Any) -> int:
    """Charge, in bulk, every signed visit of the practice with an active line not charged yet
    (``charge_visit`` for many visits at once: a seeded or imported history). Returns the
    number of lines charged."""
    from knead.visits.services import billed_payer

    lines = (
        ServiceLine.objects.filter(
            visit__practice=practice,
            visit__signed_at__isnull=False,
            visit__deleted_at__isnull=True,
            replaced_at__isnull=True,
            charge__gt=0,
        )
        .exclude(ledger_entries__kind=K.CHARGE)
        .select_related("visit__case__payer", "visit__coverage__payer")
    )
    ops = connection.ops
    created = ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for line in lines.iterator(chunk_size=2000):
        visit = line.visit
        payer = billed_payer(visit) if visit.billing_path == BillingPath.DIRECT else None
        rows.append(
            (
                payer.pk if payer else None,
                ops.adapt_decimalfield_value(line.charge),
                visit.practice_id,
                visit.client_id,
                visit.pk,
                line.pk,
                None,
                None,
                K.CHARGE.value,
                ops.adapt_datefield_value(visit.date),
                "",
                False,
                False,
                None,
                None,
                f"{line.code} × {line.units}",
                created,
                getattr(user, "pk", None),
            )
        )
    insert_rows(Entry, _COLUMNS, rows)
    return len(rows)


def _release_payments(line: ServiceLine, *, user: Any) -> list[Entry]:
    """A corrected (replaced) line no longer owes anything, so the client money applied to it
    goes back on account (``apply_credit`` then applies it to the new lines): each applied
    payment entry is reversed and entered again as credit on account."""
    made: list[Entry] = []
    applied = Entry.objects.filter(
        service_line=line,
        payer__isnull=True,
        kind=K.CLIENT_PAYMENT,
        payment__isnull=False,
        reversed_by__isnull=True,
    ).select_related("payment")
    for entry in applied:
        made.append(reverse(entry, user=user, memo="Service corrected"))
        made.append(
            _client_money(
                entry.payment,
                entry.amount,
                line=None,
                visit=None,
                user=user,
                memo="Credit on account",
                day=clock.today(line.visit.practice),
            )
        )
    return made


def reverse(entry: Entry, *, user: Any, memo: str, day: dt.date | None = None) -> Entry:
    """Undo one entry with an entry of the opposite amount on the same responsibility."""
    return Entry.objects.create(
        practice_id=entry.practice_id,
        client_id=entry.client_id,
        payer_id=entry.payer_id,
        visit_id=entry.visit_id,
        service_line_id=entry.service_line_id,
        claim_id=entry.claim_id,
        claim_line_id=entry.claim_line_id,
        kind=K.REVERSAL,
        amount=-entry.amount,
        posted_on=day or clock.today(entry.practice),
        reverses=entry,
        payment_id=entry.payment_id,
        adjudication=entry.adjudication,
        memo=memo[:200],
        created_by=user,
    )


# --- transfers between responsibilities and claims -----------------------------------------


@dataclass(frozen=True)
class Side:
    """Where an amount sits: a responsibility (payer id, or None for the client) and the claim
    line it is owed on (None: not on a claim)."""

    payer_id: int | None
    claim_id: int | None = None
    claim_line_id: int | None = None


def _transfer(
    amount: Decimal,
    source: Side,
    target: Side,
    *,
    practice_id: int,
    client_id: int | None,
    visit_id: int | None,
    service_line_id: int | None,
    user: Any,
    day: dt.date,
    memo: str,
    adjudication: bool = False,
) -> list[Entry]:
    out, into = core.transfer(amount, source, target)
    group = _group()
    common = dict(
        practice_id=practice_id,
        client_id=client_id,
        visit_id=visit_id,
        service_line_id=service_line_id,
        kind=K.TRANSFER,
        posted_on=day,
        group=group,
        memo=memo[:200],
        adjudication=adjudication,
        created_by=user,
    )
    return [
        Entry.objects.create(
            payer_id=side.payer_id,
            claim_id=side.claim_id,
            claim_line_id=side.claim_line_id,
            amount=value,
            **common,
        )
        for side, value in ((source, out), (target, into))
    ]


def _open_unclaimed(service_line_id: int) -> dict[int | None, Decimal]:
    """A service line's open amounts not on any claim, per responsibility."""
    rows = (
        Entry.objects.filter(service_line_id=service_line_id, claim__isnull=True)
        .values_list("payer_id")
        .annotate(total=Sum("amount"))
    )
    return {payer: (total or ZERO).quantize(core.CENT) for payer, total in rows}


@transaction.atomic
def bill_claim(claim: Claim, *, user: Any) -> None:
    """Move each claim line's open, unbilled amount onto the claim and its payer. A line billed
    to a payer other than the one charged at signing is a transfer between the two."""
    for line in claim.lines.select_related("service_line"):
        if line.service_line_id is None:
            continue
        for payer_id, amount in _open_unclaimed(line.service_line_id).items():
            if amount <= 0:
                continue
            _transfer(
                amount,
                Side(payer_id),
                Side(claim.payer_id, claim.pk, line.pk),
                practice_id=claim.practice_id,
                client_id=claim.client_id,
                visit_id=line.visit_id,
                service_line_id=line.service_line_id,
                user=user,
                day=clock.today(claim.practice),
                memo=f"Billed on claim {claim.claim_id}",
            )


def _open_on_line(line: ClaimLine, payer_id: int | None) -> Decimal:
    return _sum(Entry.objects.filter(claim_line=line, payer_id=payer_id))


def _lines_by_position(claim: Claim) -> dict[int, ClaimLine]:
    return {line.position: line for line in claim.lines.all()}


@transaction.atomic
def replace_claim(original: Claim, replacement: Claim, *, user: Any) -> None:
    """A replacement claim (frequency 7) takes over the original's open balance, line by line;
    the original then expects nothing, so nothing is owed twice."""
    targets = _lines_by_position(replacement)
    for line in original.lines.all():
        amount = _open_on_line(line, original.payer_id)
        target = targets.get(line.position)
        if amount <= 0 or target is None:
            continue
        _transfer(
            amount,
            Side(original.payer_id, original.pk, line.pk),
            Side(replacement.payer_id, replacement.pk, target.pk),
            practice_id=original.practice_id,
            client_id=original.client_id,
            visit_id=line.visit_id,
            service_line_id=line.service_line_id,
            user=user,
            day=clock.today(original.practice),
            memo=f"Replaced by claim {replacement.claim_id}",
        )


@transaction.atomic
def void_claim(original: Claim, void: Claim, *, user: Any) -> None:
    """A void (frequency 8) expects nothing and takes back the original's open balance."""
    for line in original.lines.all():
        amount = _open_on_line(line, original.payer_id)
        if amount <= 0:
            continue
        Entry.objects.create(
            practice_id=original.practice_id,
            client_id=original.client_id,
            payer_id=original.payer_id,
            visit_id=line.visit_id,
            service_line_id=line.service_line_id,
            claim=original,
            claim_line=line,
            kind=K.VOID,
            amount=-amount,
            posted_on=clock.today(original.practice),
            memo=f"Voided by claim {void.claim_id}",
            created_by=user,
        )


@transaction.atomic
def bill_secondary(primary: Claim, secondary: Claim, *, user: Any) -> None:
    """After the primary adjudicated, only what it left to the client moves to the next payer:
    line by line, the client's open amount on that service."""
    targets = _lines_by_position(secondary)
    for line in primary.lines.all():
        target = targets.get(line.position)
        if target is None or line.service_line_id is None:
            continue
        left = _sum(Entry.objects.filter(service_line_id=line.service_line_id, payer__isnull=True))
        if left <= 0:
            continue
        _transfer(
            left,
            Side(None, primary.pk, line.pk),
            Side(secondary.payer_id, secondary.pk, target.pk),
            practice_id=primary.practice_id,
            client_id=primary.client_id,
            visit_id=line.visit_id,
            service_line_id=line.service_line_id,
            user=user,
            day=clock.today(primary.practice),
            memo=f"Billed to the next payer on claim {secondary.claim_id}",
        )


@transaction.atomic
def settle_closed_claim(claim: Claim, *, adjudicated: bool, user: Any) -> None:
    """A claim closes owing nothing. One never adjudicated (cancelled) gives its lines back to
    the visit, unbilled, so another claim can bill them; one adjudicated writes off what is
    left, because the payer has decided."""
    for line in claim.lines.all():
        amount = _open_on_line(line, claim.payer_id)
        if amount == 0:
            continue
        if not adjudicated and amount > 0:
            _transfer(
                amount,
                Side(claim.payer_id, claim.pk, line.pk),
                Side(claim.payer_id),
                practice_id=claim.practice_id,
                client_id=claim.client_id,
                visit_id=line.visit_id,
                service_line_id=line.service_line_id,
                user=user,
                day=clock.today(claim.practice),
                memo=f"Claim {claim.claim_id} cancelled; back to unbilled",
            )
            continue
        Entry.objects.create(
            practice_id=claim.practice_id,
            client_id=claim.client_id,
            payer_id=claim.payer_id,
            visit_id=line.visit_id,
            service_line_id=line.service_line_id,
            claim=claim,
            claim_line=line,
            kind=K.WRITE_OFF if amount > 0 else K.CONTRACTUAL,
            amount=-amount,
            posted_on=clock.today(claim.practice),
            adjudication=True,
            memo=f"Claim {claim.claim_id} closed with its balance open",
            created_by=user,
        )


# --- the payer's adjudication ----------------------------------------------------------------


@dataclass(frozen=True)
class Adjudication:
    """What the payer's adjudication (its postings) says of one claim line, or of the claim
    itself (``claim_line_id`` None): each a positive amount the payer no longer owes."""

    claim_id: int
    claim_line_id: int | None
    paid: Decimal = ZERO
    contractual: Decimal = ZERO
    patient: Decimal = ZERO
    written_off: Decimal = ZERO
    denied: Decimal = ZERO
    segment: int | None = None


# The payer-side kind each adjudication figure is mirrored as (the client's share is a
# transfer to the client).
_MIRRORED = (
    ("paid", K.INSURER_PAYMENT),
    ("contractual", K.CONTRACTUAL),
    ("written_off", K.WRITE_OFF),
    ("patient", K.TRANSFER),
)


def sync_adjudication(
    figures: Sequence[Adjudication],
    *,
    user: Any,
    day: dt.date,
    remittance_id: int | None = None,
) -> int:
    """Bring the ledger in line with the payer's adjudication of the given claim lines:
    append entries for what changed since the last sync (none when nothing did, so a re-run
    posts nothing). A smaller figure than the ledger holds (a reversal, CLP02 22) reverses the
    earlier entries where they match, else posts the negative difference. Returns the number
    of entries written."""
    if not figures:
        return 0
    claim_ids = sorted({f.claim_id for f in figures})
    claims: dict[int, tuple[Any, ...]] = {}
    lines: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(claim_ids), _CHUNK):
        chunk = claim_ids[start : start + _CHUNK]
        for row in Claim.objects.filter(pk__in=chunk).values_list(
            "pk", "practice_id", "client_id", "payer_id", "priority"
        ):
            claims[row[0]] = row
        for row in ClaimLine.objects.filter(claim_id__in=chunk).values_list(
            "pk", "visit_id", "service_line_id"
        ):
            lines[row[0]] = row
    held = _held(claim_ids, claims)
    opening = _opening(claim_ids, claims) if any(c[4] > 1 for c in claims.values()) else {}
    rows: list[tuple[Any, ...]] = []
    reversals: list[tuple[Entry, str]] = []
    ops = connection.ops
    created = ops.adapt_datetimefield_value(timezone.now())
    posted = ops.adapt_datefield_value(day)
    user_id = getattr(user, "pk", None)
    for fig in figures:
        _pk, practice_id, client_id, payer_id, priority = claims[fig.claim_id]
        line = lines.get(fig.claim_line_id) if fig.claim_line_id else None
        visit_id, service_line_id = (line[1], line[2]) if line else (None, None)
        contractual = fig.contractual
        if priority > 1:
            contractual = core.cob_adjustment(
                opening.get((fig.claim_id, fig.claim_line_id), ZERO),
                paid=fig.paid,
                patient=fig.patient,
                denied=fig.denied,
                contractual=fig.contractual,
            )
        wanted = {
            "paid": fig.paid,
            "contractual": contractual,
            "written_off": fig.written_off,
            "patient": fig.patient,
        }
        for name, kind in _MIRRORED:
            key = (fig.claim_id, fig.claim_line_id, kind)
            delta = wanted[name] - held.get(key, ZERO)
            if delta == 0:
                continue
            if delta < 0 and kind is not K.TRANSFER:
                undone = _undo(fig.claim_id, fig.claim_line_id, kind, -delta)
                if undone:
                    reversals += [(e, "Reversed by the payer") for e in undone]
                    continue
            group = _group() if kind is K.TRANSFER else ""
            base = (
                practice_id,
                client_id,
                visit_id,
                service_line_id,
                fig.claim_id,
                fig.claim_line_id,
                kind.value,
                posted,
                group,
                True,
                False,
                remittance_id,
                fig.segment,
                "",
                created,
                user_id,
            )
            amount = ops.adapt_decimalfield_value(-delta)
            rows.append((payer_id, amount, *base))
            if kind is K.TRANSFER:
                rows.append((None, ops.adapt_decimalfield_value(delta), *base))
    insert_rows(Entry, _COLUMNS, rows)
    for entry, memo in reversals:
        reverse(entry, user=user, memo=memo, day=day)
    return len(rows) + len(reversals)


def sync_remittance_money(
    remittance_id: int,
    *,
    practice_id: int,
    payer_id: int | None,
    unapplied: dict[int, Decimal],
    provider_adjustments: dict[int, Decimal],
    user: Any,
    day: dt.date,
) -> bool:
    """Mirror the ERA money that is on no claim, per segment it came from: payments for claims
    not found (by CLP segment; unapplied until a biller posts them to a claim) and
    provider-level adjustments (by PLB segment: positive is money the payer took back,
    negative interest it added). Both sit on the payer with no claim and are flagged, since
    they may leave it below zero. Re-running posts only what changed; returns False when the
    payer is not known, so nothing could be recorded."""
    if payer_id is None:
        return not (any(unapplied.values()) or any(provider_adjustments.values()))
    mine = Entry.objects.filter(remittance_id=remittance_id, claim__isnull=True, payer_id=payer_id)
    for kind, wanted_by_segment in (
        (K.INSURER_PAYMENT, {s: -a for s, a in unapplied.items()}),
        (K.PROVIDER_ADJUSTMENT, provider_adjustments),
    ):
        held: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
        for segment, amount in mine.filter(kind=kind).values_list("segment", "amount"):
            held[segment] += amount
        wanted: dict[int | None, Decimal] = dict(wanted_by_segment)
        for segment in sorted({*wanted, *held}, key=lambda s: -1 if s is None else s):
            delta = wanted.get(segment, ZERO) - held[segment]
            if not delta:
                continue
            Entry.objects.create(
                practice_id=practice_id,
                payer_id=payer_id,
                kind=kind,
                amount=delta,
                posted_on=day,
                remittance_id=remittance_id,
                segment=segment,
                overpayment=True,
                adjudication=True,
                memo="Unapplied: claim not found" if kind is K.INSURER_PAYMENT else "PLB",
                created_by=user,
            )
    return True


_COLUMNS = (
    "payer",
    "amount",
    "practice",
    "client",
    "visit",
    "service_line",
    "claim",
    "claim_line",
    "kind",
    "posted_on",
    "group",
    "adjudication",
    "overpayment",
    "remittance",
    "segment",
    "memo",
    "created",
    "created_by",
)


def _held(
    claim_ids: list[int], claims: dict[int, tuple[Any, ...]]
) -> dict[tuple[int, int | None, EntryKind], Decimal]:
    """What the ledger already mirrors per claim line and kind, as positive amounts off the
    payer (a reversal counts against the kind it reversed)."""
    held: dict[tuple[int, int | None, EntryKind], Decimal] = defaultdict(lambda: ZERO)
    for start in range(0, len(claim_ids), _CHUNK):
        chunk = claim_ids[start : start + _CHUNK]
        rows = (
            Entry.objects.filter(claim_id__in=chunk, adjudication=True)
            .exclude(kind=K.REVERSAL)
            .values_list("claim_id", "claim_line_id", "kind", "payer_id")
            .annotate(total=Sum("amount"))
        )
        for claim_id, line_id, kind, payer_id, total in rows:
            if payer_id == claims[claim_id][3]:
                held[(claim_id, line_id, EntryKind(kind))] -= total or ZERO
        undone = (
            Entry.objects.filter(claim_id__in=chunk, adjudication=True, kind=K.REVERSAL)
            .values_list("claim_id", "claim_line_id", "reverses__kind", "payer_id")
            .annotate(total=Sum("amount"))
        )
        for claim_id, line_id, kind, payer_id, total in undone:
            if payer_id == claims[claim_id][3]:
                held[(claim_id, line_id, EntryKind(kind))] -= total or ZERO
    return {k: v.quantize(core.CENT) for k, v in held.items()}


def _opening(
    claim_ids: list[int], claims: dict[int, tuple[Any, ...]]
) -> dict[tuple[int, int | None], Decimal]:
    """What moved onto each line of a later payer's claim when it was billed (not from its own
    adjudication): the room its contractual adjustments may take."""
    out: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
    later = [pk for pk in claim_ids if claims[pk][4] > 1]
    for start in range(0, len(later), _CHUNK):
        rows = (
            Entry.objects.filter(claim_id__in=later[start : start + _CHUNK], adjudication=False)
            .values_list("claim_id", "claim_line_id", "payer_id")
            .annotate(total=Sum("amount"))
        )
        for claim_id, line_id, payer_id, total in rows:
            if payer_id == claims[claim_id][3]:
                out[(claim_id, line_id)] += total or ZERO
    return out


def _undo(claim_id: int, line_id: int | None, kind: EntryKind, amount: Decimal) -> list[Entry]:
    """The newest unreversed entries of ``kind`` on the line that together come to exactly
    ``amount`` (empty when no such set exists)."""
    candidates = Entry.objects.filter(
        claim_id=claim_id,
        claim_line_id=line_id,
        kind=kind,
        adjudication=True,
        reversed_by__isnull=True,
    ).order_by("-id")
    picked: list[Entry] = []
    total = ZERO
    for entry in candidates:
        if total - entry.amount > amount:
            continue
        picked.append(entry)
        total -= entry.amount
        if total == amount:
            return picked
    return []


# --- the front desk ----------------------------------------------------------------------------


def open_client_lines(client_id: int, visits: Sequence[int] | None = None) -> list[Any]:
    """The client's service lines with an amount the client owes, oldest visit first:
    ``(service_line_id, visit_id, open)``."""
    qs = Entry.objects.filter(client_id=client_id, payer__isnull=True, service_line__isnull=False)
    if visits is not None:
        qs = qs.filter(visit_id__in=list(visits))
    rows = (
        qs.values_list("service_line_id", "visit_id", "visit__date", "service_line__position")
        .annotate(total=Sum("amount"))
        .order_by("visit__date", "visit_id", "service_line__position")
    )
    return [
        (line, visit, (total or ZERO).quantize(core.CENT))
        for line, visit, _day, _pos, total in rows
        if (total or ZERO) > 0
    ]


@transaction.atomic
def record_payment(
    client: Any,
    *,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    user: Any,
    reference: str = "",
    kind: str = PaymentKind.PAYMENT,
    visits: Sequence[int] | None = None,
    reason: str = "",
) -> Payment:
    """Take a payment from a client: the receipt, and entries applying it to the client's open
    visits, oldest first (only ``visits`` when given). What no visit takes is credit on
    account, applied to later visits by ``apply_credit``."""
    if amount <= 0:
        raise LedgerRefused("Enter the amount received, more than $0.00.", field="amount")
    _check_money(client.practice, amount, received_on, method, reference, what="A payment")
    if kind == PaymentKind.REFUND:
        raise LedgerRefused("Use a refund for money given back.")
    if kind not in PaymentKind.values:
        raise LedgerRefused(
            "Choose what the money is: a payment, a prepayment or a package.", field="kind"
        )
    # One receipt at a time per client, so two desks cannot apply the same open amount twice.
    type(client).objects.select_for_update().filter(pk=client.pk).first()
    payment = Payment.objects.create(
        practice_id=client.practice_id,
        client=client,
        received_on=received_on,
        amount=amount,
        method=method,
        kind=kind,
        reference=reference.strip()[:40],
        reason=reason.strip()[:200],
        created_by=user,
        updated_by=user,
    )
    open_lines = open_client_lines(client.pk, visits) if kind == PaymentKind.PAYMENT else []
    applied, left = core.allocate(
        amount, [((line, visit), owed) for line, visit, owed in open_lines]
    )
    for (line, visit), value in applied:
        _client_money(payment, -value, line=line, visit=visit, user=user)
    if left:
        _client_money(payment, -left, line=None, visit=None, user=user, memo="Credit on account")
    return payment


_CARD_DIGITS = re.compile(r"\d{4}")


def _check_money(
    practice: Practice, amount: Decimal, day: dt.date, method: str, reference: str, *, what: str
) -> None:
    """The checks every receipt passes: cents, not in the practice's future, a known method, and
    for a card only its last four digits (a card number is never stored)."""
    if amount != amount.quantize(core.CENT):
        raise LedgerRefused("Enter the amount in dollars and cents, e.g. 165.00.", field="amount")
    now = clock.today(practice)
    if day > now:
        raise LedgerRefused(
            f"{what} cannot be dated in the future (today is {now:%m/%d/%Y}).",
            field="received_on",
        )
    if method not in PaymentMethod.values:
        raise LedgerRefused(
            "Choose how the money was paid: card, cash, check, HSA/FSA or other.", field="method"
        )
    digits = reference.strip()
    card = method in (PaymentMethod.CARD, PaymentMethod.HSA_FSA)
    if card and digits and not _CARD_DIGITS.fullmatch(digits):
        raise LedgerRefused(
            "For a card, enter only the last four digits of the card number (e.g. 4242), "
            "never the whole number.",
            field="reference",
        )


def _client_money(
    payment: Payment,
    amount: Decimal,
    *,
    line: int | None,
    visit: int | None,
    user: Any,
    memo: str = "",
    kind: EntryKind = K.CLIENT_PAYMENT,
    day: dt.date | None = None,
) -> Entry:
    return Entry.objects.create(
        practice_id=payment.practice_id,
        client_id=payment.client_id,
        payer=None,
        visit_id=visit,
        service_line_id=line,
        kind=kind,
        amount=amount,
        posted_on=day or payment.received_on,
        payment=payment,
        memo=memo or f"{payment.get_method_display()} {payment.reference}".strip(),
        created_by=user,
    )


@transaction.atomic
def apply_credit(client: Any, *, user: Any, visits: Sequence[int] | None = None) -> Decimal:
    """Apply the client's credit on account (unapplied payments) to open visits, oldest first:
    each unapplied entry is reversed and re-entered on the visits it now pays. Never more is
    applied than is on account (unapplied payments less what was refunded of them), so a
    refunded credit never pays a visit. Returns the amount applied."""
    type(client).objects.select_for_update().filter(pk=client.pk).first()
    available = on_account(client)
    if available <= 0:
        return ZERO
    unapplied = list(
        Entry.objects.filter(
            client=client,
            payer__isnull=True,
            kind=K.CLIENT_PAYMENT,
            service_line__isnull=True,
            reversed_by__isnull=True,
        ).select_related("payment")
    )
    total = ZERO
    open_lines = open_client_lines(client.pk, visits)
    for entry in unapplied:
        if not open_lines or available <= 0:
            break
        applied, _unused = core.allocate(
            min(-entry.amount, available),
            [((line, visit), owed) for line, visit, owed in open_lines],
        )
        if not applied:
            continue
        reverse(entry, user=user, memo="Applied to visits", day=clock.today(client.practice))
        used = ZERO
        for (line, visit), value in applied:
            _client_money(
                entry.payment,
                -value,
                line=line,
                visit=visit,
                user=user,
                day=clock.today(client.practice),
            )
            used += value
        total += used
        available -= used
        left = -entry.amount - used
        if left:
            _client_money(
                entry.payment,
                -left,
                line=None,
                visit=None,
                user=user,
                memo="Credit on account",
                day=clock.today(client.practice),
            )
        open_lines = open_client_lines(client.pk, visits)
    return total


def on_account(client: Any) -> Decimal:
    """The client's money not applied to any visit: unapplied payments less refunds."""
    return -_sum(
        Entry.objects.filter(
            client=client, payer__isnull=True, payment__isnull=False, service_line__isnull=True
        )
    )


@transaction.atomic
def refund(
    client: Any,
    *,
    amount: Decimal,
    reason: str,
    method: str,
    user: Any,
    received_on: dt.date,
) -> Payment:
    """Give a client back money from their credit on account; the reason is required. A
    refund larger than the credit is refused: a refund is never a new charge."""
    if not reason.strip():
        raise LedgerRefused("Say why the money is refunded.", field="reason")
    if amount <= 0:
        raise LedgerRefused("Enter the amount refunded, more than $0.00.", field="amount")
    _check_money(client.practice, amount, received_on, method, "", what="A refund")
    type(client).objects.select_for_update().filter(pk=client.pk).first()
    credit = -_sum(Entry.objects.filter(client=client, payer__isnull=True))
    if credit <= 0:
        owes = f"they owe ${-credit:.2f}" if credit else "their balance is $0.00"
        raise LedgerRefused(
            f"There is nothing to refund: the client has no credit on account ({owes}).",
            field="amount",
        )
    if amount > credit:
        raise LedgerRefused(
            f"The client has ${max(credit, ZERO):.2f} of credit on account; "
            f"a refund of ${amount:.2f} would bill them.",
            field="amount",
        )
    payment = Payment.objects.create(
        practice_id=client.practice_id,
        client=client,
        received_on=received_on,
        amount=amount,
        method=method,
        kind=PaymentKind.REFUND,
        reason=reason.strip()[:200],
        created_by=user,
        updated_by=user,
    )
    _client_money(payment, amount, line=None, visit=None, user=user, memo=reason, kind=K.REFUND)
    return payment
