"""Paperwork services: the practice's records turned into the core's documents.

Each function takes database records, builds the core's claims and notes (through
``knead.visits.to_claim``) and returns PDF bytes or the facts a page shows. What the client paid
for a superbill comes from the ledger (``payments_for``: the payments applied to each visit, less
refunds), never typed or assumed. A superbill covers the visits of one payer or injury case
(``superbill_groups``).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from knead.audit.models import Action
from knead.audit.services import changed_fields_detail, record
from knead.billing.claim import BillingMode, Claim, CredentialingStatus, PaymentMethod
from knead.billing.documents.kit import kit_expectation, render_reimbursement_kit
from knead.billing.documents.letters import (
    AppealFacts,
    Denial,
    MedicalNecessityFacts,
    appeal_letter_text,
    medical_necessity_letter_text,
    render_letter,
)
from knead.billing.documents.soap_note import Amendment, SignedNote, render_soap_note
from knead.billing.documents.superbill import (
    Superbill,
    issue_superbill,
    practice_letterhead,
    superbill_findings,
)
from knead.billing.estimate import BenefitHistory, Benefits, FeeSchedule
from knead.billing.forms.render import FormMode, PrintOffset, render_claims
from knead.billing.paths import BillingPath
from knead.billing.scrub import Finding, Severity
from knead.clients.models import Client, Coverage, Tristate, VerificationCall
from knead.ledger.accounts import paid_by_visit
from knead.ledger.selectors import client_paid
from knead.paperwork.models import PrintSettings
from knead.practice.rules import rules_for_practice
from knead.practice.services import save_record
from knead.visits.models import Visit
from knead.visits.selectors import coverage_usage
from knead.visits.to_claim import claim_for_visit, claim_id_for_visit, with_claim_facts

ZERO = Decimal("0.00")


class PaperworkError(ValueError):
    """The document cannot be made from these records; the message says what to do."""


# ---------------------------------------------------------------------------- visits


def visits_for_paperwork(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The related records every document reads, fetched with the visits."""
    return (
        with_claim_facts(visits)
        .select_related("signed_by")
        .prefetch_related("amendments__author", "corrections__author")
    )


def visit_charge(visit: Visit) -> Decimal:
    return sum((line.charge for line in visit.active_lines), ZERO)


# ---------------------------------------------------------------------------- superbill


@dataclass(frozen=True, slots=True)
class Payment:
    """What the client paid for one visit, by method (largest first); ``method`` is the one
    that paid most (the claim's box 29 names one)."""

    amount: Decimal
    by_method: tuple[tuple[PaymentMethod, Decimal], ...] = ()

    @property
    def method(self) -> PaymentMethod | None:
        return self.by_method[0][0] if self.by_method else None

    @property
    def words(self) -> str:
        """How it was paid, e.g. "card $100.00, cash $65.00"."""
        return ", ".join(f"{METHOD_WORDS[m]} ${a:,.2f}" for m, a in self.by_method)


METHOD_WORDS = {
    PaymentMethod.CARD: "card",
    PaymentMethod.CASH: "cash",
    PaymentMethod.CHECK: "check",
    PaymentMethod.HSA_FSA: "HSA/FSA card",
    PaymentMethod.OTHER: "other",
}


def payments_for(visits: Sequence[Visit]) -> dict[int, Payment]:
    """What the client paid toward each visit, from the ledger: the payments applied to it,
    less refunds of them (``ledger.accounts.paid_by_visit``)."""
    paid = paid_by_visit(visits)
    return {
        pk: Payment(found.amount, tuple((PaymentMethod(m), a) for m, a in found.by_method))
        for pk, found in paid.items()
    }


def paid_by(payments: Iterable[Payment]) -> tuple[tuple[PaymentMethod, Decimal], ...]:
    """The amounts paid by each method over several visits, largest first."""
    totals: dict[PaymentMethod, Decimal] = {}
    for payment in payments:
        for method, amount in payment.by_method:
            totals[method] = totals.get(method, ZERO) + amount
    return tuple(sorted(totals.items(), key=lambda item: -item[1]))


@dataclass(frozen=True, slots=True)
class SuperbillGroup:
    """Visits billed to one payer or case (or to nobody): one superbill's worth. ``key`` names
    it in a URL (``case-7``, ``coverage-3``, ``self``)."""

    key: str
    label: str
    visits: tuple[Visit, ...]


def billed_to_key(visit: Visit) -> str:
    """The payer or case a visit is billed to, as in ``to_claim``: the injury case's carrier
    first, else the coverage, else nobody."""
    if visit.case_id and visit.case.payer_id:
        return f"case-{visit.case_id}"
    if visit.coverage_id:
        return f"coverage-{visit.coverage_id}"
    return "self"


