"""Claim services: create claims from signed visits, move them through their life cycle, scrub
them, batch them into 837P files and read the 999/277CA answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from knead.billing import claim as core
from knead.billing.claim_json import claim_from_dict, claim_to_dict
from knead.billing.codes.code_lists import Modifier
from knead.billing.paths import BillingPath
from knead.billing.rules import Rules
from knead.billing.scrub import Severity, scrub
from knead.billing.x12.acknowledgement import read_999
from knead.billing.x12.claim_status import read_277ca
from knead.billing.x12.envelope_reader import first_set_kind
from knead.billing.x12.errors import X12Error
from knead.billing.x12.professional_claim import (
    ClearinghouseSettings,
    claim_problem,
    settings_from_claim,
    settings_from_dict,
    write_837p,
)
from knead.bulk import insert_rows, update_many
from knead.claims.control_numbers import DbControlNumbers
from knead.claims.models import (
    AckKind,
    AcknowledgementFile,
    Batch,
    Claim,
    ClaimEvent,
    ClaimLine,
    claim_id_for,
)
from knead.claims.states import (
    LAST_PRIORITY,
    ClaimAction,
    ClaimState,
    Offer,
    TransitionRefused,
    allows,
    can_move,
    check_hand_move,
    check_move,
    offers,
)
from knead.clients.models import Coverage
from knead.ledger import services as ledger
from knead.ledger.selectors import claim_balances, claim_write_offs
from knead.practice import clock
from knead.practice.rules import rules_for_practice
from knead.visits.models import Visit
from knead.visits.services import billed_payer
from knead.visits.to_claim import claim_for_visit

S = ClaimState
_OPEN_STATES = [s.value for s in S if s is not S.CLOSED]


# States in which a payer has decided on the claim: closing one writes off what is left.
ADJUDICATED = frozenset({S.PAID, S.PARTIAL, S.DENIED, S.APPEALED})


class BillingRefused(ValueError):
    """A billing action cannot be done; the message says why in plain words."""


# --- life cycle ---------------------------------------------------------------------------


class ScrubRefused(TransitionRefused):
    """A move to READY refused because the scrubber found errors; ``findings`` has them all."""

    def __init__(self, message: str, findings: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.findings = findings


def transition(
    claim: Claim, target: ClaimState, *, user: Any = None, reason: str = "", source: str = "user"
) -> Claim:
    """Move a claim to ``target`` if its life cycle allows it, and append the event.

    The one writer of a claim's state, with ``move_many`` for the 835 posting's bulk moves.
    Moving to READY scrubs the claim again as of today first and is
    refused with ``ScrubRefused``, naming the errors, if the scrubber finds any; the claim
    then keeps its state and the new findings.
    """
    check_move(claim.state, target)
    if target is S.READY:
        findings, _core = _scrub_and_store(claim, clock.today(claim.practice))
        errors = [f for f in findings if f["severity"] == Severity.ERROR.value]
        if errors:
            raise ScrubRefused(
                f"{claim.claim_id} cannot go to READY: the scrubber found "
                f"{_errors_in_words(errors, clock.today(claim.practice))}",
                findings,
            )
    return _record_move(claim, target, user=user, reason=reason, source=source)


@dataclass(frozen=True)
class Move:
    """One claim's move in a bulk adjudication: where it goes, and why (the event's reason)."""

    claim: Claim
    target: ClaimState
    reason: str


def move_many(moves: Sequence[Move], *, user: Any, source: str) -> list[Move]:
    """Apply many adjudication moves at once (an 835's claims): each claim whose life cycle
    allows its move (``states.can_move``) takes its new state, with one event each, in bulk
    statements. Moves the life cycle refuses, and moves to the state a claim is in, are
    skipped. Returns the moves made. Never a move to READY or CLOSED: those need ``transition``
    (a scrub, or the ledger's settling)."""
    made = [
        m
        for m in moves
        if m.target is not m.claim.state
        and m.target not in (S.READY, S.CLOSED)
        and can_move(m.claim.state, m.target)
    ]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = getattr(user, "pk", None)
    events = [
        (m.claim.pk, now, user_id, m.claim.state.value, m.target.value, source, m.reason[:2000])
        for m in made
    ]
    for m in made:
        m.claim.status = m.target.value
    update_many(Claim, ["status"], [m.claim for m in made])
    insert_rows(
        ClaimEvent, ("claim", "at", "user", "from_status", "to_status", "source", "reason"), events
    )
    return made


def move_by_hand(claim: Claim, target: ClaimState, *, user: Any, reason: str = "") -> Claim:
    """A move chosen by a person (the claim page): only READY, DRAFT or CLOSED; the others
    come from batches, acknowledgments, 835s and appeals (``states.check_hand_move``)."""
    check_hand_move(claim.state, target)
    return transition(claim, target, user=user, reason=reason)


def allowed_actions(claim: Claim) -> tuple[Offer, ...]:
    """The actions and moves by hand the claim's page offers, as the state machine says."""
    return offers(claim.state, priority=claim.priority)


def _record_move(claim: Claim, target: ClaimState, *, user: Any, reason: str, source: str) -> Claim:
    current = claim.state
    check_move(current, target)
    if target is S.CLOSED:
        # A claim closes owing nothing: the ledger settles what is left (ledger services).
        ledger.settle_closed_claim(claim, adjudicated=current in ADJUDICATED, user=user)
        claim.balance = claim_balances([claim.pk])[claim.pk]
        claim.written_off = claim_write_offs([claim.pk])[claim.pk]
    claim.status = target.value
    claim.stamp(user)
    claim.save(update_fields=["status", "balance", "written_off", "updated", "updated_by"])
    ClaimEvent.objects.create(
        claim=claim,
        user=user,
        from_status=current.value,
        to_status=target.value,
        source=source,
        reason=reason[:2000],
    )
    return claim


def _errors_in_words(errors: list[dict[str, Any]], as_of: dt.date) -> str:
    """The errors in words for events and refusals: "2 errors as of 03/30/2026: …; …."."""
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    return (
        f"{count} as of {as_of:%m/%d/%Y}: "
        + "; ".join(f"{f['message']} ({f['rule']})" for f in errors)
        + "."
    )


# --- creating claims ----------------------------------------------------------------------


def _claimed_visit_ids(practice: Any) -> set[int]:
    return set(
        ClaimLine.objects.filter(
            claim__practice=practice,
            claim__deleted_at__isnull=True,
            claim__primary_claim__isnull=True,
            claim__replaces__isnull=True,
        )
        .exclude(claim__status=ClaimState.CLOSED)
        .values_list("visit_id", flat=True)
    )


def billable_visits(practice: Any) -> list[Visit]:
    """Signed visits billed directly to a payer (billing path DIRECT) that are not on an open
    claim yet, oldest first."""
    claimed = _claimed_visit_ids(practice)
    visits = (
        Visit.objects.for_practice(practice)
        .filter(signed_at__isnull=False, billing_path=BillingPath.DIRECT.value)
        .filter(Q(coverage__isnull=False) | Q(case__payer__isnull=False))
    )
    return [
        v
        for v in visits.select_related("client", "coverage__payer", "case__payer").order_by(
            "date", "id"
        )
        if v.pk not in claimed
    ]


_NOT_BILLED = {
    BillingPath.SELF_PAY.value: "self-pay (the client pays; no payer is billed)",
    BillingPath.SUPERBILL.value: (
        "billed by superbill (the client pays and claims it back from their insurer)"
    ),
    "": "without a billing path",
}


def visit_claim(visit: Visit) -> Claim | None:
    """The visit's claim record to the payer it is billed to: the newest claim (not a
    secondary one) with a line for the visit, closed or not; None before one is made."""
    return (
        Claim.objects.filter(
            lines__visit=visit, deleted_at__isnull=True, primary_claim__isnull=True
        )
        .order_by("-id")
        .first()
    )


def _group_key(visit: Visit) -> tuple[Any, ...]:
    return (visit.client_id, visit.provider_id, visit.coverage_id, visit.case_id)


@transaction.atomic
def create_claims(
    visits: Sequence[Visit], *, user: Any, practice: Any, group: bool = False
) -> list[Claim]:
    """One claim per visit, or with ``group`` one per client, provider, coverage and case
    (a date range on one claim, for payers that allow it). Refuses unsigned visits, visits
    already on an open claim, visits whose billing path is not DIRECT (self-pay and superbill
    visits are the client's to pay), and visits with no payer."""
    claimed = _claimed_visit_ids(practice)
    batches: dict[Any, list[Visit]] = {}
    for visit in sorted(visits, key=lambda v: (v.date, v.pk)):
        if visit.practice_id != practice.pk:
            raise BillingRefused("That visit belongs to another practice.")
        if not visit.is_signed:
            raise BillingRefused(f"The visit of {visit.date:%m/%d/%Y} is not signed yet.")
        if visit.pk in claimed:
            raise BillingRefused(f"The visit of {visit.date:%m/%d/%Y} is already on a claim.")
        if visit.billing_path != BillingPath.DIRECT.value:
            raise BillingRefused(
                f"The visit of {visit.date:%m/%d/%Y} is {_NOT_BILLED[visit.billing_path]}: "
                "only a visit billed directly to the payer gets a claim."
            )
        if billed_payer(visit) is None:
            raise BillingRefused(
                f"The visit of {visit.date:%m/%d/%Y} has no coverage or injury case to bill."
            )
        key = _group_key(visit) if group else visit.pk
        batches.setdefault(key, []).append(visit)
    return [
        _new_claim(group_visits, user=user, practice=practice) for group_visits in batches.values()
    ]


def _new_claim(visits: list[Visit], *, user: Any, practice: Any) -> Claim:
    first = visits[0]
    payer = billed_payer(first)
    assert payer is not None
    diagnoses: list[str] = []
    planned: list[tuple[Visit, Any, list[int]]] = []
    for visit in visits:
        for line in visit.lines.filter(replaced_at__isnull=True):
            pointers = []
            for p in line.pointers:
                code = visit.diagnoses[p - 1] if 0 < p <= len(visit.diagnoses) else None
                if code is None:
                    continue
                if code not in diagnoses:
                    diagnoses.append(code)
                pointers.append(diagnoses.index(code) + 1)
            planned.append((visit, line, pointers))
    coverage = first.coverage if not (first.case_id and first.case.payer_id) else None
    claim = Claim(
        practice=practice,
        client=first.client,
        provider=first.provider,
        payer=payer,
        coverage=coverage,
        case=first.case if first.case_id else None,
        priority=coverage.priority if coverage else 1,
        service_from=visits[0].date,
        service_to=visits[-1].date,
        charge=sum((line.charge for _v, line, _p in planned), Decimal("0.00")),
        diagnoses=diagnoses,
    )
    claim.stamp(user)
    claim.save()
    claim.claim_id = claim_id_for(claim.pk)
    claim.save(update_fields=["claim_id"])
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            visit=visit,
            service_line=line,
            position=i,
            service_date=visit.date,
            code=line.code,
            modifiers=list(line.modifiers),
            units=line.units,
            charge=line.charge,
            pointers=pointers,
        )
        for i, (visit, line, pointers) in enumerate(planned, 1)
    )
    for visit in visits:
        ledger.charge_visit(visit, user=user)
    ledger.bill_claim(claim, user=user)
    _cache_balance(claim)
    ClaimEvent.objects.create(
        claim=claim, user=user, to_status=S.DRAFT.value, reason="Created from signed visits."
    )
    return claim


