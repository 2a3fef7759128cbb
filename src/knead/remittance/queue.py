"""The denial work queue: what each code means in plain words, the suggested action from the
rule book (billing-rules.md §8.2, shipped in the x12 core's CARC table), and the actions:
correct and resubmit, write off, bill the client, appeal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from knead.billing.claim import Adjustment, AdjustmentGroup
from knead.billing.documents.letters import AppealFacts, Denial, appeal_letter_text
from knead.billing.x12.adjustment_codes import carc, rarc
from knead.claims.models import Claim
from knead.claims.services import BillingRefused, core_claim, corrected_claim, transition
from knead.claims.states import ClaimState
from knead.practice import clock
from knead.remittance.models import (
    Appeal,
    AppealStatus,
    Posting,
    PostingKind,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from knead.remittance.posting import refresh_claims, repost_to_claim

S = ClaimState
APPEALABLE = frozenset({S.PARTIAL.value, S.DENIED.value, S.APPEALED.value})
_GROUP_WORDS = {
    "CO": "Contractual (you cannot bill the client)",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
}


@dataclass(frozen=True)
class Explanation:
    code: str
    words: str
    action: str


def explain(item: WorkItem) -> list[Explanation]:
    """Each CARC and RARC on the item in plain words, with the suggested action."""
    out = []
    for group, reason, _amount in item.codes:
        text = carc(group, reason)
        out.append(
            Explanation(
                f"{group}-{reason}",
                f"{_GROUP_WORDS.get(group, group)}: {text.description if text else 'code not in Knead’s table; look it up on x12.org'}",
                (
                    text.fix
                    if text and text.fix
                    else "Read the remark codes and the payer's policy."
                ),
            )
        )
    for code in item.remarks:
        text = rarc(code)
        out.append(
            Explanation(code, text.description if text else "Remark code not in Knead’s table.", "")
        )
    return out


def _close_if_settled(claim: Claim, user: Any, why: str) -> None:
    claim.refresh_from_db()
    open_items = claim.work_items.filter(status=WorkStatus.OPEN).exists()
    if claim.balance == 0 and not open_items and claim.state in (S.PAID, S.PARTIAL, S.DENIED):
        transition(claim, S.CLOSED, user=user, reason=why, source="queue")


def _finish(item: WorkItem, resolution: str, note: str, user: Any) -> None:
    item.status = WorkStatus.DONE
    item.resolution = resolution
    item.resolution_note = note[:200]
    item.resolved_at = timezone.now()
    item.stamp(user)
    item.save()


def _require_open(item: WorkItem) -> Claim:
    if item.status != WorkStatus.OPEN:
        raise BillingRefused("This item is already done.")
    if item.kind == WorkKind.DUPLICATE:
        raise BillingRefused(
            "This payment was not posted (it repeats one already posted): there is nothing to "
            "write off, bill or correct. Mark it done once it is settled with the payer."
        )
    if item.claim is None:
        raise BillingRefused("This item is not matched to a claim.")
    return item.claim


@transaction.atomic
def write_off(item: WorkItem, *, reason: str, user: Any) -> None:
    """Write off the item's open amount with a reason (reported under write-offs)."""
    claim = _require_open(item)
    if not reason.strip():
        raise BillingRefused("Give a reason for the write-off.")
    Posting.objects.create(
        practice_id=item.practice_id,
        claim=claim,
        line=item.line,
        kind=PostingKind.WRITE_OFF,
        reason=reason.strip()[:40],
        amount=item.amount,
        posted_on=clock.today(claim.practice),
        note=f"work item {item.pk}",
        created_by=user,
    )
    _finish(item, "written_off", reason, user)
    refresh_claims([claim.pk], user=user, source="queue", note="write-off", move=False)
    _close_if_settled(claim, user, f"Written off: {reason.strip()}.")