def _group_label(visit: Visit) -> str:
    if visit.case_id and visit.case.payer_id:
        case = visit.case
        claim = f", claim {case.claim_number}" if case.claim_number else ""
        accident = f", accident {case.accident_date:%m/%d/%Y}" if case.accident_date else ""
        return f"{case.get_kind_display()}: {case.payer.name}{claim}{accident}"
    if visit.coverage_id:
        return f"{visit.coverage.payer.name} (member {visit.coverage.member_id})"
    return "No insurance"


def superbill_groups(visits: Sequence[Visit]) -> list[SuperbillGroup]:
    """The visits split by the payer or case they are billed to, in order of first visit: a
    PIP or workers' comp visit never shares a superbill with the client's health plan."""
    groups: dict[str, list[Visit]] = {}
    labels: dict[str, str] = {}
    for visit in sorted(visits, key=lambda v: (v.date, v.pk)):
        key = billed_to_key(visit)
        groups.setdefault(key, []).append(visit)
        labels.setdefault(key, _group_label(visit))
    return [SuperbillGroup(key, labels[key], tuple(found)) for key, found in groups.items()]


def superbill_claim(visit: Visit, payment: Payment) -> Claim:
    return claim_for_visit(
        visit,
        billing_mode=BillingMode.SUPERBILL,
        amount_paid=payment.amount,
        payment_method=payment.method,
    )


@dataclass(frozen=True, slots=True)
class Problem:
    """A scrub finding about one visit, with the page where it is fixed."""

    visit: Visit
    finding: Finding
    fix_url: str
    fix_label: str

    @property
    def is_error(self) -> bool:
        return self.finding.severity is Severity.ERROR


