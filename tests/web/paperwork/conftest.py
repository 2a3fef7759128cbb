"""A complete practice for paperwork: every fact a superbill, a CMS-1500 and a kit print.

Valid NPIs: 1234567893 (CMS's worked example) and 1558598797 (billing-rules.md §5.1's second
example); 1245319599 and 1003000126 are further check-digit-valid NPIs computed with the same
Luhn + 24 rule. EIN 91-1234567 has a valid IRS prefix (91).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from knead.clients.models import Case, Client, Coverage, InjuryKind, Referral, Tristate
from knead.ledger.services import charge_visit
from knead.practice.models import FeeScheduleEntry, Payer, PayerKind, Provider
from knead.visits.models import Amendment, ServiceLine, Visit

GROUP_NPI = "1234567893"
THERAPIST_NPI = "1558598797"
DOCTOR_NPI = "1245319599"


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All pages' text with runs of white space made single spaces."""
    return re.sub(r"\s+", " ", " ".join(pdf_pages(data)))


def signed_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))


def add_visit(
    paper: dict,
    day: dt.date,
    *,
    lines: list[tuple[str, int, int, str]] = (("97124", 60, 4, "120.00"),),
    diagnoses: list[str] | None = None,
    sign: bool = True,
    client: Client | None = None,
    coverage: Coverage | None = None,
    case: Case | None = None,
    referral: Referral | None = None,
    objective: str = "Hypertonic upper trapezius bilaterally; cervical rotation limited to 60 degrees.",
    billing_path: str = "",
    provider: Provider | None = None,
) -> Visit:
    """A visit with (code, minutes, units, charge) lines, each pointing at diagnosis A.
    ``billing_path`` blank: the visit's own default from its coverage or case."""
    visit = Visit.objects.create(
        practice=paper["practice"],
        billing_path=billing_path,
        client=client or paper["client"],
        provider=provider or paper["provider"],
        date=day,
        coverage=coverage if coverage is not None else paper["coverage"],
        case=case,
        referral=referral,
        subjective="Neck pain after long days at the desk, 6/10.",
        objective=objective,
        assessment="Improving: rotation up 10 degrees since last visit.",
        plan="Weekly for 6 weeks\nRestore full cervical rotation",
        diagnoses=diagnoses or ["M5450", "M62830"],
        pain_before=6,
        pain_after=3,
        techniques="Swedish, trigger point",
        body_regions=["neck", "shoulders"],
    )
    for position, (code, minutes, units, charge) in enumerate(lines, start=1):
        ServiceLine.objects.create(
            visit=visit,
            position=position,
            code=code,
            minutes=minutes,
            units=units,
            charge=Decimal(charge),
            pointers=[1],
            modifiers=["GP"],
        )
    if sign:
        visit.signed_at = signed_at(day)
        visit.signed_by = paper["therapist"]
        visit.save()
        charge_visit(visit, user=paper["therapist"])  # as signing does
    return visit


@pytest.fixture(autouse=True)
def inline_jobs(settings) -> None:
    """Jobs (the month's batch) run before the request returns, as a worker would run them:
    django-tasks' inline backend; tests/web/jobs runs real workers."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def paper(practice, users) -> dict:
    """Practice A with a group NPI and EIN, a therapist, a payer, and a client with coverage."""
    practice.npi = GROUP_NPI
    practice.tax_id_kind, practice.tax_id = "EIN", "91-1234567"
    practice.address_line1, practice.city, practice.zip_code = "100 Cedar Lane", "Seattle", "98101"
    practice.phone = "206-555-0100"
    practice.save()
    therapist = users["therapist"]
    therapist.first_name, therapist.last_name = "Ana", "Rivera"
    therapist.save()
    provider = Provider.objects.create(
        practice=practice,
        first_name="Ana",
        last_name="Rivera",
        npi=THERAPIST_NPI,
        licence_state="WA",
        licence_number="MA60000001",
        user=therapist,
    )
    payer = Payer.objects.create(
        practice=practice,
        name="Evergreen Health Plan",
        payer_id="EVG01",
        kind=PayerKind.COMMERCIAL,
        unit_rule="cms",
    )
    FeeScheduleEntry.objects.create(practice=practice, code="97124", charge=Decimal("30.00"))
    client = Client.objects.create(
        practice=practice,
        first_name="Jordan",
        last_name="Example",
        date_of_birth=dt.date(1985, 3, 14),
        sex="F",
        address_line1="12 Maple St",
        city="Seattle",
        state="WA",
        zip_code="98103",
        phone="206-555-0142",
    )
    coverage = Coverage.objects.create(
        practice=practice,
        client=client,
        payer=payer,
        member_id="EVG123456789",
        group_number="GRP-778",
        deductible=Decimal("500.00"),
        deductible_met=Decimal("500.00"),
        out_of_network_percent=Decimal("50"),
        visits_per_year=20,
        massage_covered=Tristate.YES,
    )
    return {
        "practice": practice,
        "therapist": therapist,
        "provider": provider,
        "payer": payer,
        "client": client,
        "coverage": coverage,
    }


@pytest.fixture
def signed_visit(paper) -> Visit:
    """March 4, 2026: 60 minutes of 97124 = 4 units x $30 = $120, with one amendment."""
    visit = add_visit(paper, dt.date(2026, 3, 4))
    Amendment.objects.create(
        visit=visit,
        author=paper["therapist"],
        reason="Late entry",
        text="Client also reported headaches on waking.",
    )
    return visit


@pytest.fixture
def injury_visit(paper) -> Visit:
    auto = Payer.objects.create(
        practice=paper["practice"],
        name="Safe Roads Auto",
        payer_id="SRA01",
        kind=PayerKind.AUTO,
        claim_filing_indicator="AM",
    )
    case = Case.objects.create(
        practice=paper["practice"],
        client=paper["client"],
        kind=InjuryKind.AUTO,
        payer=auto,
        claim_number="PIP-2026-0042",
        accident_date=dt.date(2026, 2, 20),
        accident_state="WA",
    )
    referral = Referral.objects.create(
        practice=paper["practice"],
        client=paper["client"],
        prescriber_name="Dr. Lee Nguyen",
        prescriber_npi=DOCTOR_NPI,
        diagnoses="S13.4XXA",
        frequency="twice a week for 6 weeks",
        issued_on=dt.date(2026, 2, 25),
        visits_allowed=12,
    )
    return add_visit(
        paper, dt.date(2026, 3, 6), diagnoses=["S134XXA", "M62830"], case=case, referral=referral
    )
