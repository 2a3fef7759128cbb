"""Fixtures for the practice app: two practices, a user per role, and a small set of records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from knead.accounts.models import User
from knead.clients.models import (
    Authorization,
    Case,
    Client,
    Coverage,
    InjuryKind,
    Referral,
    VerificationCall,
)
from knead.practice.models import (
    ContractRate,
    Credentialing,
    FeeScheduleEntry,
    Membership,
    Payer,
    Practice,
    Provider,
    Role,
)
from knead.visits.models import ServiceLine, Visit

from .mailserver import mailbox  # noqa: F401 (fixture: a real SMTP server on loopback)

PASSWORD = "correct-horse-battery-staple"
# Valid NPIs: 1234567893 is CMS's worked example; the others are computed by hand with the
# Luhn + 24 rule in billing-rules.md §5.1 (1000000004 is its derived example).
NPI_A = "1234567893"
NPI_B = "1000000004"


def make_user(username: str, practice: Practice, role: Role) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    Membership.objects.create(user=user, practice=practice, role=role)
    return user


def make_practice_records(practice: Practice, therapist: User, npi: str, tag: str) -> dict:
    """A provider, payer, client with coverage, case, referral, authorization and a visit."""
    provider = Provider.objects.create(
        practice=practice,
        first_name="Ann",
        last_name=f"Therapist{tag}",
        npi=npi,
        licence_state="WA",
        licence_number=f"MA{tag}1",
        user=therapist,
    )
    payer = Payer.objects.create(
        practice=practice, name=f"Payer {tag}", payer_id=f"P{tag}", unit_rule="cms"
    )
    fee = FeeScheduleEntry.objects.create(practice=practice, code="97124", charge=Decimal("30.00"))
    credentialing = Credentialing.objects.create(
        practice=practice, provider=provider, payer=payer, status="credentialed"
    )
    FeeScheduleEntry.objects.create(practice=practice, code="97140", charge=Decimal("35.00"))
    rate = ContractRate.objects.create(
        practice=practice, payer=payer, code="97124", allowed=Decimal("26.00")
    )
    client = Client.objects.create(
        practice=practice,
        first_name=f"Zelda{tag}",
        last_name=f"Quill{tag}",
        date_of_birth=dt.date(1980, 5, 6),
        phone="206-555-0101",
    )
    coverage = Coverage.objects.create(
        practice=practice, client=client, payer=payer, member_id=f"MEM{tag}"
    )
    call = VerificationCall.objects.create(
        practice=practice, coverage=coverage, called_on=dt.date(2026, 1, 5), notes="ok"
    )
    case = Case.objects.create(
        practice=practice,
        client=client,
        kind=InjuryKind.AUTO,
        payer=payer,
        claim_number=f"CLM{tag}",
        accident_date=dt.date(2026, 1, 2),
        accident_state="WA",
    )
    referral = Referral.objects.create(
        practice=practice,
        client=client,
        prescriber_name="Dr. Who",
        prescriber_npi=NPI_A,
        diagnoses="M54.50",
        issued_on=dt.date(2026, 1, 3),
    )
    authorization = Authorization.objects.create(
        practice=practice,
        client=client,
        payer=payer,
        number=f"AUTH{tag}",
        visits_approved=10,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    visit = Visit.objects.create(
        practice=practice,
        client=client,
        provider=provider,
        date=dt.date(2026, 3, 4),
        coverage=coverage,
        subjective="Neck pain",
        objective="Tight traps",
        assessment="Improving",
        plan="Weekly",
        diagnoses=["M5450"],
    )
    ServiceLine.objects.create(
        visit=visit, code="97124", minutes=30, units=2, charge=Decimal("60.00"), pointers=[1]
    )
    return {
        "provider": provider,
        "payer": payer,
        "client": client,
        "coverage": coverage,
        "call": call,
        "case": case,
        "referral": referral,
        "authorization": authorization,
        "visit": visit,
        "fee": fee,
        "rate": rate,
        "credentialing": credentialing,
    }


@pytest.fixture
def practice(db) -> Practice:
    return Practice.objects.create(name="Practice A", state="WA")


@pytest.fixture
def other_practice(db) -> Practice:
    return Practice.objects.create(name="Practice B", state="WA")


@pytest.fixture
def users(practice) -> dict[str, User]:
    return {role.value: make_user(f"{role.value}_a", practice, role) for role in Role}


@pytest.fixture
def records(practice, users) -> dict:
    return make_practice_records(practice, users["therapist"], NPI_A, "A")


@pytest.fixture
def other_records(other_practice) -> dict:
    owner_b = make_user("owner_b", other_practice, Role.OWNER)
    therapist_b = make_user("therapist_b", other_practice, Role.THERAPIST)
    return {"owner": owner_b, **make_practice_records(other_practice, therapist_b, NPI_B, "B")}


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def as_role(users):
    """``as_role("owner")`` returns a test client signed in with that role in practice A."""
    return lambda role: signed_in(users[role])