@dataclass(frozen=True, slots=True)
class SuperbillCheck:
    """The superbill to issue and what the scrub found (errors block issuing it)."""

    superbill: Superbill
    visits: tuple[Visit, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def can_issue(self) -> bool:
        return not self.errors


def superbill_number(visits: Sequence[Visit]) -> str:
    """One visit: its claim id. A range: the client and the first and last dates, and the
    injury case for a case's own superbill (so it never shares a number with the health
    plan's for the same dates)."""
    if len(visits) == 1:
        return claim_id_for_visit(visits[0])
    dates = sorted(v.date for v in visits)
    key = billed_to_key(visits[0])
    case = f"-K{visits[0].case_id}" if key.startswith("case-") else ""
    return f"C{visits[0].client_id}-{dates[0]:%Y%m%d}-{dates[-1]:%Y%m%d}{case}"


def check_superbill(
    visits: Sequence[Visit], *, issued_on: dt.date, payments: Mapping[int, Payment]
) -> SuperbillCheck:
    """Build the superbill for these visits (one client) and run the superbill scrub on it."""
    if not visits:
        raise PaperworkError("There is no visit in this date range.")
    groups = superbill_groups(visits)
    if len(groups) > 1:
        raise PaperworkError(
            f"These visits are billed to {len(groups)} different payers or cases "
            f"({'; '.join(g.label for g in groups)}): one superbill covers one of them, so "
            "issue a superbill for each."
        )
    claims = tuple(superbill_claim(v, payments[v.pk]) for v in visits)
    if len({claim.billing_provider.npi for claim in claims}) > 1:
        raise PaperworkError(
            "These visits are billed under different therapists' NPIs (the practice has no "
            "group NPI), and one superbill has one billing provider: narrow the range, or issue "
            "each visit's superbill from its own paperwork page."
        )
    superbill = Superbill(
        claims,
        issued_on=issued_on,
        number=superbill_number(visits),
        paid_by=paid_by(payments[v.pk] for v in visits),
    )
    by_claim = {claim.id: visit for claim, visit in zip(claims, visits, strict=True)}
    rules = rules_for_practice(visits[0].practice)
    problems = tuple(
        Problem(
            by_claim[found.claim_id],
            found.finding,
            *fix_link(by_claim[found.claim_id], found.finding),
        )
        for found in superbill_findings(superbill, rules)
    )
    return SuperbillCheck(superbill, tuple(visits), problems)


def superbill_packet(check: SuperbillCheck) -> bytes:
    """The superbill followed by each visit's signed SOAP note. Raises SuperbillBlocked."""
    notes = [signed_note(v) for v in check.visits if v.is_signed]
    rules = rules_for_practice(check.visits[0].practice)
    return issue_superbill(check.superbill, rules, notes=notes)


def fix_link(visit: Visit, finding: Finding) -> tuple[str, str]:
    """Where the user fixes what a finding reports: the visit, provider, practice, case or referral."""
    rule = finding.rule
    if rule == "NOTE_UNSIGNED":
        return reverse("visits:detail", args=[visit.pk]), "Sign the note"
    if rule.startswith(("NPI_", "TAX_ID")):
        if finding.box == "17b" and visit.referral_id:
            return reverse("clients:referral_edit", args=[visit.referral_id]), "Edit the referral"
        if finding.box == "24J" or not visit.practice.npi:
            return reverse("practice:provider_edit", args=[visit.provider_id]), "Edit the provider"
        return reverse("practice:settings"), "Edit the practice details"
    if visit.case_id and rule.startswith(("INJURY_CLAIM", "INJURY_DATE", "INJURY_STATE")):
        return reverse("clients:case_edit", args=[visit.case_id]), "Edit the injury case"
    if rule.startswith("COVERAGE") and visit.coverage_id:
        return reverse("clients:coverage_edit", args=[visit.coverage_id]), "Edit the coverage"
    if rule.startswith("PATIENT") or rule.startswith("CLIENT"):
        return reverse("clients:edit", args=[visit.client_id]), "Edit the client"
    if rule.startswith("AUTH_"):
        url = reverse("clients:detail", args=[visit.client_id]) + "#authorizations"
        return url, "See the client's authorizations"
    if rule.startswith("REFERRAL") and visit.referral_id:
        return reverse("clients:referral_edit", args=[visit.referral_id]), "Edit the referral"
    if visit.is_signed:
        # A signed note is locked: a wrong date, code, minutes or diagnosis is corrected.
        return reverse("visits:correct", args=[visit.pk]), "Correct the visit"
    return reverse("visits:edit", args=[visit.pk]), "Edit the visit"


# ---------------------------------------------------------------------------- SOAP note


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def signed_note(visit: Visit) -> SignedNote:
    """The visit's signed note with its amendments, as the core prints it."""
    if not visit.is_signed:
        raise PaperworkError("The note is not signed yet: sign it on the visit page first.")
    provider, client = visit.provider, visit.client
    lines = visit.active_lines
    return SignedNote(
        visit_date=visit.date,
        provider_name=f"{provider.first_name} {provider.last_name}",
        provider_credentials=provider.credentials or None,
        provider_npi=provider.npi,
        practice_name=visit.practice.name,
        client_name=client.full_name,
        client_birth_date=client.date_of_birth,
        subjective=visit.subjective,
        objective=visit.objective,
        assessment=visit.assessment,
        plan=visit.plan,
        signed_by=_person(visit.signed_by) or str(provider),
        signed_at=timezone.localtime(visit.signed_at).replace(tzinfo=None),
        body_regions=tuple(visit.body_region_labels),
        techniques=tuple(t.strip() for t in visit.techniques.split(",") if t.strip()),
        pain_before=visit.pain_before,
        pain_after=visit.pain_after,
        minutes=sum(line.minutes for line in lines) or None,
        amendments=tuple(
            Amendment(
                author=_person(a.author),
                at=timezone.localtime(a.created).replace(tzinfo=None),
                reason=a.reason,
                text=a.text,
            )
            for a in visit.amendments.all()
        ),
        corrections=tuple(
            c.as_core(_person(c.author), timezone.localtime(c.created).replace(tzinfo=None))
            for c in visit.corrections.all()
        ),
    )


def soap_note_pdf(visit: Visit) -> bytes:
    claim = claim_for_visit(visit)
    return render_soap_note(
        signed_note(visit), letterhead=practice_letterhead(claim.billing_provider)
    )


# ---------------------------------------------------------------------------- CMS-1500


def print_settings(practice: Any) -> PrintSettings:
    """The practice's printer offsets (zero until saved)."""
    found = PrintSettings.objects.for_practice(practice).first()
    return found or PrintSettings(practice=practice)


def print_offset(practice: Any) -> PrintOffset:
    settings = print_settings(practice)
    return PrintOffset(float(settings.offset_x_mm), float(settings.offset_y_mm))


def billed_directly(visit: Visit) -> bool:
    """Whether the practice bills the visit's payer itself (billing path DIRECT): its
    CMS-1500 then prints only from its claim record, never from the visit."""
    return visit.billing_path == BillingPath.DIRECT.value


def client_filed_claims(visits: Iterable[Visit]) -> list[Claim]:
    """The claims of visits the client files themselves, in the order given: billing mode
    SUPERBILL (boxes 12 and 13 left to the client, Box 27 NO), each with what the client paid
    toward that visit in the ledger (Box 29). Refused for a visit billed directly: its
    CMS-1500 prints from its claim record, with the claim ID the payer's 835 sends back."""
    visits = list(visits)
    if not visits:
        raise PaperworkError("There is no visit to put on a CMS-1500.")
    direct = [v for v in visits if billed_directly(v)]
    if direct:
        dates = ", ".join(f"{v.date:%m/%d/%Y}" for v in direct)
        one = len(direct) == 1
        raise PaperworkError(
            f"the visit{'' if one else 's'} of {dates} {'is' if one else 'are'} billed directly "
            f"to the payer, so {'its CMS-1500 prints' if one else 'their CMS-1500s print'} from "
            f"{'its claim' if one else 'their claims'} (Billing → Claims), with the claim ID "
            "the payer sends back."
        )
    return [
        claim_for_visit(v, billing_mode=BillingMode.SUPERBILL, amount_paid=client_paid([v]))
        for v in visits
    ]


def cms1500_pdf(visits: Iterable[Visit], *, mode: FormMode, signed_on: dt.date) -> bytes:
    """One CMS-1500 per visit for the client to file (``client_filed_claims``)."""
    visits = list(visits)
    claims = client_filed_claims(visits)
    return claims_cms1500_pdf(claims, visits[0].practice, mode=mode, signed_on=signed_on)


def claims_cms1500_pdf(
    claims: Sequence[Claim], practice: Any, *, mode: FormMode, signed_on: dt.date
) -> bytes:
    """The CMS-1500s of core claims (e.g. a claim record's, with its frequency and COB), printed
    with the practice's offsets in data-only mode."""
    offset = print_offset(practice) if mode is FormMode.DATA_ONLY else PrintOffset()
    return render_claims(claims, mode=mode, offset=offset, signed_on=signed_on)


# ---------------------------------------------------------------------------- kit


def kit_visit(coverage: Coverage) -> Visit:
    """The client's latest visit, billed to this coverage, as the kit's model visit."""
    visits = visits_for_paperwork(Visit.objects.for_practice(coverage.practice)).filter(
        client=coverage.client_id
    )
    visit = (
        visits.filter(coverage=coverage, case__isnull=True).first()
        or visits.filter(coverage=coverage).first()
        or visits.first()
    )
    if visit is None:
        raise PaperworkError(
            "Record a visit first: the kit lists the client's service codes and diagnoses."
        )
    if visit.coverage_id != coverage.pk or visit.case_id:
        # The kit is about this policy: print the visit's services under it (not saved).
        visit = copy.copy(visit)
        visit.coverage, visit.case = coverage, None
    return visit


def kit_benefits(coverage: Coverage, claim: Claim) -> Benefits:
    """The coverage's benefit fields as the estimator reads them."""
    status = claim.coverage.provider_status if claim.coverage else None
    in_network = status in (CredentialingStatus.CREDENTIALED, CredentialingStatus.NOT_REQUIRED)
    return Benefits(
        in_network=in_network,
        deductible=coverage.deductible or ZERO,
        copay=coverage.copay or ZERO,
        coinsurance_percent=coverage.coinsurance_percent or ZERO,
        reimbursement_percent=None if in_network else coverage.out_of_network_percent,
        visits_per_year=coverage.visits_per_year,
        covered=coverage.massage_covered != Tristate.NO,
    )


def kit_history(coverage: Coverage, today: dt.date) -> BenefitHistory:
    """The deductible met and the visits used in the benefit year containing ``today``,
    counted as everywhere else (``knead.visits.selectors.coverage_usage``)."""
    used = coverage_usage(coverage, on=today).used
    return BenefitHistory(deductible_met=coverage.deductible_met, visits_used=used)


@dataclass(frozen=True, slots=True)
class Kit:
    claim: Claim
    expectation: tuple[str, ...]


def reimbursement_kit(coverage: Coverage, *, today: dt.date) -> Kit:
    claim = claim_for_visit(kit_visit(coverage), billing_mode=BillingMode.SUPERBILL)
    expectation = kit_expectation(
        claim, kit_benefits(coverage, claim), FeeSchedule(), kit_history(coverage, today)
    )
    return Kit(claim, expectation)


def kit_pdf(coverage: Coverage, *, today: dt.date) -> bytes:
    kit = reimbursement_kit(coverage, today=today)
    return render_reimbursement_kit(kit.claim, expectation=kit.expectation)


@dataclass(frozen=True, slots=True)
class CallAnswers:
    """What the insurer said on a benefits call; None leaves a benefit field as it was."""

    called_on: dt.date
    notes: str
    representative: str = ""
    reference_number: str = ""
    massage_covered: str | None = None
    visits_per_year: int | None = None
    deductible: Decimal | None = None
    deductible_met: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    copay: Decimal | None = None
    out_of_network_percent: Decimal | None = None
    referral_required: str | None = None
    preauth_required: str | None = None
    covered_codes: str | None = None


_BENEFIT_FIELDS = (
    "massage_covered",
    "visits_per_year",
    "deductible",
    "deductible_met",
    "coinsurance_percent",
    "copay",
    "out_of_network_percent",
    "referral_required",
    "preauth_required",
    "covered_codes",
)


@transaction.atomic
def record_call_answers(
    coverage: Coverage, answers: CallAnswers, *, request: HttpRequest
) -> VerificationCall:
    """Log the call on the coverage and write its answers into the benefit fields, audited.

    Validation errors (e.g. a met amount above the deductible) raise ValidationError and
    nothing is saved.
    """
    user, practice = request.user, request.practice  # type: ignore[attr-defined]
    changed = []
    for name in _BENEFIT_FIELDS:
        value = getattr(answers, name)
        if value is not None and value != getattr(coverage, name):
            setattr(coverage, name, value)
            changed.append(name)
    if changed:
        save_record(coverage, user=user, practice=practice)
        record(request, Action.UPDATE, coverage, detail=changed_fields_detail(changed))
    call = save_record(
        VerificationCall(
            coverage=coverage,
            called_on=answers.called_on,
            representative=answers.representative,
            reference_number=answers.reference_number,
            notes=answers.notes,
        ),
        user=user,
        practice=practice,
    )
    record(request, Action.CREATE, call)
    return call


# ---------------------------------------------------------------------------- letters


@dataclass(frozen=True, slots=True)
class NecessityDraft:
    """The LMN's facts, pre-filled from the case; the user edits them and then the text."""

    findings: str
    limitations: str
    frequency: str
    duration: str
    goals: tuple[str, ...]


def necessity_draft(visit: Visit) -> NecessityDraft:
    """Pre-fill from the visit: its objective findings, the client's own report (limitations),
    the plan's lines as goals, and the referral's prescribed frequency and duration."""
    frequency, duration = "once a week", "8 weeks"
    prescribed = visit.referral.frequency if visit.referral_id else ""
    if prescribed and " for " in prescribed:
        frequency, duration = (part.strip() for part in prescribed.split(" for ", 1))
    elif prescribed:
        frequency = prescribed
    goals = tuple(line.strip(" -•") for line in visit.plan.splitlines() if line.strip(" -•"))[:5]
    return NecessityDraft(
        findings=visit.objective.strip(),
        limitations=visit.subjective.strip(),
        frequency=frequency,
        duration=duration,
        goals=goals,
    )


def necessity_letter_text(visit: Visit, draft: NecessityDraft, *, written_on: dt.date) -> str:
    return medical_necessity_letter_text(
        MedicalNecessityFacts(
            claim=claim_for_visit(visit),
            findings=draft.findings,
            frequency=draft.frequency,
            duration=draft.duration,
            written_on=written_on,
            goals=draft.goals,
            limitations=draft.limitations,
        )
    )


def necessity_letter_pdf(text: str) -> bytes:
    """The LMN goes on the doctor's own letterhead, so none is printed."""
    return render_letter(text, title="Letter of medical necessity")


def appeal_text(visit: Visit, denial: Denial, *, written_on: dt.date) -> str:
    """The appeal letter of a denied visit, with excerpts of its signed note (for the billing
    pages: they own denials and call this with the 835's adjustments)."""
    notes = (signed_note(visit),) if visit.is_signed else ()
    return appeal_letter_text(
        AppealFacts(claim=claim_for_visit(visit), denial=denial, written_on=written_on, notes=notes)
    )


def appeal_pdf(visit: Visit, text: str) -> bytes:
    """The (edited) appeal letter on the practice's letterhead."""
    letterhead = practice_letterhead(claim_for_visit(visit).billing_provider)
    return render_letter(text, letterhead=letterhead, title="Appeal")


def client_visits(
    client: Client, start: dt.date, end: dt.date, *, signed_only: bool = False
) -> list[Visit]:
    """The client's visits in a date range (only those with a signed note, if asked), oldest
    first."""
    visits = Visit.objects.for_practice(client.practice).filter(
        client=client, date__gte=start, date__lte=end
    )
    if signed_only:
        visits = visits.filter(signed_at__isnull=False)
    return sorted(visits_for_paperwork(visits), key=lambda v: (v.date, v.pk))
