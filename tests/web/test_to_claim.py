"""A visit becomes a core claim with the practice's facts."""

from __future__ import annotations

import datetime as dt

import pytest

from knead.billing.claim import InjuryKind, PersonName
from knead.clients.models import Referral
from knead.visits.models import Visit
from knead.visits.to_claim import claim_for_visit, split_prescriber

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "first", "last", "credentials"),
    [
        ("Dr. Catherine Francis MD", "Catherine", "Francis", "MD"),
        ("Lee Nguyen, DC", "Lee", "Nguyen", "DC"),
        ("Doctor Ana María de la Cruz", "Ana María de la", "Cruz", None),
        ("Prince", "", "Prince", None),
    ],
)
def test_prescriber_names_are_split_into_name_and_credentials(written, first, last, credentials):
    assert split_prescriber(written) == (PersonName(last=last, first=first), credentials)


def test_a_visit_on_an_auto_case_bills_the_carrier_with_the_accident_facts(records):
    visit: Visit = records["visit"]
    referral = Referral.objects.create(
        practice=visit.practice,
        client=visit.client,
        prescriber_name="Dr. Catherine Francis MD",
        prescriber_npi="1234567893",
        diagnoses="M54.50",
        issued_on=dt.date(2026, 2, 1),
        visits_allowed=12,
    )
    Visit.objects.filter(pk=visit.pk).update(case=records["case"], referral=referral)
    claim = claim_for_visit(Visit.objects.get(pk=visit.pk))
    assert claim.id == f"V{visit.pk:07d}"
    assert claim.injury.kind is InjuryKind.AUTO and claim.injury.claim_number == "CLMA"
    assert claim.injury.state == "WA" and claim.injury.accident_date == dt.date(2026, 1, 2)
    assert claim.coverage.payer.payer_id == "PA" and claim.coverage.subscriber.member_id == "CLMA"
    assert (
        claim.referring_provider.name.last == "Francis"
        and claim.referring_provider.credentials == "MD"
    )
    assert claim.referral.visits_used == 0 and claim.referral.visits_allowed == 12
    assert [(line.code, line.units, str(line.charge)) for line in claim.lines] == [
        ("97124", 2, "60.00")
    ]
    assert claim.diagnoses == ("M5450",)