@transaction.atomic
def post_to_claim(item: WorkItem, claim: Claim, *, user: Any) -> None:
    """Post an 835 claim that matched none of ours (say the payer keyed the claim number
    wrongly) to ``claim``, which the biller chose; the item is done."""
    # Locked and read again, so that two billers cannot post the same payment twice.
    item = WorkItem.objects.select_for_update().get(pk=item.pk)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if item.status != WorkStatus.OPEN:
        raise BillingRefused("This item is already done.")
    if item.kind != WorkKind.UNMATCHED_CLAIM or item.remittance is None:
        raise BillingRefused("Only a payment for a claim not found can be posted to a claim.")
    if claim.practice_id != item.practice_id:
        raise BillingRefused("That claim belongs to another practice.")
    if claim.state not in (S.SUBMITTED, S.ACCEPTED):
        raise BillingRefused(
            f"Claim {claim.claim_id} is {claim.get_status_display().lower()}: only a claim sent "
            "and still waiting for its payment can take this one."
        )
    repost_to_claim(item.remittance, item.segment or 0, claim, user)
    item.claim = claim
    _finish(item, "matched", f"Posted to claim {claim.claim_id}.", user)


def claim_candidates(item: WorkItem, limit: int = 8) -> list[Claim]:
    """Claims an unmatched 835 claim probably belongs to: sent, not yet paid and billed the
    same amount; those with the same first service date, the 835's payer and the patient's
    last name come first, then the newest."""
    charge = item.detail.get("charge")
    if item.kind != WorkKind.UNMATCHED_CLAIM or not charge:
        return []
    awaiting = (
        Claim.objects.for_practice(item.practice_id)
        .filter(status__in=[S.SUBMITTED.value, S.ACCEPTED.value], charge=Decimal(charge))
        .select_related("client", "payer")
        .order_by("-service_from", "-id")[:200]
    )
    days = sorted(day for _code, day in item.detail.get("services", []) if day)
    first_day = dt.date.fromisoformat(days[0]) if days else None
    payer = item.remittance.payer_name.casefold() if item.remittance else ""
    last_name = item.detail.get("patient", "").partition(",")[0].strip().casefold()

    def likeness(claim: Claim) -> int:
        return (
            (claim.service_from == first_day)
            + (claim.payer.name.casefold() == payer)
            + (claim.client.last_name.casefold() == last_name)
        )

    return sorted(awaiting, key=likeness, reverse=True)[:limit]


@transaction.atomic
def bill_client(item: WorkItem, *, user: Any, waiver: bool = False) -> None:
    """Move the item's open amount to the client's balance. A CO (contractual obligation)
    amount needs ``waiver``: the client signed a waiver for the service."""
    claim = _require_open(item)
    if item.below_contract:
        raise BillingRefused(
            "The difference up to the contracted rate is the payer's to pay, not the client's: "
            "ask the payer to reprocess, appeal, or write it off."
        )
    if item.contractual_obligation and not waiver:
        raise BillingRefused(
            "A CO (contractual obligation) amount cannot be billed to the client unless they "
            "signed a waiver for this service: tick that they did, or write it off."
        )
    Posting.objects.create(
        practice_id=item.practice_id,
        claim=claim,
        line=item.line,
        kind=PostingKind.TO_CLIENT,
        reason="billed to client",
        amount=item.amount,
        posted_on=clock.today(claim.practice),
        note=f"work item {item.pk}",
        created_by=user,
    )
    _finish(item, "billed_client", "", user)
    refresh_claims([claim.pk], user=user, source="queue", note="billed to client", move=False)
    _close_if_settled(claim, user, "The open amount was billed to the client.")


@transaction.atomic
def resubmit(item: WorkItem, *, user: Any, modifiers: dict[int, list[str]]) -> Claim:
    """A corrected claim (frequency 7) with the changed modifiers; the original is closed."""
    claim = _require_open(item)
    new = corrected_claim(claim, user=user, modifiers=modifiers, reason="From the denial queue.")
    _finish(item, "corrected", new.claim_id, user)
    for other in claim.work_items.filter(status=WorkStatus.OPEN):
        _finish(other, "corrected", new.claim_id, user)
    if claim.state is not S.CLOSED:
        transition(
            claim, S.CLOSED, user=user, reason=f"Replaced by {new.claim_id}.", source="queue"
        )
    return new


