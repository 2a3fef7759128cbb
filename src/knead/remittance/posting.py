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
- Posting is all or nothing (one transaction). Importing a file (recognising one already
  posted, queueing large ones for a worker) is ``knead.remittance.imports``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, Min, Sum, Value, When
from django.utils import timezone

from knead.billing.x12.remittance import ClaimPayment, ServicePayment, read_835
from knead.bulk import insert_rows, update_many
from knead.claims.models import Claim, ClaimLine
from knead.claims.services import BillingRefused, Move, move_many
from knead.claims.states import ClaimState
from knead.ledger.selectors import claim_balances, claim_write_offs
from knead.ledger.services import Adjudication, sync_adjudication, sync_remittance_money
from knead.practice import clock
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

S = ClaimState
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
CONTRACTUAL = frozenset({("CO", "45"), ("CO", "253"), ("PI", "45"), ("OA", "23")})
_CHUNK = 900  # SQL variables per IN (…) query, under SQLite's limit


def posting_kind(group: str, reason: str) -> str:
    if group == "PR":
        return PostingKind.PATIENT
    if (group, reason) in CONTRACTUAL:
        return PostingKind.CONTRACTUAL
    return PostingKind.DENIAL


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
    today = clock.today(remittance.practice)
    for payment in parsed.payments:
        day = payment.header.date or today
        for cp in payment.claims:
            ref = claims.get(cp.id)
            matched += ref is not None
            poster.claim(cp, ref, day)
            done += 1
            if on_progress and done % 1000 == 0:
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
    if on_progress:
        on_progress(done)
    _commit(poster)
    remittance.processed = done
    remittance.matched = matched
    remittance.unmatched = done - matched
    remittance.status = JobStatus.DONE
    remittance.save(update_fields=["processed", "matched", "unmatched", "status"])
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
        remittance_id=remittance.pk,
    )
    _sync_unclaimed_money(remittance, poster.user)


