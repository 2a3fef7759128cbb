"""The superbill: an itemized statement a client sends to their insurer to be reimbursed.

One superbill covers one visit or a date range (one claim per visit, same client and practice),
e.g. a month. It carries everything a payer needs to process a member-submitted claim: the
practice and provider with NPI, licence, taxonomy and tax ID; the client with the member ID and
group of the selected coverage; each service line with its date, place of service, CPT/HCPCS
code and modifiers, minutes, units and charge; the ICD-10-CM diagnoses with descriptions and the
pointers that tie lines to them; totals, the amount paid and how, and a statement that it was
paid in full, in part or not at all; the referring provider and prescription; and the provider's
signature line.

One superbill is for one payer or case: a visit billed to an auto (PIP) or workers' comp case
never shares a superbill with the client's health plan, and a case's own superbill carries its
carrier, claim number and accident date. A one-visit superbill fits one page: many diagnoses go
in two columns, and the payment and the certification are kept together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from knead.billing.claim import BillingProvider, Claim, InjuryKind, PaymentMethod, RenderingProvider
from knead.billing.codes.code_lists import code_list
from knead.billing.codes.icd10 import describe, icd10_problem, with_dot
from knead.billing.codes.procedures import catalog
from knead.billing.documents.errors import DocumentError
from knead.billing.documents.pdf import (
    CONTENT_WIDTH,
    Letterhead,
    build_pdf,
    data_table,
    field_grid,
    heading,
    money,
    phone,
    signature_parts,
    text,
    us_date,
)
from knead.billing.documents.soap_note import SignedNote, soap_note_footer, soap_note_story
from knead.billing.identifiers import TaxIdKind
from knead.billing.rules import Rules
from knead.billing.scrub import Finding, Purpose, Severity, scrub

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INJURY = {
    InjuryKind.AUTO: "Auto accident (PIP)",
    InjuryKind.EMPLOYMENT: "Work injury (workers' compensation)",
    InjuryKind.OTHER_ACCIDENT: "Other accident",
}
_PAYMENT = {
    PaymentMethod.CASH: "cash",
    PaymentMethod.CHECK: "check",
    PaymentMethod.CARD: "card",
    PaymentMethod.HSA_FSA: "HSA/FSA card",
    PaymentMethod.OTHER: "other means",
}
_SEVERAL_CERTIFY = (
    "I certify that the services listed under my NPI were medically indicated and personally "
    "provided as described, on the dates shown."
)
# More diagnoses than this are listed in two columns, so one visit's superbill fits its page.
_ONE_COLUMN_DIAGNOSES = 4


def billed_to(claim: Claim) -> tuple[str | None, ...]:
    """Who a visit is billed to, as one superbill must share it: the injury case (its
    carrier, claim number and accident date) or the coverage (payer and member), or nobody."""
    coverage, injury = claim.coverage, claim.injury
    return (
        coverage.payer.payer_id if coverage else None,
        coverage.subscriber.member_id if coverage else None,
        injury.kind.value if injury else None,
        injury.claim_number if injury else None,
        injury.accident_date.isoformat() if injury and injury.accident_date else None,
    )


@dataclass(frozen=True, slots=True)
class Superbill:
    """The visits (claims) one superbill lists, in date order, and when it is issued.

    ``paid_by`` optionally breaks the amount paid down by method (from the practice's ledger);
    it must add up to the claims' amounts paid. Without it, the claims' methods are named.
    """

    claims: tuple[Claim, ...]
    issued_on: dt.date
    number: str | None = None
    paid_by: tuple[tuple[PaymentMethod, Decimal], ...] = ()

    def __post_init__(self) -> None:
        if not self.claims:
            raise DocumentError("A superbill needs at least one visit.")
        first = self.claims[0]
        for i, claim in enumerate(self.claims[1:], start=1):
            if (claim.patient.name, claim.patient.birth_date) != (
                first.patient.name,
                first.patient.birth_date,
            ):
                raise DocumentError(f"claims[{i}] ({claim.id}) is for another client.")
            if claim.billing_provider.npi != first.billing_provider.npi:
                raise DocumentError(f"claims[{i}] ({claim.id}) is billed by another practice.")
            if billed_to(claim) != billed_to(first):
                raise DocumentError(
                    f"claims[{i}] ({claim.id}) is billed to another payer or injury case than "
                    f"{first.id}: one superbill covers the visits of one payer or case."
                )
        if self.paid_by and sum((a for _m, a in self.paid_by), Decimal("0.00")) != sum(
            (c.amount_paid for c in self.claims), Decimal("0.00")
        ):
            raise DocumentError("paid_by does not add up to the amount paid on the visits.")
        ordered = tuple(sorted(self.claims, key=lambda c: (min(c.service_dates), c.id)))
        object.__setattr__(self, "claims", ordered)

    @property
    def first(self) -> Claim:
        return self.claims[0]

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        dates = [d for claim in self.claims for d in claim.service_dates]
        return min(dates), max(dates)

    @property
    def total_charge(self) -> Decimal:
        return sum((claim.total_charge for claim in self.claims), Decimal("0.00"))

    @property
    def amount_paid(self) -> Decimal:
        return sum((claim.amount_paid for claim in self.claims), Decimal("0.00"))

    @property
    def balance(self) -> Decimal:
        return self.total_charge - self.amount_paid

    @property
    def therapists(self) -> tuple[RenderingProvider, ...]:
        """Each therapist who rendered a listed visit, once, in order of first visit."""
        found: dict[str, RenderingProvider] = {}
        for claim in self.claims:
            if claim.rendering_provider is not None:
                found.setdefault(claim.rendering_provider.npi, claim.rendering_provider)
        return tuple(found.values())

    @property
    def diagnoses(self) -> tuple[str, ...]:
        """Every diagnosis of the listed visits once, in order of first use (A, B, C …)."""
        return tuple(dict.fromkeys(code for claim in self.claims for code in claim.diagnoses))

    @property
    def payment_methods(self) -> tuple[PaymentMethod, ...]:
        return tuple(
            dict.fromkeys(c.payment_method for c in self.claims if c.payment_method is not None)
        )


def diagnosis_description(code: str) -> str:
    """The code set's description, or a note that the code is not billable."""
    problem = icd10_problem(code)
    return describe(code) if problem is None else f"(not a billable code: {problem})"


def _provider_lines(
    billing: BillingProvider, rendering: RenderingProvider | None
) -> list[list[Any]]:
    license_ = (rendering.license if rendering else None) or billing.license
    taxonomy = (rendering.taxonomy if rendering else None) or billing.taxonomy
    credentials = (rendering.credentials if rendering else None) or billing.credentials
    therapist = (
        rendering.name.display()
        if rendering
        else (billing.person.display() if billing.person else "")
    )
    taxonomy_text = ""
    if taxonomy:
        names = code_list("taxonomy").rows
        name = names[taxonomy.code]["name"] if taxonomy.code in names else ""
        taxonomy_text = f"{taxonomy.code} {name}".strip()
    tax_kind = "EIN" if billing.tax_id_kind is TaxIdKind.EIN else "SSN"
    address = billing.address
    street = ", ".join(p for p in (address.line1, address.line2) if p)
    return [
        [
            ("Practice", billing.name),
            ("Address", f"{street}, {address.city}, {address.state} {address.zip_formatted}"),
            ("Phone", phone(billing.phone)),
        ],
        [
            ("Provider", ", ".join(p for p in (therapist, credentials) if p)),
            ("Licence", f"{license_.number} ({license_.state})" if license_ else ""),
            ("Taxonomy", taxonomy_text),
        ],
        [
            ("Billing NPI", billing.npi),
            ("Rendering NPI", rendering.npi if rendering else billing.npi),
            (f"Tax ID ({tax_kind})", formatted_tax_id(billing)),
        ],
    ]


def formatted_tax_id(billing: BillingProvider) -> str:
    """The tax ID written the usual way: 12-3456789 (EIN) or 123-45-6789 (SSN)."""
    digits = billing.tax_id
    if len(digits) != 9:
        return digits
    return (
        f"{digits[:2]}-{digits[2:]}"
        if billing.tax_id_kind is TaxIdKind.EIN
        else (f"{digits[:3]}-{digits[3:5]}-{digits[5:]}")
    )


def _client_lines(claim: Claim) -> list[list[Any]]:
    patient, coverage = claim.patient, claim.coverage
    address = patient.address
    street = ", ".join(p for p in (address.line1, address.line2) if p)
    rows = [
        [
            ("Client", patient.name.display()),
            ("Date of birth", us_date(patient.birth_date)),
            ("Address", f"{street}, {address.city}, {address.state} {address.zip_formatted}"),
        ]
    ]
    if coverage:
        subscriber = coverage.subscriber
        insured = subscriber.name.display()
        if subscriber.patient_relationship.value != "self":
            insured += f" ({subscriber.patient_relationship.value} of the client)"
        rows.append(
            [
                ("Insurance", f"{coverage.payer.name} ({coverage.priority.value})"),
                ("Member ID", subscriber.member_id),
                ("Group", subscriber.group_number or ""),
            ]
        )
        rows.append(
            [("Insured", insured), ("Client phone", phone(patient.contact.phone)), ("", "")]
        )
    return rows


def _referral_lines(claim: Claim) -> list[list[Any]]:
    rows: list[list[Any]] = []
    referring, referral = claim.referring_provider, claim.referral
    if referring or referral:
        name = ""
        if referring:
            name = ", ".join(p for p in (referring.name.display(), referring.credentials) if p)
        rows.append(
            [
                ("Referring provider", name),
                ("Referring NPI", (referring.npi or "") if referring else ""),
                ("Prescription / referral no.", (referral.number or "") if referral else ""),
            ]
        )
        if referral:
            allowed = f"{referral.visits_allowed} visits" if referral.visits_allowed else ""
            rows.append(
                [
                    ("Prescribed on", us_date(referral.issued)),
                    ("Valid until", us_date(referral.expires)),
                    ("Visits prescribed", allowed),
                ]
            )
    for auth in claim.authorizations:
        rows.append(
            [
                (
                    "Prior authorization",
                    f"{auth.number} ({', '.join(auth.codes)})" if auth.codes else auth.number,
                ),
                ("Authorized from", us_date(auth.starts)),
                ("Authorized to", us_date(auth.ends)),
            ]
        )
    if claim.injury:
        injury = claim.injury
        rows.append(
            [
                ("Condition related to", _INJURY[injury.kind]),
                ("Date of accident or injury", us_date(injury.accident_date)),
                ("Insurer claim number", injury.claim_number or ""),
            ]
        )
    return rows


def superbill_story(superbill: Superbill) -> list[Flowable]:
    """The flowables of a superbill."""
    claim = superbill.first
    start, end = superbill.period
    period = us_date(start) if start == end else f"{us_date(start)} to {us_date(end)}"
    letters = {code: _LETTERS[i % 26] * (1 + i // 26) for i, code in enumerate(superbill.diagnoses)}
    number = f"  |  Superbill no. {superbill.number}" if superbill.number else ""
    story: list[Flowable] = [
        text("Superbill - Statement of Services for Insurance Reimbursement", "title"),
        text(
            f"Dates of service: {period}  |  Issued {us_date(superbill.issued_on)}{number}", "muted"
        ),
        Spacer(1, 4),
        *_provider_section(superbill),
        heading("Client and insurance"),
        field_grid(_client_lines(claim), _thirds()),
    ]
    referral_rows = _referral_lines(claim)
    if referral_rows:
        story += [heading("Referral, prescription and case"), field_grid(referral_rows, _thirds())]
    story += [
        heading("Diagnoses (ICD-10-CM)"),
        _diagnoses_table(superbill, letters),
        heading("Services"),
        _services_table(superbill, letters),
        Spacer(1, 4),
    ]
    therapists = superbill.therapists
    if len(therapists) > 1:
        # Each therapist certifies the visits they gave.
        signatures: list[Flowable] = [
            part
            for i, therapist in enumerate(therapists)
            for part in signature_parts(
                _name_with_credentials(therapist),
                statement=_SEVERAL_CERTIFY if i == 0 else "",
            )
        ]
    else:
        signatures = signature_parts(
            _signer(claim),
            statement="I certify that the services listed were medically indicated and "
            "personally provided as described, on the dates shown.",
        )
    # The payment and the certification stay on one page: never a signature alone.
    story.append(KeepTogether([_payment_statement(superbill), *signatures]))
    return story


def _diagnoses_table(superbill: Superbill, letters: dict[str, str]) -> Flowable:
    """The diagnoses, lettered; more than a few go in two columns (A, B … down the left)."""
    rows = [[letters[c], with_dot(c), diagnosis_description(c)] for c in superbill.diagnoses]
    if len(rows) <= _ONE_COLUMN_DIAGNOSES:
        return data_table(
            ["Ptr", "Code", "Description"], rows,
            [0.45 * inch, 0.9 * inch, CONTENT_WIDTH - 1.35 * inch],
        )  # fmt: skip
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:] + [["", "", ""]] * (2 * half - len(rows))
    side = CONTENT_WIDTH / 2
    return data_table(
        ["Ptr", "Code", "Description"] * 2,
        [a + b for a, b in zip(left, right, strict=True)],
        [0.35 * inch, 0.7 * inch, side - 1.05 * inch] * 2,
    )


def _provider_section(superbill: Superbill) -> list[Flowable]:
    """The practice and its therapist; with several therapists, the practice and then a row
    for each (the services table names each line's rendering NPI)."""
    claim = superbill.first
    therapists = superbill.therapists
    if len(therapists) <= 1:
        return [
            heading("Provider"),
            field_grid(
                _provider_lines(claim.billing_provider, claim.rendering_provider), _thirds()
            ),
        ]
    practice_rows = _provider_lines(claim.billing_provider, None)
    # The therapists' own NPI, licence and taxonomy are in the table below.
    practice_rows[1][0:2] = [("Therapists", f"{len(therapists)}, listed below"), ("", "")]
    practice_rows[2][1] = ("", "")
    rows = [
        [
            _name_with_credentials(t),
            t.npi,
            f"{t.license.number} ({t.license.state})" if t.license else "",
            t.taxonomy.code if t.taxonomy else "",
        ]
        for t in therapists
    ]
    return [
        heading("Provider"),
        field_grid(practice_rows, _thirds()),
        Spacer(1, 4),
        data_table(
            ["Therapist", "Rendering NPI", "Licence", "Taxonomy"],
            rows,
            [w * inch for w in (2.6, 1.2, 1.6, 1.5)],
        ),
    ]


def _name_with_credentials(therapist: RenderingProvider) -> str:
    return ", ".join(p for p in (therapist.name.display(), therapist.credentials) if p)


def _signer(claim: Claim) -> str:
    therapist, billing = claim.rendering_provider, claim.billing_provider
    if therapist:
        return _name_with_credentials(therapist)
    if billing.person:
        return ", ".join(p for p in (billing.person.display(), billing.credentials) if p)
    return billing.name


def _thirds() -> list[float]:
    return [CONTENT_WIDTH * 0.36, CONTENT_WIDTH * 0.32, CONTENT_WIDTH * 0.32]


def _services_table(superbill: Superbill, letters: dict[str, str]) -> Flowable:
    rows = []
    procedures = catalog().procedures
    several = len(superbill.therapists) > 1
    for claim in superbill.claims:
        rendering = claim.rendering_provider.npi if claim.rendering_provider else ""
        for line in sorted(claim.lines, key=lambda ln: ln.service_date):
            pointers = "".join(
                letters[claim.diagnoses[p - 1]]
                for p in line.pointers
                if 1 <= p <= len(claim.diagnoses)
            )
            procedure = procedures.get(line.code)
            rows.append(
                [
                    us_date(line.service_date),
                    (line.place_of_service or claim.place_of_service).code,
                    line.code,
                    " ".join(line.modifier_codes),
                    procedure.short if procedure else "",
                    *([rendering] if several else []),
                    pointers,
                    "" if line.minutes is None else str(line.minutes),
                    str(line.units),
                    money(line.charge),
                ]
            )
    header = ["Date", "POS", "Code", "Mod.", "Service", "Dx ptr", "Min.", "Units", "Charge"]
    widths = [0.78, 0.38, 0.55, 0.6, 2.5, 0.45, 0.5, 0.45, 0.69]
    footer = ["", "", "", "", "Total charges", "", "", "", money(superbill.total_charge)]
    if several:
        # Box 24J of a CMS-1500: whose NPI each line was given under.
        header.insert(5, "NPI")
        widths[4:5] = [1.66, 0.84]
        footer.insert(5, "")
    return data_table(
        header,
        rows,
        [w * inch for w in widths],
        right_columns=tuple(range(len(header) - 3, len(header))),
        footer=[footer],
    )


def _payment_statement(superbill: Superbill) -> Flowable:
    """The payment table with, beside it, whether the client paid in full, in part or not at
    all (what the insurer needs to decide whom it reimburses)."""
    paid, total = superbill.amount_paid, superbill.total_charge
    due = max(superbill.balance, Decimal("0.00"))
    if superbill.paid_by:
        methods = ", ".join(_PAYMENT[m] for m, _a in superbill.paid_by)
        paid_rows = [[f"Paid by {_PAYMENT[m]}", money(a)] for m, a in superbill.paid_by]
        if len(paid_rows) > 1:
            paid_rows.append(["Amount paid", money(paid)])
    else:
        methods = ", ".join(_PAYMENT[m] for m in superbill.payment_methods) if paid else ""
        paid_rows = [[f"Amount paid{' by ' + methods if methods else ''}", money(paid)]]
    how = f" by {methods}" if methods else ""
    rows = [["Total charges", money(total)], *paid_rows, ["Balance due", money(due)]]
    table = data_table(["Payment", "Amount"], rows, [2.4 * inch, 1.0 * inch], right_columns=(1,))
    if paid >= total:
        words = (
            f"PAID IN FULL: the client paid {money(paid)}{how} for the services listed. "
            "Please send any reimbursement to the insured member."
        )
    elif paid == 0:
        words = (
            "NOTHING PAID: the client has paid nothing toward the services listed; "
            f"{money(due)} is due to the practice."
        )
    else:
        words = (
            f"PARTLY PAID: the client paid {money(paid)}{how} toward the services listed; "
            f"{money(due)} is still due to the practice."
        )
    block = Table(
        [[table, text(words, "statement")]],
        colWidths=[3.6 * inch, CONTENT_WIDTH - 3.6 * inch],
        hAlign="LEFT",
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return block


def render_superbill(
    superbill: Superbill,
    *,
    notes: Sequence[SignedNote] = (),
    out: BinaryIO | None = None,
) -> bytes:
    """The superbill PDF; with ``notes``, a packet: the superbill then each SOAP note on a new page."""
    story = superbill_story(superbill)
    section_footers = {}
    for i, note in enumerate(sorted(notes, key=lambda n: n.visit_date)):
        template = f"note-{i}"
        section_footers[template] = soap_note_footer(note)
        story += [NextPageTemplate(template), PageBreak(), *soap_note_story(note)]
    billing = superbill.first.billing_provider
    return build_pdf(
        story,
        title="Superbill" + (" and SOAP notes" if notes else ""),
        letterhead=practice_letterhead(billing),
        footer=f"Superbill - {superbill.first.patient.name.display()}",
        section_footers=section_footers,
        out=out,
    )


@dataclass(frozen=True, slots=True)
class VisitFinding:
    """A scrub finding about one of the superbill's visits."""

    claim_id: str
    finding: Finding

    def __str__(self) -> str:
        where = f" (line {self.finding.line})" if self.finding.line else ""
        return (
            f"{self.claim_id}{where}: {self.finding.message} {self.finding.fix} "
            f"[{self.finding.rule}]"
        )


class SuperbillBlocked(DocumentError):
    """The superbill scrub found errors; ``errors`` says which visit and why."""

    def __init__(self, errors: Sequence[VisitFinding]) -> None:
        self.errors = tuple(errors)
        reasons = "\n".join(f"- {error}" for error in self.errors)
        super().__init__(f"The superbill cannot be issued:\n{reasons}")


def superbill_findings(superbill: Superbill, rules: Rules) -> list[VisitFinding]:
    """Run the scrubber's superbill subset on every visit, as of the issue date."""
    return [
        VisitFinding(claim.id, finding)
        for claim in superbill.claims
        for finding in scrub(claim, rules, superbill.issued_on, Purpose.SUPERBILL)
    ]


def issue_superbill(
    superbill: Superbill,
    rules: Rules,
    *,
    notes: Sequence[SignedNote] = (),
    out: BinaryIO | None = None,
) -> bytes:
    """Scrub, then render the superbill (and its SOAP notes as one packet).

    Raises SuperbillBlocked, with the reasons, when the scrub finds errors; nothing is
    rendered then. Warnings do not block (get them from ``superbill_findings``).
    """
    errors = [
        f for f in superbill_findings(superbill, rules) if f.finding.severity is Severity.ERROR
    ]
    if errors:
        raise SuperbillBlocked(errors)
    return render_superbill(superbill, notes=notes, out=out)


def practice_letterhead(billing: BillingProvider) -> Letterhead:
    """The billing practice's name, address, phone and NPI for the top of each page."""
    address = billing.address
    lines = [f"{address.line1}, {address.city}, {address.state} {address.zip_formatted}"]
    if billing.phone:
        lines.append(phone(billing.phone))
    lines.append(f"NPI {billing.npi}")
    return Letterhead(billing.name, tuple(lines))