def _cache_balance(claim: Claim) -> None:
    """The claim's cached balance, from the ledger (the only place it is computed)."""
    claim.balance = claim_balances([claim.pk])[claim.pk]
    claim.save(update_fields=["balance"])


# --- the core claim -----------------------------------------------------------------------


def core_claim(claim: Claim) -> core.Claim:
    """The billing core's claim for a claim record: the first visit's facts (provider, patient,
    coverage, referral, authorization, injury) with this claim's own lines, diagnoses,
    frequency and COB data."""
    lines = list(claim.lines.select_related("visit").all())
    if not lines:
        raise BillingRefused("The claim has no service lines.")
    visit = lines[0].visit
    if claim.coverage_id and claim.coverage_id != visit.coverage_id:
        # A secondary claim bills the visit to another coverage than the one on the visit
        # (in memory only: the signed visit is never saved here).
        visit.coverage = claim.coverage
        visit.case = None
    base = claim_for_visit(visit, claim_id=claim.claim_id)
    coverage = base.coverage
    if coverage is not None and claim.other_payers:
        others = tuple(
            claim_from_dict(
                {
                    **claim_to_dict(base),
                    "coverage": {
                        **claim_to_dict(base)["coverage"],
                        "other_payers": claim.other_payers,
                    },
                }
            ).coverage.other_payers  # type: ignore[union-attr]
        )
        coverage = replace(coverage, other_payers=others)
    return replace(
        base,
        diagnoses=tuple(claim.diagnoses),
        lines=tuple(
            core.ServiceLine(
                service_date=line.service_date,
                code=line.code,
                units=line.units,
                charge=line.charge,
                pointers=tuple(line.pointers),
                modifiers=tuple(Modifier(m) for m in line.modifiers),
                minutes=_minutes(line),
            )
            for line in lines
        ),
        coverage=coverage,
        frequency=core.ClaimFrequency(claim.frequency),
        original_claim_number=claim.original_claim_number or None,
        note_signed=all(line.visit.is_signed for line in lines),
    )


