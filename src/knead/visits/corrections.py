"""Correcting a signed visit: a structured amendment of its billed facts (the date, the service
lines' codes, modifiers, minutes and pointers, the diagnoses), then billing it again.

The original facts are kept twice: in the ``VisitCorrection`` record (as they were and as
corrected, with who, when and why) and in the service lines themselves (replaced lines stay on
the visit with ``replaced_at`` set; new lines are added). Only this module opens the signed
visit's lock, through ``correction_unlocked``, and only for those facts.

After the facts change, in the same transaction:

1. the ledger charges the visit again (``knead.ledger.services.charge_visit``: the replaced
   lines' charges are reversed and the new lines charged);
2. its claims follow (primary claims, not yet closed, not already replaced or voided):
   - a claim never accepted by the payer (DRAFT, READY, REJECTED) is cancelled, its lines
     handed back to the visit, and a new claim is made from the corrected visit and scrubbed;
   - a claim the payer has answered (its payer claim number is known) gets a corrected claim
     (frequency 7, ``claims.services.corrected_claim``) whose lines are the corrected ones; the
     original's open balance goes back to the visit first, so the corrected claim owes exactly
     the corrected charges; the corrected claim is scrubbed;
   - a claim sent but not answered yet (no payer claim number) cannot be replaced, so the
     correction is refused until the payer's acknowledgment or remittance arrives.

What happened to the claims is stated in the correction's ``rebilling`` text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from knead.billing.errors import InvalidCode
from knead.claims import services as claims
from knead.claims.models import Claim, ClaimLine
from knead.claims.states import ClaimState
from knead.ledger import services as ledger
from knead.ledger.models import Entry
from knead.ledger.selectors import claim_balances
from knead.practice import clock
from knead.practice.models import Membership, Role
from knead.visits.models import (
    MAX_DIAGNOSES,
    ServiceLine,
    Visit,
    VisitCorrection,
    correction_unlocked,
    line_snapshot,
)
from knead.visits.services import (
    LineInput,
    PricedLine,
    billed_payer,
    fee_schedule,
    price_lines,
    service_lines,
    unit_rule_for,
)

S = ClaimState
_NEVER_ACCEPTED = (S.DRAFT, S.READY, S.REJECTED)
_AWAITING_ANSWER = (S.SUBMITTED, S.ACCEPTED)


class CorrectionRefused(ValueError):
    """The correction cannot be made; the message says why in plain words. Nothing changed."""


@dataclass(frozen=True)
class CorrectedFacts:
    """The billed facts as they should be: the date, diagnoses (wire form, A first) and lines."""

    date: dt.date
    diagnoses: tuple[str, ...]
    lines: tuple[LineInput, ...]


def may_correct(visit: Visit, user: Any) -> bool:
    """The visit's own therapist, or the practice owner."""
    if visit.provider.user_id == user.pk:
        return True
    return Membership.objects.filter(
        user=user, practice_id=visit.practice_id, role=Role.OWNER, is_active=True
    ).exists()


def _live_claims(visit: Visit) -> list[Claim]:
    """The visit's current primary claims: not closed, not a void, not already replaced."""
    replaced = Claim.objects.filter(replaces=OuterRef("pk"), deleted_at__isnull=True).exclude(
        status=ClaimState.CLOSED
    )
    return list(
        Claim.objects.for_practice(visit.practice_id)
        .filter(lines__visit=visit, primary_claim__isnull=True)
        .exclude(status=ClaimState.CLOSED)
        .exclude(frequency="8")
        .exclude(Exists(replaced))
        .distinct()
        .order_by("pk")
    )


def correction_problems(visit: Visit, user: Any) -> list[str]:
    """What stops this user from correcting this visit now, in plain words (empty: nothing)."""
    if not visit.is_signed:
        return ["Only a signed visit is corrected; this note is not signed, so edit it directly."]
    problems = []
    if not may_correct(visit, user):
        problems.append(f"Only {visit.provider} or the practice owner can correct this visit.")
    for claim in _live_claims(visit):
        if claim.state in _AWAITING_ANSWER and not claim.payer_claim_number:
            problems.append(
                f"Claim {claim.claim_id} is with the payer, which has not answered yet, so it "
                "cannot be replaced: correct the visit once the payer's acknowledgment "
                "(277CA) or remittance (835) gives its claim number."
            )
    return problems


def _fees(visit: Visit) -> dict[str, Decimal]:
    """The fee per unit: what the visit was billed per unit for codes it had, else the fee
    schedule (so a correction does not reprice services that did not change)."""
    fees = fee_schedule(visit.practice)
    for line in visit.active_lines:
        if line.units:
            fees[line.code] = (line.charge / line.units).quantize(Decimal("0.01"))
    return fees


