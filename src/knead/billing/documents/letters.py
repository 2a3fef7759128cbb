"""Letters: the letter of medical necessity (LMN) and the appeal of a denied claim.

Each letter is built in two steps so the practice can edit it before printing:
``*_letter_text(facts)`` writes the letter as plain text (paragraphs separated by blank lines;
single line breaks inside a paragraph are kept, for address blocks), and ``render_letter(text)``
prints any such text to PDF.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import BinaryIO

from reportlab.platypus import Flowable, Spacer

from knead.billing.claim import Adjustment, Claim, PayerKind
from knead.billing.codes.icd10 import with_dot
from knead.billing.codes.procedures import catalog
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.pdf import Letterhead, build_pdf, money, phone, text, us_date
from knead.billing.documents.soap_note import SignedNote
from knead.billing.documents.superbill import diagnosis_description

EXCERPT_CHARS = 420
# Appeal windows, billing-rules.md §11.2: Medicare redetermination 120 days; ERISA group health
# plans at least 180 days for an internal appeal.
_APPEAL_DAYS = {PayerKind.MEDICARE: 120, PayerKind.COMMERCIAL: 180}


@dataclass(frozen=True, slots=True)
class CarcArgument:
    code: str
    description: str
    appealable: bool
    argument: str


@cache
def appeal_arguments() -> dict[str, CarcArgument]:
    """The CARC descriptions and appeal arguments shipped in data/appeal_arguments.json."""
    raw = json.loads(
        resources.files("knead.billing.documents")
        .joinpath("data/appeal_arguments.json")
        .read_text()
    )
    return {
        row["code"]: CarcArgument(
            row["code"], row["description"], row["appealable"], row["argument"]
        )
        for row in raw["codes"]
    }


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip()) + "\n"


def _provider_signature(claim: Claim) -> str:
    therapist, billing = claim.rendering_provider, claim.billing_provider
    if therapist:
        name = ", ".join(p for p in (therapist.name.display(), therapist.credentials) if p)
        npi = therapist.npi
        license_ = therapist.license or billing.license
    else:
        name = ", ".join(
            p
            for p in ((billing.person.display() if billing.person else ""), billing.credentials)
            if p
        )
        npi, license_ = billing.npi, billing.license
    lines = [name or billing.name]
    if billing.person is None or therapist:
        lines.append(billing.name)
    lines.append(f"NPI {npi}")
    if license_:
        lines.append(f"Licence {license_.number} ({license_.state})")
    if billing.phone:
        lines.append(phone(billing.phone))
    return "\n".join(lines)


def _diagnosis_lines(claim: Claim) -> str:
    return "\n".join(
        f"- {with_dot(code)} {diagnosis_description(code)}" for code in claim.diagnoses
    )


def _procedure_names(claim: Claim) -> str:
    procedures = catalog().procedures
    names = []
    for code in dict.fromkeys(line.code for line in claim.lines):
        procedure = procedures.get(code)
        names.append(f"{code} ({procedure.short.lower()})" if procedure else code)
    return "; ".join(names)


@dataclass(frozen=True, slots=True)
class MedicalNecessityFacts:
    """What the LMN says, taken from the case (a claim of the case) plus the plan of care."""

    claim: Claim
    findings: str
    frequency: str  # e.g. "once a week"
    duration: str  # e.g. "8 weeks"
    written_on: dt.date
    goals: tuple[str, ...] = ()
    limitations: str = ""


def medical_necessity_letter_text(facts: MedicalNecessityFacts) -> str:
    """The LMN for the client's doctor to review and sign, pre-filled from the case."""
    claim = facts.claim
    patient = claim.patient
    doctor = claim.referring_provider
    doctor_name = (
        ", ".join(p for p in (doctor.name.display(), doctor.credentials) if p)
        if doctor
        else "________________________"
    )
    coverage = claim.coverage
    member = (
        f"\nInsurance: {coverage.payer.name}, member ID {coverage.subscriber.member_id}"
        + (
            f", group {coverage.subscriber.group_number}"
            if coverage.subscriber.group_number
            else ""
        )
        if coverage
        else ""
    )
    goals = "\n".join(f"- {goal}" for goal in facts.goals)
    return _paragraphs(
        us_date(facts.written_on),
        "To: Utilization review / claims department"
        + (f"\n{coverage.payer.name}" if coverage else ""),
        f"RE: Letter of medical necessity for massage therapy\n"
        f"Patient: {patient.name.display()}, date of birth {us_date(patient.birth_date)}{member}",
        "To whom it may concern:",
        f"I am the treating provider of {patient.name.display()}. I have diagnosed the following "
        f"condition(s):\n{_diagnosis_lines(claim)}",
        f"Clinical findings: {facts.findings}",
        f"Functional limitations: {facts.limitations}" if facts.limitations else "",
        f"In my professional opinion, massage therapy is medically necessary to treat this "
        f"condition, with the following services: {_procedure_names(claim)}. I prescribe "
        f"treatment {facts.frequency} for {facts.duration}, provided by "
        f"{_provider_signature(claim).splitlines()[0]}.",
        f"Goals of treatment:\n{goals}" if goals else "",
        "Please contact my office if you need further information.",
        f"Sincerely,\n\n\n______________________________\n{doctor_name}"
        + (f"\nNPI {doctor.npi}" if doctor and doctor.npi else "\nNPI ______________"),
    )