def _minutes(line: ClaimLine) -> int | None:
    """The minutes of the service line the claim line bills (a corrected visit keeps its
    replaced lines, so the code alone is not enough)."""
    if line.service_line_id is not None:
        return line.service_line.minutes
    service = line.visit.lines.filter(code=line.code, replaced_at__isnull=True).first()
    return service.minutes if service else None


# --- scrubbing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FixLink:
    label: str
    url: str


def fix_link(claim: Claim, rule: str) -> FixLink | None:
    """Where a finding is fixed: the visit, the provider, the coverage, the payer …"""
    line = claim.lines.first()
    visit_url = reverse("visits:detail", args=[line.visit_id]) if line else ""
    if rule.startswith(("NPI_", "TAX_ID", "BILLING_ZIP")):
        return FixLink("Provider", reverse("practice:provider", args=[claim.provider_id]))
    if rule in ("PROVIDER_NOT_CREDENTIALED",):
        return FixLink("Credentialing", reverse("practice:provider", args=[claim.provider_id]))
    if rule in ("PAYER_ID_MISSING", "TIMELY_FILING_PASSED", "TIMELY_FILING_SOON", "GP_MISSING"):
        return FixLink("Payer", reverse("practice:payer", args=[claim.payer_id]))
    if rule.startswith(("COVERAGE", "MEMBER_ID", "VISIT_LIMIT", "COB_")) and claim.coverage_id:
        return FixLink("Coverage", reverse("clients:coverage_edit", args=[claim.coverage_id]))
    if rule.startswith(("REFERRAL", "REFERRING")):
        return FixLink(
            "Client's referrals", reverse("clients:detail", args=[claim.client_id]) + "#referrals"
        )
    if rule.startswith("AUTH_"):
        return FixLink(
            "Authorizations", reverse("clients:detail", args=[claim.client_id]) + "#authorizations"
        )
    if rule.startswith("INJURY") and claim.case_id:
        return FixLink("Injury case", reverse("clients:case_edit", args=[claim.case_id]))
    if rule == "ORIGINAL_CLAIM_NUMBER_MISSING":
        return FixLink("Claim", reverse("claims:detail", args=[claim.pk]))
    return FixLink("Visit", visit_url) if visit_url else None


