"""Posting an 835: match claims and lines, post every amount with the segment it came from,
queue what needs a person, and recompute each claim's totals and state.

- Claims match by CLP01 = the ``claim_id`` Knead wrote in CLM01.
- Lines match by code + modifiers + date of service; when the payer dropped or reordered
  modifiers, by code + date with the payer's modifiers a subset of ours; lines without a date
  take the claim's. Anything not matched is still posted (to the claim, or to no claim) and
  queued: nothing is dropped.
- CAS groups: PR → patient responsibility (moves to the client's balance); CO-45/CO-253/PI-45
  and OA-23 → contractual; any other CO/OA/PI → denied (stays open in A/R until someone writes
  it off, bills the client, corrects or appeals). CLP02 22 reversals post the negative amounts
  the payer sent, marked as reversals, which undoes the earlier posting. PLB amounts post to
  the remittance (positive = taken back from the payment).
- Import is all or nothing (one transaction) and idempotent: a file already imported (same
  SHA-256) posts nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.utils import timezone

from knead.billing.x12.errors import X12Error
from knead.billing.x12.remittance import ClaimPayment, ServicePayment, read_835
from knead.claims.models import Claim, ClaimEvent, ClaimLine
from knead.claims.services import BillingRefused, file_digest
from knead.claims.states import ClaimState, can_move
from knead.practice.models import ContractRate
from knead.remittance.models import (
    JobStatus,
    Posting,
    PostingKind,
    Remittance,
    WorkItem,
    WorkKind,
    WorkStatus,
)

logger = logging.getLogger(__name__)
S = ClaimState
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
CONTRACTUAL = frozenset({("CO", "45"), ("CO", "253"), ("PI", "45"), ("OA", "23")})
_CHUNK = 900  # SQL variables per IN (…) query, under SQLite's limit
BACKGROUND_CLAIMS = 2000  # files with more claims post in a background thread

# Progress of imports running in this process (remittance pk → claims processed): the
# posting transaction is not visible to other connections until it commits.
_progress: dict[int, int] = {}


def posting_kind(group: str, reason: str) -> str:
    if group == "PR":
        return PostingKind.PATIENT
    if (group, reason) in CONTRACTUAL:
        return PostingKind.CONTRACTUAL
    return PostingKind.DENIAL


@dataclass(frozen=True)
class ImportResult:
    remittance: Remittance
    already: bool
    thread: threading.Thread | None = None


@dataclass
class _LineRef:
    id: int
    code: str
    modifiers: tuple[str, ...]
    date: dt.date
    units: int


@dataclass(frozen=True)
class _Shortfall:
    amount: Decimal  # reopened: moved from contractual to an open reduction
    allowed: Decimal
    expected: Decimal
    rate: Decimal


@dataclass
class _ClaimRef:
    id: int
    status: str
    service_from: dt.date
    payer_id: int
    lines: list[_LineRef]


def start_import(
    text: str, *, name: str, user: Any, practice: Any, background: bool | None = None
) -> ImportResult:
    """Check and register the file, then post it (in a thread for large files).

    Raises ``BillingRefused`` with the reason when the file cannot be read; nothing is stored.
    """
    digest = file_digest(text)
    existing = Remittance.objects.filter(practice=practice, sha256=digest).first()
    if existing and existing.status != JobStatus.FAILED:
        return ImportResult(existing, True)
    try:
        parsed = read_835(io.StringIO(text))
    except X12Error as error:
        raise BillingRefused(f"The 835 could not be read: {error}") from None
    claims = sum(len(p.claims) for p in parsed.payments)
    if existing:
        existing.delete()
    first = parsed.payments[0].header if parsed.payments else None
    remittance = Remittance.objects.create(
        practice=practice,
        file_name=name[:120],
        sha256=digest,
        content=text,
        payer_name=first.payer.name[:60] if first else "",
        trace=first.trace[:50] if first else "",
        paid_on=first.date if first else None,
        amount=sum((p.header.amount for p in parsed.payments), ZERO),
        claim_count=claims,
        problems=[
            {"segment": p.position, "segment_id": p.segment_id, "message": p.message}
            for p in parsed.problems
        ],
        created_by=user,
        updated_by=user,
    )
    run_in_thread = claims > BACKGROUND_CLAIMS if background is None else background
    if run_in_thread:
        thread = threading.Thread(
            target=_post_in_thread, args=(remittance.pk, parsed, user), daemon=True
        )
        thread.start()
        return ImportResult(remittance, False, thread)
    _post_safely(remittance, parsed, user)
    return ImportResult(remittance, False)


def _post_in_thread(pk: int, parsed: Any, user: Any) -> None:
    try:
        _post_safely(Remittance.objects.get(pk=pk), parsed, user)
    except Exception as error:
        # The remittance already says what stopped it, for the user; the log names only the
        # kind of error (its text could carry PHI).
        logger.error("835 posting %s failed: %s", pk, type(error).__name__)
    finally:
        connection.close()


def _post_safely(remittance: Remittance, parsed: Any, user: Any) -> None:
    try:
        post(remittance, parsed, user)
    except Exception as error:
        Remittance.objects.filter(pk=remittance.pk).update(
            status=JobStatus.FAILED, error=f"Posting stopped, nothing was posted: {error}"
        )
        _progress.pop(remittance.pk, None)
        raise
    remittance.refresh_from_db()


def progress(remittance: Remittance) -> int:
    """Claims processed so far (live while a background import runs)."""
    return _progress.get(remittance.pk, remittance.processed)


def _load_claims(practice_id: int, ids: list[str]) -> dict[str, _ClaimRef]:
    found: dict[str, _ClaimRef] = {}
    by_pk: dict[int, _ClaimRef] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = Claim.objects.filter(
            practice_id=practice_id,
            deleted_at__isnull=True,
            claim_id__in=ids[start : start + _CHUNK],
        ).values_list("id", "claim_id", "status", "service_from", "payer_id")
        for pk, claim_id, status, service_from, payer_id in rows:
            ref = _ClaimRef(pk, status, service_from, payer_id, [])
            found[claim_id] = by_pk[pk] = ref
    pks = list(by_pk)
    for start in range(0, len(pks), _CHUNK):
        rows = ClaimLine.objects.filter(claim_id__in=pks[start : start + _CHUNK]).values_list(
            "id", "claim_id", "code", "modifiers", "service_date", "units"
        )
        for pk, claim_pk, code, modifiers, day, units in rows.order_by("claim_id", "position"):
            by_pk[claim_pk].lines.append(_LineRef(pk, code, tuple(modifiers), day, units))
    return found


def match_line(
    service: ServicePayment, lines: list[_LineRef], used: set[int], claim_date: dt.date
) -> _LineRef | None:
    """Exact code + modifiers + date first; then code + date with the payer's modifiers a
    subset of ours (a dropped modifier); the service date defaults to the claim's."""
    day = service.date or claim_date
    code = service.code
    mods = tuple(service.modifiers)
    free = [line for line in lines if line.id not in used and line.code == code]
    for line in free:
        if line.modifiers == mods and line.date == day:
            return line
    for line in free:
        if line.date == day and set(mods) <= set(line.modifiers):
            return line
    return None