@dataclass(frozen=True, slots=True)
class Denial:
    """What the payer's EOB/ERA said about the claim."""

    denied_on: dt.date
    adjustments: tuple[Adjustment, ...]
    payer_claim_number: str | None = None
    remarks: tuple[tuple[str, str], ...] = ()  # RARC code and its text (text may be "")
    lines: tuple[int, ...] = ()  # 1-based denied lines; empty = the whole claim
    # Lines allowed below the contracted rate: what happened, in words, and the amount short.
    shortfalls: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        if not self.adjustments and not self.shortfalls:
            raise DocumentError(
                "A denial needs at least one adjustment (CARC) or contract shortfall to appeal."
            )

    @property
    def amount(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), Decimal("0.00")) + sum(
            (amount for _why, amount in self.shortfalls), Decimal("0.00")
        )


@dataclass(frozen=True, slots=True)
class AppealFacts:
    claim: Claim
    denial: Denial
    written_on: dt.date
    notes: tuple[SignedNote, ...] = ()


def appeal_deadline(facts: AppealFacts) -> dt.date | None:
    """The latest date to file, when the payer kind has a known window (§11.2)."""
    payer = facts.claim.payer
    days = _APPEAL_DAYS.get(payer.kind) if payer else None
    return facts.denial.denied_on + dt.timedelta(days=days) if days else None


def _excerpt(note: SignedNote) -> str:
    body = f"{note.objective.strip()} {note.assessment.strip()}"
    if note.pain_before is not None and note.pain_after is not None:
        body += f" Pain {note.pain_before}/10 before and {note.pain_after}/10 after treatment."
    short = textwrap.shorten(body, EXCERPT_CHARS, placeholder=" ...")
    return f"- {us_date(note.visit_date)} ({note.provider_display}): {short}"