def scrub_claim(
    claim: Claim, *, user: Any, as_of: dt.date | None = None, source: str = "scrub"
) -> list[dict[str, Any]]:
    """Scrub a draft (or ready) claim and store every finding: clean → READY, errors → DRAFT
    with an event naming them. ``as_of`` is the day the scrub counts as: today unless given
    (the web app never gives it; tests and the demo pass the day of their story)."""
    if not allows(claim.state, ClaimAction.SCRUB):
        raise BillingRefused("Only draft or ready claims are scrubbed.")
    as_of = as_of or clock.today(claim.practice)
    findings, _core = _scrub_and_store(claim, as_of)
    _settle_after_scrub(claim, findings, user=user, as_of=as_of, source=source)
    return findings


def _settle_after_scrub(
    claim: Claim, findings: list[dict[str, Any]], *, user: Any, as_of: dt.date, source: str
) -> None:
    errors = [f for f in findings if f["severity"] == Severity.ERROR.value]
    if not errors and claim.state is S.DRAFT:
        _record_move(claim, S.READY, user=user, reason="Scrubbed clean.", source=source)
    elif errors and claim.state is S.READY:
        _record_move(
            claim,
            S.DRAFT,
            user=user,
            reason=(
                ("Left out of the batch: the" if source == "batch" else "The")
                + f" scrubber found {_errors_in_words(errors, as_of)}"
            ),
            source=source,
        )