def remittance_payer(remittance: Remittance) -> int | None:
    """The practice's payer an ERA comes from: the payer of the claims it paid, else the
    payer of that name."""
    from django.db.models import Count

    from knead.practice.models import Payer

    row = (
        Posting.objects.filter(remittance=remittance, claim__isnull=False)
        .values("claim__payer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if row:
        return row["claim__payer_id"]
    payer = Payer.objects.filter(
        practice_id=remittance.practice_id,
        name__iexact=remittance.payer_name,
        deleted_at__isnull=True,
    ).first()
    return payer.pk if payer else None


def _sync_unclaimed_money(remittance: Remittance, user: Any) -> None:
    """The ERA's money on no claim into the ledger; a payer not on file is a problem shown on
    the remittance page."""
    unclaimed = Posting.objects.filter(remittance=remittance, claim__isnull=True)

    def by_segment(kind: str) -> dict[int, Decimal]:
        rows = unclaimed.filter(kind=kind).values_list("segment").annotate(t=Sum("amount"))
        return {segment: (total or ZERO).quantize(_CENT) for segment, total in rows}

    recorded = sync_remittance_money(
        remittance.pk,
        practice_id=remittance.practice_id,
        payer_id=remittance_payer(remittance),
        unapplied=by_segment(PostingKind.PAYMENT),
        provider_adjustments=by_segment(PostingKind.PROVIDER),
        user=user,
        day=remittance.paid_on or clock.today(remittance.practice),
    )
    if not recorded:
        problem = {
            "segment": 0,
            "segment_id": "N1",
            "message": f"The payer {remittance.payer_name!r} is not on file: its payments for "
            "claims not found and its provider adjustments stay out of the ledger until it is.",
        }
        if problem not in remittance.problems:
            remittance.problems = [*remittance.problems, problem]
            Remittance.objects.filter(pk=remittance.pk).update(problems=remittance.problems)


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
    poster.claim(cp, ref, payment.header.date or clock.today(claim.practice))
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


_KINDS = tuple(PostingKind.values)  # read once: the enum property builds a new list per call


def _sum(kind: str) -> Sum:
    return Sum(
        Case(
            When(kind=kind, then="amount"),
            default=Value(ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    )


def line_totals(pks: list[int]) -> dict[tuple[int, int | None], dict[str, Any]]:
    """Posting totals per claim line (``None``: posted to the claim itself) and kind, with the
    first segment each line's postings came from."""
    out: dict[tuple[int, int | None], dict[str, Any]] = {}
    for start in range(0, len(pks), _CHUNK):
        rows = (
            Posting.objects.filter(claim_id__in=pks[start : start + _CHUNK])
            .values("claim_id", "line_id")
            .annotate(first_segment=Min("segment"), **{kind: _sum(kind) for kind in _KINDS})
        )
        for row in rows:
            out[(row["claim_id"], row["line_id"])] = {
                **{k: row[k] or ZERO for k in _KINDS},
                "segment": row["first_segment"],
            }
    return out


def totals_for(
    lines: dict[tuple[int, int | None], dict[str, Any]],
) -> dict[int, dict[str, Decimal]]:
    """Claim totals per kind from ``line_totals``."""
    out: dict[int, dict[str, Decimal]] = {}
    for (claim_pk, _line), figures in lines.items():
        claim = out.setdefault(claim_pk, {k: ZERO for k in _KINDS})
        for kind in _KINDS:
            claim[kind] += figures[kind]
    return out


def _adjudications(
    lines: dict[tuple[int, int | None], dict[str, Any]],
) -> list[Adjudication]:
    """What the postings say of each claim line, as the ledger mirrors it."""
    return [
        Adjudication(
            claim_id=claim_pk,
            claim_line_id=line_pk,
            paid=t[PostingKind.PAYMENT],
            contractual=t[PostingKind.CONTRACTUAL],
            patient=t[PostingKind.PATIENT] + t[PostingKind.TO_CLIENT],
            written_off=t[PostingKind.WRITE_OFF],
            denied=t[PostingKind.DENIAL],
            segment=t["segment"],
        )
        for (claim_pk, line_pk), t in lines.items()
    ]


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


def _today_for(pks: list[int]) -> dt.date:
    """Today in the practice of the claims ``pks`` (a refresh is always of one practice's)."""
    first = Claim.objects.select_related("practice").filter(pk__in=pks[:1]).first()
    return clock.today(first.practice if first else None)


def refresh_claims(
    pks: list[int],
    *,
    user: Any,
    source: str,
    note: str,
    payer_numbers: dict[int, str] | None = None,
    day: dt.date | None = None,
    move: bool = True,
    remittance_id: int | None = None,
) -> None:
    """Mirror the claims' postings in the ledger, recompute their cached totals (the balance
    from the ledger, the rest from the postings) and, with ``move``, the adjudication state
    (only moves the life cycle allows; each move is an event)."""
    lines = line_totals(pks)
    totals = totals_for(lines)
    sync_adjudication(
        _adjudications(lines),
        user=user,
        day=day or _today_for(pks),
        remittance_id=remittance_id,
    )
    balances = claim_balances(pks)
    write_offs = claim_write_offs(pks)
    claims = []
    moves: list[Move] = []
    for start in range(0, len(pks), _CHUNK):
        claims += list(Claim.objects.filter(pk__in=pks[start : start + _CHUNK]))
    for claim in claims:
        t = totals.get(claim.pk) or {k: ZERO for k in _KINDS}
        claim.paid = t[PostingKind.PAYMENT]
        claim.contractual = t[PostingKind.CONTRACTUAL]
        claim.denied = t[PostingKind.DENIAL]
        claim.patient_responsibility = t[PostingKind.PATIENT]
        claim.written_off = write_offs[claim.pk]
        claim.billed_to_client = t[PostingKind.TO_CLIENT]
        claim.balance = balances[claim.pk]
        if payer_numbers and payer_numbers.get(claim.pk):
            claim.payer_claim_number = payer_numbers[claim.pk][:50]
        if day:
            claim.adjudicated_on = day
            if claim.paid > 0 and claim.first_paid_on is None:
                claim.first_paid_on = day
        if move:
            moves.append(
                Move(
                    claim,
                    outcome(t),
                    # Money to the cent: SQLite sums come back with float-like precision.
                    f"{note}: paid {claim.paid:.2f}, patient {claim.patient_responsibility:.2f}, "
                    f"denied {claim.denied:.2f}.",
                )
            )
    update_many(
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
        ],
        claims,
    )
    move_many(moves, user=user, source=source)


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
    insert_rows(Posting, POSTING_COLUMNS, rows)