def appeal_letter_text(facts: AppealFacts) -> str:
    """The appeal of a denied claim: claim and denial details, the CARC/RARC explanation, the
    argument for each reason, and excerpts of the signed notes that support medical necessity."""
    claim, denial = facts.claim, facts.denial
    patient, coverage = claim.patient, claim.coverage
    payer = coverage.payer.name if coverage else "the payer"
    dates = claim.service_dates
    dos = us_date(dates[0]) if len(dates) == 1 else f"{us_date(dates[0])} to {us_date(dates[-1])}"
    arguments = appeal_arguments()
    reasons, points = [], []
    for adjustment in denial.adjustments:
        known = arguments.get(adjustment.reason)
        description = known.description if known else "(see the current CARC list)"
        reasons.append(
            f"- {adjustment.group.value}-{adjustment.reason} {description} "
            f"Amount: {money(adjustment.amount)}."
        )
        if known and known.appealable and known.argument not in points:
            points.append(known.argument)
    for why, amount in denial.shortfalls:
        reasons.append(f"- Paid below our contracted rate: {why} Amount: {money(amount)}.")
    if denial.shortfalls:
        points.append(
            f"Our contract with {payer} sets the allowed amounts shown. Please reprocess the "
            "line(s) at the contracted rate and pay the difference."
        )
    remarks = [f"- {code} {text_}".rstrip() for code, text_ in denial.remarks]
    lines = ", ".join(str(n) for n in denial.lines) if denial.lines else "all lines"
    details = [
        f"Patient: {patient.name.display()}, date of birth {us_date(patient.birth_date)}",
    ]
    if coverage:
        details.append(f"Member ID: {coverage.subscriber.member_id}")
        if coverage.subscriber.group_number:
            details.append(f"Group: {coverage.subscriber.group_number}")
    details += [
        f"Claim number: {denial.payer_claim_number or '(not given)'}; our reference {claim.id}",
        f"Date(s) of service: {dos}",
        f"Billed: {money(claim.total_charge)}; denied: {money(denial.amount)} ({lines})",
        f"Date of denial: {us_date(denial.denied_on)}",
    ]
    if claim.injury and claim.injury.claim_number:
        details.append(f"Insurer claim number (accident/injury): {claim.injury.claim_number}")
    prescription = ""
    if claim.referring_provider:
        doctor = claim.referring_provider
        prescription = "The treatment was prescribed by " + ", ".join(
            p for p in (doctor.name.display(), doctor.credentials) if p
        )
        if doctor.npi:
            prescription += f" (NPI {doctor.npi})"
        referral = claim.referral
        if referral and referral.number:
            prescription += f", prescription {referral.number}"
        if referral and referral.issued:
            prescription += f" of {us_date(referral.issued)}"
        prescription += "."
    deadline = appeal_deadline(facts)
    excerpts = "\n".join(_excerpt(n) for n in sorted(facts.notes, key=lambda n: n.visit_date))
    if not points:
        points.append(
            "We ask you to review the denial against the enclosed records and the plan's terms."
        )
    return _paragraphs(
        us_date(facts.written_on),
        f"To: Appeals department\n{payer}",
        "RE: Request for reconsideration (first-level appeal)\n" + "\n".join(details),
        "To whom it may concern:",
        f"We ask you to reconsider the {'denial' if denial.adjustments else 'payment'} of the "
        f"claim above. The services were "
        f"{_procedure_names(claim)}, provided for:\n{_diagnosis_lines(claim)}",
        "Reason(s) given for the denial:\n" + "\n".join(reasons + remarks),
        "Why the claim should be paid:\n" + "\n".join(f"- {p}" for p in points),
        prescription,
        ("Excerpts from the signed treatment notes:\n" + excerpts) if excerpts else "",
        (
            f"This appeal is sent within the appeal period (latest filing date {us_date(deadline)})."
            if deadline
            else ""
        ),
        "Enclosed: the claim, the explanation of benefits, the signed treatment notes"
        + (" and the physician's prescription" if claim.referring_provider else "")
        + ". Please contact us if you need anything else.",
        f"Sincerely,\n\n\n______________________________\n{_provider_signature(claim)}",
    )


def letter_story(letter_text: str) -> list[Flowable]:
    """Flowables for an edited letter: one paragraph per blank-line-separated block."""
    blocks = [block.strip("\n") for block in letter_text.replace("\r\n", "\n").split("\n\n")]
    story: list[Flowable] = []
    for block in blocks:
        if block.strip():
            story.append(text(block, "letter"))
        else:
            story.append(Spacer(1, 6))
    return story


def render_letter(
    letter_text: str,
    *,
    letterhead: Letterhead | None = None,
    title: str = "Letter",
    out: BinaryIO | None = None,
) -> bytes:
    """Print a letter's (possibly edited) text to PDF."""
    if not letter_text.strip():
        raise DocumentError("The letter is empty.")
    return build_pdf(letter_story(letter_text), title=title, letterhead=letterhead, out=out)