def _scrub_and_store(
    claim: Claim, as_of: dt.date, rules: Rules | None = None
) -> tuple[list[dict[str, Any]], core.Claim]:
    """Scrub the claim as of ``as_of`` (plus the 837P writer's own check when clean), store
    the findings on it and return them with the core claim they were found on. ``rules``: the
    practice's rules when the caller already has them (a batch scrubs many claims)."""
    core_value = core_claim(claim)
    rules = rules or rules_for_practice(claim.practice)
    findings = [f.to_dict() for f in scrub(core_value, rules, as_of)]
    if not any(f["severity"] == Severity.ERROR.value for f in findings):
        problem = claim_problem(core_value)
        if problem:
            findings.append(
                {
                    "rule": "X12_UNWRITABLE",
                    "severity": "error",
                    "message": problem,
                    "fix": "Correct the value named; the 837P format cannot carry it.",
                    "line": None,
                    "box": None,
                    "loop": None,
                }
            )
    claim.findings = findings
    claim.scrubbed_at = timezone.now()
    claim.save(update_fields=["findings", "scrubbed_at"])
    return findings, core_value


# --- control numbers and batches ----------------------------------------------------------


def clearinghouse_settings(first: core.Claim) -> ClearinghouseSettings:
    """``$KNEAD_DATA_DIR/clearinghouse.json`` when present (docs/x12.md), else straight to the
    payer under the billing provider's NPI."""
    path = settings.DATA_DIR / "clearinghouse.json"
    if path.exists():
        return settings_from_dict(json.loads(path.read_text()))
    return settings_from_claim(first)


@dataclass(frozen=True)
class BatchResult:
    """What building a batch did: the batch written (None when no claim was left to send) and
    the claims the batch-day scrub sent back to DRAFT, each with its findings stored."""

    batch: Batch | None
    sent_back: list[Claim]
    as_of: dt.date

    @property
    def summary(self) -> str:
        """The outcome in plain words, for the page."""
        n = len(self.sent_back)
        back = (
            f"{n} claim{'s' if n != 1 else ''} failed the scrub as of {self.as_of:%m/%d/%Y} and "
            f"went back to DRAFT ({', '.join(c.claim_id for c in self.sent_back)}); "
            "their findings are listed under “Sent back to DRAFT”."
        )
        if self.batch is None:
            return f"No batch was written: {back}"
        written = f"{self.batch} written with {self.batch.claim_count} claim(s)."
        return f"{written} {back}" if n else written