def _facts_problems(visit: Visit, facts: CorrectedFacts, reason: str) -> list[str]:
    problems = []
    today = clock.today(visit.practice)
    signed_on = clock.date_of(visit.signed_at, visit.practice)
    if not reason.strip():
        problems.append("Say why the visit is corrected (the reason is kept with it).")
    if facts.date > today:
        problems.append(
            f"The corrected date {facts.date:%m/%d/%Y} is after today ({today:%m/%d/%Y})."
        )
    elif facts.date > signed_on:
        problems.append(
            f"The note was signed on {signed_on:%m/%d/%Y}, so the visit cannot have been on "
            f"{facts.date:%m/%d/%Y}, after it."
        )
    if facts.date < visit.client.date_of_birth:
        problems.append(f"The corrected date {facts.date:%m/%d/%Y} is before the client's birth.")
    if not facts.diagnoses:
        problems.append("Keep at least one diagnosis for the services billed.")
    if len(facts.diagnoses) > MAX_DIAGNOSES:
        problems.append(f"A claim holds at most {MAX_DIAGNOSES} diagnoses.")
    if not facts.lines:
        problems.append("Keep at least one service line; a visit with nothing to bill is voided.")
    codes = [line.code for line in facts.lines]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        problems.append(f"{', '.join(repeated)} is on more than one line; put its minutes on one.")
    for number, line in enumerate(facts.lines, start=1):
        bad = [p for p in line.pointers if not 1 <= p <= len(facts.diagnoses)]
        if bad or not line.pointers:
            problems.append(
                f"Line {number} ({line.code}) must point to one of the "
                f"{len(facts.diagnoses)} diagnoses listed."
            )
    return problems


def _snapshot(priced: PricedLine) -> dict[str, Any]:
    return {
        "code": priced.code,
        "modifiers": list(priced.modifiers),
        "minutes": priced.minutes,
        "units": priced.units,
        "charge": str(priced.charge),
        "pointers": list(priced.pointers),
    }


@transaction.atomic
def correct_visit(
    visit: Visit, facts: CorrectedFacts, *, user: Any, reason: str
) -> VisitCorrection:
    """Correct a signed visit's billed facts and bill it again (see the module's docstring).
    Raises CorrectionRefused, naming every problem, and changes nothing when it cannot."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("practice", "provider", "client", "coverage__payer", "case__payer")
        .get(pk=visit.pk)
    )
    problems = correction_problems(visit, user) or _facts_problems(visit, facts, reason)
    if problems:
        raise CorrectionRefused(" ".join(problems))
    original = [line_snapshot(line) for line in visit.active_lines]
    try:
        priced = price_lines(facts.lines, unit_rule_for(billed_payer(visit)), _fees(visit))
    except InvalidCode as error:
        raise CorrectionRefused(str(error)) from None
    corrected = [_snapshot(line) for line in priced]
    lines_change = corrected != original
    if not lines_change and facts.date == visit.date and list(facts.diagnoses) == visit.diagnoses:
        raise CorrectionRefused(
            "Nothing to correct: the date, services and diagnoses are as signed."
        )
    now = timezone.now()
    record = VisitCorrection(
        visit=visit,
        author=user,
        created=now,
        reason=reason.strip()[:200],
        original_date=visit.date,
        corrected_date=facts.date,
        original_diagnoses=list(visit.diagnoses),
        corrected_diagnoses=list(facts.diagnoses),
        original_lines=original,
        corrected_lines=corrected if lines_change else original,
    )
    # Saved first: the database lets the signed visit and its lines change only as a recorded
    # correction says (knead.audit.triggers); the rebilling text is filled in once, below.
    record.save()
    with correction_unlocked(visit.pk):
        visit.date, visit.diagnoses = facts.date, list(facts.diagnoses)
        visit.stamp(user)
        visit.save(update_fields=["date", "diagnoses", "updated", "updated_by"])
        if lines_change:
            _replace_lines(visit, priced, user=user, at=now)
    visit = Visit.objects.select_related("practice", "client").get(pk=visit.pk)
    ledger.charge_visit(visit, user=user)
    record.rebilling = " ".join(_rebill(visit, user=user, reason=record.reason))
    VisitCorrection.objects.filter(pk=record.pk).update(rebilling=record.rebilling)
    return record


def _replace_lines(
    visit: Visit, priced: Sequence[PricedLine], *, user: Any, at: dt.datetime
) -> None:
    for line in visit.active_lines:
        line.replaced_at = at
        line.stamp(user)
        line.save(update_fields=["replaced_at", "updated", "updated_by"])
    for new in service_lines(visit, priced, user=user):
        new.save()


# --- billing again ------------------------------------------------------------------------


def _rebill(visit: Visit, *, user: Any, reason: str) -> list[str]:
    """Bring the visit's claims in line with its corrected facts; say what was done."""
    done = []
    for claim in _live_claims(visit):
        if claim.state in _NEVER_ACCEPTED:
            done.append(_bill_anew(claim, user=user))
        else:
            done.append(_replace(claim, user=user, reason=reason))
    secondary = (
        Claim.objects.for_practice(visit.practice_id)
        .filter(lines__visit=visit, primary_claim__isnull=False)
        .exclude(status=ClaimState.CLOSED)
        .distinct()
    )
    for claim in secondary:
        done.append(
            f"Secondary claim {claim.claim_id} still bills the visit as first signed: make it "
            "again once the primary payer has answered the corrected claim."
        )
    return done or ["The visit is on no claim: the corrected charges are in the ledger."]


