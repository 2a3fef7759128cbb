"""The client's reimbursement kit: a guided checklist to get paid back by their own insurer.

Generated per client and coverage from one of the client's claims, with their own numbers filled
in (member ID, group, the practice's NPI and tax ID, the codes and diagnoses used), a call script
with space for the insurer's answers, and what the client can expect back per visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from knead.billing.claim import BillingProvider, Claim
from knead.billing.codes.icd10 import with_dot
from knead.billing.codes.procedures import catalog
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.pdf import (
    CONTENT_WIDTH,
    INK,
    RULE,
    build_pdf,
    field_grid,
    heading,
    money,
    rich,
    text,
    us_date,
)
from knead.billing.documents.superbill import (
    diagnosis_description,
    formatted_tax_id,
    practice_letterhead,
)
from knead.billing.estimate import BenefitHistory, Benefits, FeeSchedule, estimate
from knead.billing.identifiers import TaxIdKind

CALL_QUESTIONS: tuple[str, ...] = (
    "Is massage therapy, CPT 97124, covered under my plan?",
    "Is manual therapy, CPT 97140, covered?",
    "Are therapeutic activities, CPT 97530, covered?",
    "Which CPT codes do you accept for massage therapy?",
    "Is there an in-network list of massage therapists? Is my therapist on it?",
    "Is pre-approval (prior authorization) needed?",
    "Is a doctor's referral or prescription needed?",
    "How many visits per year does my plan allow, and how many have I used?",
    "How much of my deductible is left this year?",
    "What percentage do you reimburse for out-of-network massage therapy?",
    "Where do I send the claim (address or upload), and in what time limit?",
    "What is the reference number for this call, and the name of the person I spoke to?",
)


def kit_expectation(
    visit: Claim, benefits: Benefits, fee_schedule: FeeSchedule, history: BenefitHistory
) -> tuple[str, ...]:
    """Plain sentences on what the client can expect back, from the estimator.

    E.g. "After your $500.00 deductible, 50% of $120.00 = $60.00 per visit." and
    "12 of 20 visits left this year." The per-visit figure is the estimate once the deductible
    is met; the next visit's own estimate follows while some deductible remains.
    """
    if not benefits.covered:
        return ("Your plan does not cover massage therapy, so expect no reimbursement.",)
    met = BenefitHistory(deductible_met=benefits.deductible, visits_used=history.visits_used)
    steady = estimate(visit, benefits, fee_schedule, met)
    after = f"After your {money(benefits.deductible)} deductible, " if benefits.deductible else ""
    if benefits.reimbursement_percent is not None:
        percent = f"{benefits.reimbursement_percent.normalize():f}%"
        lines = [
            f"{after}{percent} of {money(steady.allowed)} = {money(steady.insurer_pays)} per visit."
        ]
    else:
        lines = [
            f"{after}the plan pays {money(steady.insurer_pays)} of each "
            f"{money(steady.billed)} visit."
        ]
    lines[0] = lines[0][0].upper() + lines[0][1:]
    remaining = max(benefits.deductible - history.deductible_met, Decimal("0.00"))
    if remaining:
        upcoming = estimate(visit, benefits, fee_schedule, history)
        lines.append(
            f"{money(remaining)} of your deductible is still to meet this year, so for your next "
            f"visit expect {money(upcoming.insurer_pays)} back."
        )
    if benefits.visits_per_year is not None:
        left = max(benefits.visits_per_year - history.visits_used, 0)
        lines.append(f"{left} of {benefits.visits_per_year} visits left this year.")
    return tuple(lines)


def _checkbox_item(markup: str) -> Flowable:
    table = Table(
        [[text("[   ]", "body"), rich(markup)]],
        colWidths=[0.4 * inch, CONTENT_WIDTH - 0.4 * inch],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _call_script() -> Flowable:
    rows = [[text("Question", "label"), text("Answer", "label")]]
    rows += [[text(f"{i}. {q}", "cell"), ""] for i, q in enumerate(CALL_QUESTIONS, start=1)]
    table = Table(rows, colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("LINEBEFORE", (1, 1), (1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 1), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 12),
            ]
        )
    )
    return table


def _kit_tax_id(billing: BillingProvider) -> str:
    # A sole practitioner's SSN stays off a checklist handed to clients; the superbill has it.
    if billing.tax_id_kind is TaxIdKind.SSN:
        return "on the superbill"
    return formatted_tax_id(billing)


def reimbursement_kit_story(claim: Claim, expectation: Sequence[str] = ()) -> list[Flowable]:
    """The kit's flowables. ``expectation`` holds plain sentences on what the client can expect
    back (from the estimate), e.g. "after your $500 deductible, 50% of $120 = $60 per visit"."""
    coverage = claim.coverage
    if coverage is None:
        raise DocumentError("The reimbursement kit needs the client's insurance (coverage).")
    patient, subscriber, billing = claim.patient, coverage.subscriber, claim.billing_provider
    rendering = claim.rendering_provider
    procedures = catalog().procedures
    codes = list(dict.fromkeys(line.code for line in claim.lines))
    code_text = "; ".join(f"{c} {procedures[c].short}" if c in procedures else c for c in codes)
    dx_text = "; ".join(f"{with_dot(c)} {diagnosis_description(c)}" for c in claim.diagnoses)
    e = escape
    story: list[Flowable] = [
        text("Your Insurance Reimbursement Kit", "title"),
        text(f"Prepared for {patient.name.display()} - {coverage.payer.name}", "muted"),
        Spacer(1, 4),
        text(
            "You pay for your massage therapy at the visit and ask your insurer to pay you back. "
            "Follow these six steps; your own numbers are filled in below.",
        ),
        heading("Your numbers"),
        field_grid(
            [
                [
                    ("Insured member", subscriber.name.display()),
                    ("Member ID", subscriber.member_id),
                    ("Group number", subscriber.group_number or ""),
                ],
                [
                    ("Insurer", coverage.payer.name),
                    ("Practice", billing.name),
                    ("Practice NPI", billing.npi),
                ],
                [
                    ("Therapist", rendering.name.display() if rendering else billing.name),
                    ("Therapist NPI", rendering.npi if rendering else billing.npi),
                    ("Practice tax ID", _kit_tax_id(billing)),
                ],
                [("Service codes", code_text), ("Diagnoses", dx_text), ("", "")],
            ],
            [CONTENT_WIDTH * 0.36, CONTENT_WIDTH * 0.32, CONTENT_WIDTH * 0.32],
        ),
    ]
    if expectation:
        story += [
            heading("What you can expect back"),
            *[rich(f"<b>{e(line)}</b>") for line in expectation],
            text(
                "This is an estimate from the plan details on file; your insurer's explanation "
                "of benefits is what counts.",
                "muted",
            ),
        ]
    story += [
        heading("1. Review your policy"),
        _checkbox_item(
            "Find the massage therapy / manual therapy / physical medicine section of your plan "
            "documents, and any exclusions."
        ),
        _checkbox_item("Note your deductible, coinsurance and any visit limit per year."),
        KeepTogether(
            [
                heading("2. Call your insurer"),
                rich(
                    f"Call the member services number on your card. Have ready: member ID "
                    f"<b>{e(subscriber.member_id)}</b>"
                    + (
                        f", group <b>{e(subscriber.group_number)}</b>"
                        if subscriber.group_number
                        else ""
                    )
                    + f", the practice NPI <b>{e(billing.npi)}</b> and the codes above. "
                    f"Date of call: ____________  Representative: ____________________"
                ),
                Spacer(1, 4),
            ]
        ),
        _call_script(),
        heading("3. Get pre-approval and a referral if needed"),
        _checkbox_item(
            "If a referral or prescription is needed, ask your doctor. The letter of medical "
            "necessity we can prepare for your doctor helps."
        ),
        _checkbox_item(
            "If pre-approval is needed, ask for it before your next visit; keep the number."
        ),
        heading("4. Submit your claim"),
        _checkbox_item(
            "Send the superbill, the SOAP notes and the pre-filled CMS-1500 claim form "
            "(sign Boxes 12 and 13) to the claims address your insurer gave you."
        ),
        _checkbox_item(
            f"Keep copies and the date you sent them. Date sent: ____________ "
            f"(first visit on this kit: {us_date(min(claim.service_dates))})"
        ),
        heading("5. Check the explanation of benefits (EOB)"),
        _checkbox_item(
            "When the EOB arrives, check that every visit is listed, how much was allowed, "
            "applied to the deductible, and paid to you."
        ),
        heading("6. Appeal if denied"),
        _checkbox_item(
            "If a visit is denied, ask us for the appeal letter: it explains the denial code and "
            "quotes your treatment notes. Send it within your plan's appeal period."
        ),
    ]
    return story


def render_reimbursement_kit(
    claim: Claim, *, expectation: Sequence[str] = (), out: BinaryIO | None = None
) -> bytes:
    """The kit's PDF for the client and coverage of ``claim``."""
    return build_pdf(
        reimbursement_kit_story(claim, expectation),
        title="Insurance reimbursement kit",
        letterhead=practice_letterhead(claim.billing_provider),
        footer=f"Reimbursement kit - {claim.patient.name.display()}",
        out=out,
    )