@transaction.atomic
def build_batch(
    claims: Iterable[Claim], *, user: Any, practice: Any, as_of: dt.date | None = None
) -> BatchResult:
    """Write READY claims of one payer as one 837P interchange and mark them SUBMITTED.

    Every claim is scrubbed again as of the batch date (``as_of``: today unless given; the web
    app never gives it, tests and the demo pass the day of their story). A claim that now has
    errors goes back to DRAFT, with an event naming the findings, and is left out; when none
    is left no batch is written.
    """
    chosen = list(claims)
    if not chosen:
        raise BillingRefused("No ready claims to batch.")
    if any(c.practice_id != practice.pk for c in chosen):
        raise BillingRefused("A claim belongs to another practice.")
    not_ready = [c.claim_id for c in chosen if not allows(c.state, ClaimAction.BATCH)]
    if not_ready:
        raise BillingRefused(f"Only READY claims can be batched: {', '.join(not_ready)}.")
    if len({c.payer_id for c in chosen}) > 1:
        raise BillingRefused("A batch goes to one payer; choose claims of one payer.")
    as_of = as_of or clock.today(practice)
    rules = rules_for_practice(practice)
    kept: list[tuple[Claim, core.Claim]] = []
    sent_back: list[Claim] = []
    for claim in chosen:
        findings, core_value = _scrub_and_store(claim, as_of, rules)
        _settle_after_scrub(claim, findings, user=user, as_of=as_of, source="batch")
        if claim.state is S.READY:
            kept.append((claim, core_value))
        else:
            sent_back.append(claim)
    if not kept:
        return BatchResult(None, sent_back, as_of)
    setup = clearinghouse_settings(kept[0][1])
    created = timezone.localtime()
    try:
        written = write_837p(
            [c for _claim, c in kept], setup, DbControlNumbers(), created.replace(tzinfo=None)
        )
    except X12Error as error:
        raise BillingRefused(f"The 837P could not be written: {error}") from None
    isa13 = written.interchange_control
    batch = Batch(
        practice=practice,
        payer=chosen[0].payer,
        sender_id=setup.partners.sender_id,
        receiver_id=setup.partners.receiver_id,
        interchange_control=isa13,
        group_control=written.group_control,
        file_name=f"837P-{isa13:09d}.x12",
        content=written.text,
        claim_count=len(kept),
        total_charge=sum((c.charge for c, _core in kept), Decimal("0.00")),
    )
    batch.stamp(user)
    batch.save()
    now = timezone.now()
    for claim, core_value in kept:
        claim.batch = batch
        claim.set_control = written.claim_sets[core_value.id]
        claim.submitted_at = now
        claim.save(update_fields=["batch", "set_control", "submitted_at"])
        transition(claim, S.SUBMITTED, user=user, reason=f"In {batch}.", source="batch")
    return BatchResult(batch, sent_back, as_of)


def sent_back_by_batching(practice: Any) -> list[Claim]:
    """Draft claims whose latest move was a batch-day scrub sending them back from READY,
    newest first, with their findings: what the batches page lists until they are fixed."""
    latest = ClaimEvent.objects.filter(claim=OuterRef("pk")).order_by("-at", "-id")
    return list(
        Claim.objects.for_practice(practice)
        .filter(status=ClaimState.DRAFT)
        .annotate(
            moved_by=Subquery(latest.values("source")[:1]),
            moved_at=Subquery(latest.values("at")[:1]),
        )
        .filter(moved_by="batch")
        .select_related("client", "payer")
        .order_by("-moved_at", "-id")
    )


# --- acknowledgments ----------------------------------------------------------------------


def file_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class AckResult:
    record: AcknowledgementFile
    already: bool


@transaction.atomic
def import_acknowledgement(text: str, *, name: str, user: Any, practice: Any) -> AckResult:
    """Import a 999 or 277CA (detected from its ST01): accepted or rejected claims, with the
    reasons in each claim's history. The same file twice changes nothing the second time."""
    digest = file_digest(text)
    existing = AcknowledgementFile.objects.for_practice(practice).filter(sha256=digest).first()
    if existing:
        return AckResult(existing, True)
    # Decided by ST01 alone: a control number such as 000000277 must not make a 999 a 277CA.
    kind = AckKind.CLAIM if first_set_kind(text) == "277" else AckKind.FUNCTIONAL
    try:
        outcomes = _from_277ca(text) if kind == AckKind.CLAIM else None
        record = AcknowledgementFile(
            practice=practice, kind=kind, file_name=name[:120], sha256=digest, content=text
        )
        if kind == AckKind.CLAIM:
            accepted, rejected, unmatched = _apply_277ca(outcomes or [], practice, user)
        else:
            accepted, rejected, unmatched = _apply_999(text, practice, user)
    except X12Error as error:
        raise BillingRefused(f"The file could not be read: {error}") from None
    record.accepted, record.rejected, record.unmatched = accepted, rejected, unmatched
    record.summary = f"{accepted} claim(s) accepted, {rejected} rejected" + (
        f", {len(unmatched)} not found" if unmatched else ""
    )
    record.stamp(user)
    record.save()
    return AckResult(record, False)