def appeal_deadline(claim: Claim, denied_on: dt.date) -> dt.date:
    return denied_on + dt.timedelta(days=claim.payer.appeal_window_days)


def draft_letter(claim: Claim, denied_on: dt.date, today: dt.date) -> str:
    """The core's appeal letter for the claim's denied amounts (editable before printing)."""
    adjustments = []
    shortfalls: list[tuple[str, Decimal]] = []
    remarks: list[tuple[str, str]] = []
    for item in claim.work_items.all():
        for group, reason, amount in item.codes:
            adjustments.append(Adjustment(AdjustmentGroup(group), reason, Decimal(amount)))
        if item.below_contract:
            shortfalls.append((item.detail["why"], item.amount))
        for code in item.remarks:
            text = rarc(code)
            remarks.append((code, text.description if text else ""))
    if not adjustments and not shortfalls:
        raise BillingRefused("There is no denied amount on this claim to appeal.")
    from knead.remittance.documents import signed_notes

    facts = AppealFacts(
        claim=core_claim(claim),
        denial=Denial(
            denied_on=denied_on,
            adjustments=tuple(adjustments),
            payer_claim_number=claim.payer_claim_number or None,
            remarks=tuple(dict.fromkeys(remarks)),
            shortfalls=tuple(shortfalls),
        ),
        written_on=today,
        notes=tuple(signed_notes(claim)),
    )
    return appeal_letter_text(facts)


@transaction.atomic
def start_appeal(claim: Claim, *, user: Any, item: WorkItem | None = None) -> Appeal:
    """Open an appeal: level after the last one, deadline from the payer's appeal window."""
    if claim.state.value not in APPEALABLE:
        raise BillingRefused("Only a denied or partly paid claim can be appealed.")
    today = clock.today(claim.practice)
    denied_on = claim.adjudicated_on or today
    level = (claim.appeals.order_by("-level").values_list("level", flat=True).first() or 0) + 1
    appeal = Appeal(
        practice=claim.practice,
        claim=claim,
        level=level,
        denied_on=denied_on,
        deadline=appeal_deadline(claim, denied_on),
        letter=draft_letter(claim, denied_on, today),
        follow_up_on=None,
    )
    appeal.stamp(user)
    appeal.save()
    if claim.state is not S.APPEALED:
        transition(
            claim, S.APPEALED, user=user, reason=f"Appeal level {level} started.", source="queue"
        )
    for open_item in claim.work_items.filter(status=WorkStatus.OPEN):
        _finish(open_item, "appealed", f"appeal {appeal.pk}", user)
    if item is not None and item.status == WorkStatus.OPEN:
        _finish(item, "appealed", f"appeal {appeal.pk}", user)
    return appeal


def dismiss(item: WorkItem, *, note: str, user: Any) -> None:
    """Close an item that needs no money moved (e.g. an unmatched claim handled by hand); the
    note says what was done."""
    if item.status != WorkStatus.OPEN:
        raise BillingRefused("This item is already done.")
    if not note.strip():
        raise BillingRefused("Say what was done with it.")
    _finish(item, "noted", note.strip(), user)


FOLLOW_UP_DAYS = 30


def mark_sent(appeal: Appeal, *, user: Any, sent_on: dt.date) -> None:
    appeal.status = AppealStatus.SENT
    appeal.sent_on = sent_on
    appeal.follow_up_on = sent_on + dt.timedelta(days=FOLLOW_UP_DAYS)
    appeal.stamp(user)
    appeal.save()


def record_outcome(appeal: Appeal, *, user: Any, status: str, outcome: str) -> None:
    if status not in (AppealStatus.WON, AppealStatus.PARTLY_WON, AppealStatus.LOST):
        raise BillingRefused("The outcome is won, partly won or lost.")
    appeal.status = status
    appeal.outcome = outcome
    appeal.follow_up_on = None
    appeal.stamp(user)
    appeal.save()