def _claim_visits(claim: Claim) -> list[Visit]:
    return sorted(
        Visit.objects.filter(claim_lines__claim=claim).distinct().prefetch_related("lines"),
        key=lambda v: (v.date, v.pk),
    )


def _outcome(claim: Claim) -> str:
    claim.refresh_from_db(fields=["status", "findings"])
    if claim.errors:
        return (
            f"the scrubber found {len(claim.errors)} error{'s' if len(claim.errors) != 1 else ''}"
            " to fix before it can be sent"
        )
    return "scrubbed clean, ready to send"


def _bill_anew(claim: Claim, *, user: Any) -> str:
    """A claim the payer never accepted: cancel it, hand its lines back to the visits, and
    bill the corrected visits on a new claim."""
    visits = _claim_visits(claim)
    claims.transition(
        claim,
        S.CLOSED,
        user=user,
        reason="Cancelled: a visit on it was corrected, and a new claim bills it.",
        source="correction",
    )
    ledger.settle_closed_claim(claim, adjudicated=False, user=user)
    _cache_balances([claim])
    try:
        [new] = claims.create_claims(
            visits, user=user, practice=claim.practice, group=len(visits) > 1
        )
    except claims.BillingRefused as error:
        raise CorrectionRefused(f"The visit could not be billed again: {error}") from None
    claims.scrub_claim(new, user=user, source="correction")
    return (
        f"Claim {claim.claim_id} had not been accepted by the payer: it is cancelled, and new "
        f"claim {new.claim_id} bills the corrected visit ({_outcome(new)})."
    )


def _replace(claim: Claim, *, user: Any, reason: str) -> str:
    """A claim the payer answered: a corrected claim (frequency 7) with the corrected lines."""
    overpaid = [line.position for line in claim.lines.all() if _open_on(line, claim.payer_id) < 0]
    if overpaid:
        raise CorrectionRefused(
            f"Claim {claim.claim_id} is overpaid on line {overpaid[0]}: settle the overpayment "
            "with the payer before correcting the visit."
        )
    # What the payer still owes on the original goes back to the visits, so the corrected
    # claim takes over nothing from it and owes exactly the corrected charges.
    ledger.settle_closed_claim(claim, adjudicated=False, user=user)
    try:
        new = claims.corrected_claim(
            claim, user=user, frequency="7", reason=f"Visit corrected: {reason}"
        )
    except claims.BillingRefused as error:
        raise CorrectionRefused(f"The corrected claim could not be made: {error}") from None
    if Entry.objects.filter(claim=new).exists():
        raise CorrectionRefused(
            f"Claim {claim.claim_id} still has an open balance the corrected claim would take "
            "over; settle it before correcting the visit."
        )
    _rebuild_lines(new, _claim_visits(claim))
    ledger.bill_claim(new, user=user)
    _cache_balances([claim, new])
    claims.scrub_claim(new, user=user, source="correction")
    return (
        f"Claim {claim.claim_id} was already answered by the payer: corrected claim "
        f"{new.claim_id} (frequency 7, replacing payer claim {claim.payer_claim_number}) bills "
        f"the corrected visit ({_outcome(new)})."
    )


def _open_on(line: ClaimLine, payer_id: int) -> Decimal:
    """What the payer still owes on one claim line (the sum of its entries on that payer)."""
    entries = Entry.objects.filter(claim_line=line, payer_id=payer_id)
    return entries.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def _rebuild_lines(claim: Claim, visits: Sequence[Visit]) -> None:
    """The claim's lines and diagnoses again, from its visits' active service lines (a new
    claim's diagnoses in the order its lines first point to them)."""
    diagnoses: list[str] = []
    planned: list[tuple[Visit, ServiceLine, list[int]]] = []
    for visit in visits:
        for line in visit.active_lines:
            pointers = []
            for p in line.pointers:
                if 0 < p <= len(visit.diagnoses):
                    code = visit.diagnoses[p - 1]
                    if code not in diagnoses:
                        diagnoses.append(code)
                    pointers.append(diagnoses.index(code) + 1)
            planned.append((visit, line, pointers))
    claim.lines.all().delete()
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            visit=visit,
            service_line=line,
            position=position,
            service_date=visit.date,
            code=line.code,
            modifiers=list(line.modifiers),
            units=line.units,
            charge=line.charge,
            pointers=pointers,
        )
        for position, (visit, line, pointers) in enumerate(planned, start=1)
    )
    claim.diagnoses = diagnoses
    claim.charge = sum((line.charge for _v, line, _p in planned), Decimal("0.00"))
    claim.service_from = visits[0].date
    claim.service_to = visits[-1].date
    claim.save(update_fields=["diagnoses", "charge", "service_from", "service_to"])


def _cache_balances(changed: Sequence[Claim]) -> None:
    """The claims' cached balances, from the ledger (the only place they are computed)."""
    balances = claim_balances([c.pk for c in changed])
    for claim in changed:
        Claim.objects.filter(pk=claim.pk).update(balance=balances[claim.pk])