def _move_if_allowed(claim: Claim, target: ClaimState, user: Any, reason: str, source: str) -> bool:
    from knead.claims.states import can_move

    if claim.state is target or not can_move(claim.state, target):
        return False
    transition(claim, target, user=user, reason=reason, source=source)
    return True


def _apply_999(text: str, practice: Any, user: Any) -> tuple[int, int, list[str]]:
    ack = read_999(io.StringIO(text))
    accepted = rejected = 0
    unmatched: list[str] = []
    for group in ack.groups:
        batch = (
            Batch.objects.for_practice(practice)
            .filter(group_control=int(group.group_control or 0))
            .order_by("-created")
            .first()
        )
        if batch is None:
            unmatched.append(f"group {group.group_control}")
            continue
        by_set = {s.control_number.lstrip("0"): s for s in group.sets}
        for claim in batch.claims.all():
            set_ack = by_set.get(claim.set_control.lstrip("0"))
            status = set_ack.status if set_ack else group.status
            if status in ("A", "E"):
                accepted += _move_if_allowed(claim, S.ACCEPTED, user, "999: accepted.", "999")
            else:
                errors = set_ack.errors if set_ack else ()
                why = (
                    "; ".join(
                        f"segment {e.segment_id} at {e.segment_position} (code {e.code})"
                        + "".join(f", element {x.element} code {x.code}" for x in e.elements)
                        for e in errors
                    )
                    or f"status {status}, codes {', '.join(group.codes) or '—'}"
                )
                rejected += _move_if_allowed(claim, S.REJECTED, user, f"999 rejected: {why}", "999")
    return accepted, rejected, unmatched


def _from_277ca(text: str) -> list[Any]:
    return list(read_277ca(io.StringIO(text)).claims)


def _apply_277ca(outcomes: list[Any], practice: Any, user: Any) -> tuple[int, int, list[str]]:
    accepted = rejected = 0
    unmatched: list[str] = []
    claims = {
        c.claim_id: c
        for c in Claim.objects.for_practice(practice).filter(
            claim_id__in=[o.claim_id for o in outcomes]
        )
    }
    for outcome in outcomes:
        claim = claims.get(outcome.claim_id)
        if claim is None:
            unmatched.append(outcome.claim_id)
            continue
        codes = ", ".join(f"{s.category}:{s.code}" for s in outcome.statuses)
        if outcome.payer_claim_id and not claim.payer_claim_number:
            claim.payer_claim_number = outcome.payer_claim_id
            claim.save(update_fields=["payer_claim_number"])
        if outcome.status == "accepted":
            accepted += _move_if_allowed(
                claim, S.ACCEPTED, user, f"277CA accepted ({codes}).", "277CA"
            )
        elif outcome.status == "rejected":
            rejected += _move_if_allowed(
                claim, S.REJECTED, user, f"277CA rejected ({codes}).", "277CA"
            )
    return accepted, rejected, unmatched


# --- corrections and secondary claims -----------------------------------------------------


@transaction.atomic
def corrected_claim(
    claim: Claim,
    *,
    user: Any,
    frequency: str = "7",
    modifiers: dict[int, list[str]] | None = None,
    reason: str = "",
) -> Claim:
    """A replacement (7) or void (8) of an adjudicated claim, referencing the payer's claim
    number (REF*F8). ``modifiers`` maps a line position to its new modifiers (e.g. add 59)."""
    if frequency not in ("7", "8"):
        raise BillingRefused("A correction is frequency 7 (replacement) or 8 (void).")
    if claim.state in (S.DRAFT, S.READY):
        raise BillingRefused("This claim was never sent: edit it instead of correcting it.")
    if not claim.payer_claim_number:
        raise BillingRefused(
            "The payer's claim number is not known yet (it comes with the 277CA or the 835)."
        )
    new = Claim.objects.get(pk=claim.pk)
    new.pk = None
    new.id = None
    new.claim_id = ""
    new.status = ClaimState.DRAFT
    new.frequency = frequency
    new.original_claim_number = claim.payer_claim_number
    new.replaces = claim
    new.batch = None
    new.set_control = ""
    new.submitted_at = None
    new.findings = []
    new.scrubbed_at = None
    new.payer_claim_number = ""
    new.first_paid_on = new.adjudicated_on = None
    for money in (
        "paid",
        "contractual",
        "denied",
        "patient_responsibility",
        "written_off",
        "billed_to_client",
    ):
        setattr(new, money, Decimal("0.00"))
    new.balance = Decimal("0.00")
    new.stamp(user)
    new.save()
    new.claim_id = claim_id_for(new.pk)
    new.save(update_fields=["claim_id"])
    _copy_lines(claim, new, modifiers)
    if frequency == "7":
        ledger.replace_claim(claim, new, user=user)
    else:
        ledger.void_claim(claim, new, user=user)
    _cache_balance(new)
    _cache_balance(claim)
    ClaimEvent.objects.create(
        claim=new,
        user=user,
        to_status=S.DRAFT.value,
        reason=f"{'Corrected' if frequency == '7' else 'Void'} claim for {claim.claim_id}. {reason}",
    )
    return new