class _Poster:
    def __init__(self, remittance: Remittance, user: Any) -> None:
        self.remittance = remittance
        self.practice_id = remittance.practice_id
        self.user = user
        self.postings: list[tuple[Any, ...]] = []
        self.ops = connection.ops
        self.created = self.ops.adapt_datetimefield_value(timezone.now())
        self.user_id = getattr(user, "pk", None)
        self.items: list[WorkItem] = []
        self.touched: dict[int, tuple[str, str]] = {}  # claim pk → (payer claim no, note)
        self.reversed_claims: set[int] = set()
        self.rates: dict[tuple[int, str], Decimal] = {
            (payer, code): allowed
            for payer, code, allowed in ContractRate.objects.filter(
                practice_id=self.practice_id, deleted_at__isnull=True
            ).values_list("payer_id", "code", "allowed")
        }

    def posting(
        self,
        kind: str,
        amount: Decimal,
        position: int,
        segment_id: str,
        *,
        claim: int | None,
        line: int | None,
        group: str = "",
        reason: str = "",
        reversal: bool,
        day: dt.date,
    ) -> None:
        # A plain row in POSTING_COLUMNS order: building 500,000 model instances costs more
        # than everything else in a large import.
        self.postings.append(
            (
                self.practice_id,
                self.remittance.pk,
                claim,
                line,
                kind,
                group,
                reason,
                self.ops.adapt_decimalfield_value(amount),
                reversal,
                position,
                segment_id,
                self.ops.adapt_datefield_value(day),
                "",
                self.created,
                self.user_id,
            )
        )

    def item(
        self,
        kind: str,
        amount: Decimal,
        position: int,
        *,
        claim: int | None,
        line: int | None,
        codes: list[list[str]] | None = None,
        remarks: list[str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.items.append(
            WorkItem(
                practice_id=self.practice_id,
                remittance_id=self.remittance.pk,
                claim_id=claim,
                line_id=line,
                kind=kind,
                amount=amount,
                codes=codes or [],
                remarks=remarks or [],
                segment=position,
                detail=detail or {},
                created_by=self.user,
                updated_by=self.user,
            )
        )

    def adjustments(
        self,
        adjustments: Any,
        *,
        claim: int | None,
        line: int | None,
        reversal: bool,
        day: dt.date,
        reopen: Decimal = ZERO,
    ) -> list[list[str]]:
        """Post each CAS amount; ``reopen`` of the CARC 45 reductions (the part below the
        contracted rate) posts as an open reduction instead of a contractual one."""
        denied: list[list[str]] = []
        for adj in adjustments:
            kind = posting_kind(adj.group, adj.reason)
            amount = adj.amount
            if reopen > 0 and kind == PostingKind.CONTRACTUAL and adj.reason == "45":
                moved = min(reopen, amount)
                reopen -= moved
                amount -= moved
                self.posting(
                    PostingKind.DENIAL,
                    moved,
                    adj.position,
                    "CAS",
                    claim=claim,
                    line=line,
                    group=adj.group,
                    reason=adj.reason,
                    reversal=reversal,
                    day=day,
                )
                if not amount:
                    continue
            self.posting(
                kind,
                amount,
                adj.position,
                "CAS",
                claim=claim,
                line=line,
                group=adj.group,
                reason=adj.reason,
                reversal=reversal,
                day=day,
            )
            if kind == PostingKind.DENIAL:
                denied.append([adj.group, adj.reason, f"{amount:.2f}"])
        return denied

    def claim(self, cp: ClaimPayment, ref: _ClaimRef | None, day: dt.date) -> None:
        reversal = cp.status == "22"
        pk = ref.id if ref else None
        if ref is None:
            self.item(
                WorkKind.UNMATCHED_CLAIM,
                cp.paid,
                cp.position,
                claim=None,
                line=None,
                # What a biller needs to find the claim it belongs to (queue.claim_candidates).
                detail={
                    "claim_id": cp.id,
                    "charge": f"{cp.charge:.2f}",
                    "paid": f"{cp.paid:.2f}",
                    "status": cp.status,
                    "payer_claim_id": cp.payer_claim_id,
                    "patient": cp.patient_name,
                    "services": [
                        [s.code, s.date.isoformat() if s.date else ""] for s in cp.services
                    ],
                },
            )
        else:
            self.touched[ref.id] = (cp.payer_claim_id, cp.status)
            if reversal:
                self.reversed_claims.add(ref.id)
        claim_denied = self.adjustments(
            cp.adjustments, claim=pk, line=None, reversal=reversal, day=day
        )
        if claim_denied and not reversal and ref is not None:
            self.item(
                WorkKind.DENIAL if cp.paid == 0 else WorkKind.UNDERPAID,
                sum((Decimal(a) for _g, _r, a in claim_denied), ZERO),
                cp.position,
                claim=pk,
                line=None,
                codes=claim_denied,
                remarks=list(cp.remarks),
            )
        if not cp.services:
            self.posting(
                PostingKind.PAYMENT,
                cp.paid,
                cp.position,
                "CLP",
                claim=pk,
                line=None,
                reversal=reversal,
                day=day,
            )
            return
        used: set[int] = set()
        for svc in cp.services:
            line = match_line(svc, ref.lines, used, ref.service_from) if ref else None
            line_pk = line.id if line else None
            if line:
                used.add(line.id)
            elif ref is not None:
                self.item(
                    WorkKind.UNMATCHED_LINE,
                    svc.paid,
                    svc.position,
                    claim=pk,
                    line=None,
                    detail={
                        "code": svc.code,
                        "modifiers": list(svc.modifiers),
                        "date": svc.date.isoformat() if svc.date else None,
                        "charge": str(svc.charge),
                        "paid": str(svc.paid),
                    },
                )
            self.posting(
                PostingKind.PAYMENT,
                svc.paid,
                svc.position,
                "SVC",
                claim=pk,
                line=line_pk,
                reversal=reversal,
                day=day,
            )
            short = (
                self.contract_shortfall(svc, line, ref.payer_id)
                if line is not None and ref is not None and not reversal
                else None
            )
            denied = self.adjustments(
                svc.adjustments,
                claim=pk,
                line=line_pk,
                reversal=reversal,
                day=day,
                reopen=short.amount if short else ZERO,
            )
            if short is not None and line is not None:
                self.item(
                    WorkKind.UNDERPAID,
                    short.amount,
                    svc.position,
                    claim=pk,
                    line=line_pk,
                    remarks=list(svc.remarks),
                    detail={
                        "why": f"Allowed ${short.allowed:.2f} for {line.units} unit(s) of "
                        f"{line.code}; the contract allows ${short.expected:.2f} "
                        f"(${short.rate:.2f} a unit).",
                        "allowed": f"{short.allowed:.2f}",
                        "expected": f"{short.expected:.2f}",
                    },
                )
            elif denied and not reversal and ref is not None:
                self.item(
                    WorkKind.DENIAL if svc.paid == 0 else WorkKind.UNDERPAID,
                    sum((Decimal(a) for _g, _r, a in denied), ZERO),
                    svc.position,
                    claim=pk,
                    line=line_pk,
                    codes=denied,
                    remarks=list(svc.remarks) + list(cp.remarks),
                )

    def contract_shortfall(
        self, svc: ServicePayment, line: _LineRef, payer_id: int
    ) -> _Shortfall | None:
        """How far the payer's allowed amount for a line fell below the contract: the lesser
        of the rate times the units billed and the charge. Payers report such a cut as a
        contractual reduction (CARC 45), so no denial code shows it. Lines with a denial code
        are queued for that code instead."""
        rate = self.rates.get((payer_id, line.code))
        if rate is None or any(
            posting_kind(a.group, a.reason) == PostingKind.DENIAL for a in svc.adjustments
        ):
            return None
        cut = sum(
            (
                a.amount
                for a in svc.adjustments
                if a.reason == "45" and posting_kind(a.group, a.reason) == PostingKind.CONTRACTUAL
            ),
            ZERO,
        )
        allowed = svc.allowed if svc.allowed is not None else svc.charge - cut
        expected = min((rate * line.units).quantize(_CENT), svc.charge)
        amount = min(expected - allowed, cut)
        return _Shortfall(amount, allowed, expected, rate) if amount > 0 else None


@transaction.atomic
def post(
    remittance: Remittance, parsed: Any, user: Any, on_progress: Callable[[int], None] | None = None
) -> Remittance:
    """Post a parsed 835 (``read_835``) to the practice's claims, all or nothing."""
    ids = list({cp.id for payment in parsed.payments for cp in payment.claims})
    claims = _load_claims(remittance.practice_id, ids)
    poster = _Poster(remittance, user)
    done = matched = 0
    for payment in parsed.payments:
        day = payment.header.date or timezone.localdate()
        for cp in payment.claims:
            ref = claims.get(cp.id)
            matched += ref is not None
            poster.claim(cp, ref, day)
            done += 1
            if done % 1000 == 0:
                _progress[remittance.pk] = done
                if on_progress:
                    on_progress(done)
        for plb in payment.provider_adjustments:
            poster.posting(
                PostingKind.PROVIDER,
                plb.amount,
                plb.position,
                "PLB",
                claim=None,
                line=None,
                reason=f"{plb.reason}:{plb.reference}"[:40],
                reversal=False,
                day=day,
            )
    _commit(poster)
    remittance.processed = done
    remittance.matched = matched
    remittance.unmatched = done - matched
    remittance.status = JobStatus.DONE
    remittance.save(update_fields=["processed", "matched", "unmatched", "status"])
    _progress.pop(remittance.pk, None)
    return remittance


def _commit(poster: _Poster) -> None:
    """Store what ``poster`` gathered and bring the claims it touched up to date."""
    remittance = poster.remittance
    if poster.reversed_claims:
        _check_reversals(poster)
    insert_postings(poster.postings)
    WorkItem.objects.bulk_create(poster.items, batch_size=2000)
    if poster.reversed_claims:
        # The earlier denial or underpayment is undone with the payment it came with.
        WorkItem.objects.filter(
            claim_id__in=list(poster.reversed_claims),
            status=WorkStatus.OPEN,
            kind__in=[WorkKind.DENIAL, WorkKind.UNDERPAID],
        ).exclude(remittance=remittance).update(
            status=WorkStatus.DONE, resolution="reversed", resolved_at=timezone.now()
        )
    refresh_claims(
        list(poster.touched),
        user=poster.user,
        source="835",
        note=f"ERA {remittance.trace or remittance.file_name}",
        payer_numbers={k: v[0] for k, v in poster.touched.items()},
        day=remittance.paid_on,
    )


@transaction.atomic
def repost_to_claim(remittance: Remittance, position: int, claim: Claim, user: Any) -> None:
    """Post the 835 claim at segment ``position``, which matched none of the practice's claims
    when the file was imported, to ``claim``: its payments and adjustments move from the
    remittance to the claim, its lines are matched as in an import, and denials or
    underpayments on it are queued.

    Raises ``BillingRefused`` when the remittance holds no claim payment at ``position``.
    """
    found = next(
        (
            (payment, cp)
            for payment in read_835(io.StringIO(remittance.content)).payments
            for cp in payment.claims
            if cp.position == position
        ),
        None,
    )
    if found is None:
        raise BillingRefused(f"The 835 has no claim payment at segment {position}.")
    payment, cp = found
    positions = {cp.position, *(a.position for a in cp.adjustments)}
    for service in cp.services:
        positions |= {service.position, *(a.position for a in service.adjustments)}
    # The rows posted to no claim are posted again, from the same segments, by the import's own
    # code path (line matching, queueing); the audit trail records who did it and when.
    Posting.objects.filter(
        remittance=remittance, claim__isnull=True, segment__in=positions
    ).delete()
    poster = _Poster(remittance, user)
    ref = _load_claims(remittance.practice_id, [claim.claim_id])[claim.claim_id]
    poster.claim(cp, ref, payment.header.date or timezone.localdate())
    _commit(poster)
    Remittance.objects.filter(pk=remittance.pk).update(
        matched=F("matched") + 1, unmatched=F("unmatched") - 1
    )


def _check_reversals(poster: _Poster) -> None:
    """A reversal of a claim never paid here is queued: there is nothing to undo."""
    earlier = set(
        Posting.objects.filter(claim_id__in=list(poster.reversed_claims), reversal=False)
        .values_list("claim_id", flat=True)
        .distinct()
    )
    earlier |= {p[2] for p in poster.postings if not p[8] and p[2]}
    for pk in sorted(poster.reversed_claims - earlier):
        poster.item(
            WorkKind.REVERSAL,
            ZERO,
            0,
            claim=pk,
            line=None,
            detail={"why": "The payer reversed a payment Knead never posted."},
        )


def _sum(kind: str) -> Sum:
    return Sum(
        Case(
            When(kind=kind, then="amount"),
            default=Value(ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    )


def totals_for(pks: list[int]) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = {}
    for start in range(0, len(pks), _CHUNK):
        rows = (
            Posting.objects.filter(claim_id__in=pks[start : start + _CHUNK])
            .values("claim_id")
            .annotate(**{kind: _sum(kind) for kind in PostingKind.values})
        )
        for row in rows:
            out[row["claim_id"]] = {k: row[k] or ZERO for k in PostingKind.values}
    return out


def outcome(t: dict[str, Decimal]) -> ClaimState:
    """The adjudication a claim's net postings show: nothing left (all reversed) → ACCEPTED;
    no denied amount → PAID; a denied amount with some payment or patient share → PARTIAL;
    otherwise DENIED."""
    if all(
        t[k] == 0
        for k in (
            PostingKind.PAYMENT,
            PostingKind.CONTRACTUAL,
            PostingKind.DENIAL,
            PostingKind.PATIENT,
        )
    ):
        return S.ACCEPTED
    if t[PostingKind.DENIAL] == 0:
        return S.PAID
    if t[PostingKind.PAYMENT] > 0 or t[PostingKind.PATIENT] > 0:
        return S.PARTIAL
    return S.DENIED


def refresh_claims(
    pks: list[int],
    *,
    user: Any,
    source: str,
    note: str,
    payer_numbers: dict[int, str] | None = None,
    day: dt.date | None = None,
    move: bool = True,
) -> None:
    """Recompute the cached totals of claims from their postings and, with ``move``, the
    adjudication state (only moves the life cycle allows; each move is an event)."""
    totals = totals_for(pks)
    claims = []
    events: list[tuple[Any, ...]] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = getattr(user, "pk", None)
    for start in range(0, len(pks), _CHUNK):
        claims += list(Claim.objects.filter(pk__in=pks[start : start + _CHUNK]))
    for claim in claims:
        t = totals.get(claim.pk) or {k: ZERO for k in PostingKind.values}
        claim.paid = t[PostingKind.PAYMENT]
        claim.contractual = t[PostingKind.CONTRACTUAL]
        claim.denied = t[PostingKind.DENIAL]
        claim.patient_responsibility = t[PostingKind.PATIENT]
        claim.written_off = t[PostingKind.WRITE_OFF]
        claim.billed_to_client = t[PostingKind.TO_CLIENT]
        claim.balance = (
            claim.charge
            - claim.paid
            - claim.contractual
            - claim.patient_responsibility
            - claim.written_off
            - claim.billed_to_client
        )
        if payer_numbers and payer_numbers.get(claim.pk):
            claim.payer_claim_number = payer_numbers[claim.pk][:50]
        if day:
            claim.adjudicated_on = day
            if claim.paid > 0 and claim.first_paid_on is None:
                claim.first_paid_on = day
        if move:
            target = outcome(t)
            current = claim.state
            if target is not current and can_move(current, target):
                claim.status = target.value
                events.append(
                    (
                        claim.pk,
                        now,
                        user_id,
                        current.value,
                        target.value,
                        source,
                        # Money to the cent: SQLite sums come back with float-like precision.
                        f"{note}: paid {claim.paid:.2f}, patient {claim.patient_responsibility:.2f}, "
                        f"denied {claim.denied:.2f}.",
                    )
                )
    _update_many(
        Claim,
        [
            "paid",
            "contractual",
            "denied",
            "patient_responsibility",
            "written_off",
            "billed_to_client",
            "balance",
            "payer_claim_number",
            "adjudicated_on",
            "first_paid_on",
            "status",
        ],
        claims,
    )
    _insert_rows(
        ClaimEvent, ("claim", "at", "user", "from_status", "to_status", "source", "reason"), events
    )


# Django's bulk_update builds one CASE expression per field and row, which takes minutes for
# 100,000 claims; a parameterised UPDATE run with executemany is standard SQL on SQLite and
# PostgreSQL alike and takes seconds. The same goes for inserting postings.


def _update_many(model: Any, fields: list[str], objects: list[Any]) -> None:
    if not objects:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    rows = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk]
        for obj in objects
    ]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One UPDATE … FROM (VALUES …) per thousand rows; casts type the NULLs.
            casts = [c.db_type(connection) for c in columns] + ["bigint"]
            names = [quote(c.column) for c in columns] + ["knead_pk"]
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                values = ", ".join(
                    "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")" for _ in chunk
                )
                cursor.execute(
                    f"UPDATE {table} SET "
                    + ", ".join(f"{n} = v.{n}" for n in names[:-1])
                    + f" FROM (VALUES {values}) AS v({', '.join(names)}) WHERE {table}.{pk} = v.knead_pk",
                    [value for row in chunk for value in row],
                )
            return
        sql = (
            f"UPDATE {table} SET "
            + ", ".join(f"{quote(c.column)} = %s" for c in columns)
            + f" WHERE {pk} = %s"
        )
        cursor.executemany(sql, rows)


def _insert_rows(model: Any, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows (values already adapted for the database): COPY on PostgreSQL,
    executemany elsewhere."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


POSTING_COLUMNS = (
    "practice",
    "remittance",
    "claim",
    "line",
    "kind",
    "group",
    "reason",
    "amount",
    "reversal",
    "segment",
    "segment_id",
    "posted_on",
    "note",
    "created",
    "created_by",
)


def insert_postings(rows: list[tuple[Any, ...]]) -> None:
    """Insert posting rows (POSTING_COLUMNS order)."""
    _insert_rows(Posting, POSTING_COLUMNS, rows)