def _copy_lines(
    source: Claim, target: Claim, modifiers: dict[int, list[str]] | None = None
) -> None:
    """Copy a claim's lines onto a new claim, with new modifiers for the positions given."""
    changes = modifiers or {}
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=target,
            visit_id=line.visit_id,
            service_line_id=line.service_line_id,
            position=line.position,
            service_date=line.service_date,
            code=line.code,
            modifiers=changes.get(line.position, line.modifiers),
            units=line.units,
            charge=line.charge,
            pointers=line.pointers,
        )
        for line in source.lines.all()
    )


_PLACE = {2: "secondary", 3: "tertiary"}


@transaction.atomic
def bill_next_payer(primary: Claim, *, user: Any, prior: dict[str, Any]) -> Claim:
    """The claim to the client's next coverage (secondary after the primary, tertiary after
    the secondary), carrying every earlier payer's adjudication: ``prior`` is this claim's
    payer's, as COB ``OtherPayer`` data (the remittance app builds it from its postings:
    ``knead.remittance.secondary.secondary_claim``), after those ``primary`` carried itself.
    ``primary`` is the claim of the payer just before (``Claim.primary_claim`` of the new
    claim)."""
    if not allows(primary.state, ClaimAction.SECONDARY, priority=primary.priority):
        if primary.priority >= LAST_PRIORITY:
            raise BillingRefused("This is the tertiary payer's claim: no payer comes after it.")
        raise BillingRefused("This claim's payer has not adjudicated it yet.")
    priority = primary.priority + 1
    place = _PLACE[priority]
    coverage = (
        Coverage.objects.for_practice(primary.practice)
        .filter(client=primary.client, priority=priority)
        .exclude(payer=primary.payer)
        .first()
    )
    if coverage is None:
        raise BillingRefused(f"The client has no {place} coverage on file.")
    if primary.secondary_claims.exclude(status=ClaimState.CLOSED).exists():
        raise BillingRefused(f"A {place} claim already exists for this claim.")
    new = Claim(
        practice=primary.practice,
        client=primary.client,
        provider=primary.provider,
        payer=coverage.payer,
        coverage=coverage,
        priority=priority,
        primary_claim=primary,
        service_from=primary.service_from,
        service_to=primary.service_to,
        charge=primary.charge,
        diagnoses=primary.diagnoses,
        other_payers=[*primary.other_payers, prior],
    )
    new.stamp(user)
    new.save()
    new.claim_id = claim_id_for(new.pk)
    new.save(update_fields=["claim_id"])
    _copy_lines(primary, new)
    ledger.bill_secondary(primary, new, user=user)
    _cache_balance(new)
    ClaimEvent.objects.create(
        claim=new,
        user=user,
        to_status=S.DRAFT.value,
        reason=f"{place.capitalize()} claim after {primary.claim_id} (COB from the "
        f"remittance{'s' if priority > 2 else ''} of the payer{'s' if priority > 2 else ''} before).",
    )
    return new


def recount_open(practice: Any) -> dict[str, int]:
    """Claims per status for the current practice (lists, dashboard)."""
    from django.db.models import Count

    rows = Claim.objects.for_practice(practice).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
