"""Records refuse bad identifiers, codes and dates with messages in plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from knead.clients.models import Authorization, Case, Client, Coverage, InjuryKind, Referral
from knead.practice.models import Practice, Provider
from knead.visits.forms import parse_diagnoses, parse_modifiers, parse_pointers

pytestmark = pytest.mark.django_db


def provider(practice: Practice, **overrides) -> Provider:
    fields = {
        "practice": practice,
        "first_name": "Ann",
        "last_name": "Lee",
        "npi": "1234567893",
        "licence_state": "WA",
        "licence_number": "MA1",
    } | overrides
    return Provider(**fields)


def errors_of(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        record.full_clean()
    return raised.value.message_dict


def test_provider_npi_with_a_wrong_check_digit_is_refused_and_the_right_digit_named(practice):
    # billing-rules.md §5.1: base 123456789 has check digit 3.
    messages = errors_of(provider(practice, npi="1234567890"))["npi"]
    assert messages == [
        "NPI 1234567890 fails its check digit: the last digit should be 3. Check for a typo."
    ]


def test_provider_npi_from_the_cms_example_is_accepted(practice):
    provider(practice, npi="1234567893").full_clean()


@pytest.mark.parametrize(
    ("npi", "reason"), [("123456789", "exactly 10 digits"), ("3234567893", "starts with 1")]
)
def test_provider_npi_of_the_wrong_shape_is_refused(practice, npi, reason):
    assert reason in errors_of(provider(practice, npi=npi))["npi"][0]


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("EIN", "07-1234567", "never assigns that prefix"),
        ("EIN", "12-345", "9 digits"),
        ("SSN", "000-12-3456", "No SSN starts with 000"),
        ("SSN", "123-00-4567", "never 00"),
    ],
)
def test_tax_ids_are_checked_by_kind(practice, kind, value, reason):
    assert reason in errors_of(provider(practice, tax_id_kind=kind, tax_id=value))["tax_id"][0]


@pytest.mark.parametrize(("kind", "value"), [("EIN", "91-1234567"), ("SSN", "123-45-6789")])
def test_well_formed_tax_ids_are_accepted(practice, kind, value):
    provider(practice, tax_id_kind=kind, tax_id=value).full_clean()


@pytest.mark.parametrize(
    ("codes", "reason"),
    [
        ("M54.5", "M54.5 is a heading, not a billable code"),
        ("M79.1", "M79.1 is a heading"),
        ("S16.1", "S16.1 needs a 7th character"),
        ("Q99.99", "not in the ICD-10-CM code set"),
        ("12345", "not shaped like"),
    ],
)
def test_diagnoses_that_cannot_be_billed_are_refused_with_the_reason(codes, reason):
    with pytest.raises(ValidationError) as raised:
        parse_diagnoses(codes)
    assert reason in " ".join(raised.value.messages)


def test_billable_diagnoses_are_kept_in_order_in_wire_form():
    assert parse_diagnoses("s16.1xxa, M54.50 m62.830") == ["S161XXA", "M5450", "M62830"]


def test_more_than_twelve_diagnoses_are_refused():
    thirteen = "M54.50 M54.2 M62.830 M79.18 G44.209 M25.511 M25.512 M54.16 M62.81 M54.12 M79.10 M79.11 M79.12"
    with pytest.raises(ValidationError, match="at most 12 diagnoses; you entered 13"):
        parse_diagnoses(thirteen)


def test_pointers_accept_letters_or_numbers_and_refuse_a_fifth():
    assert parse_pointers("A C") == [1, 3]
    assert parse_pointers("1,2") == [1, 2]
    with pytest.raises(ValidationError, match="at most 4"):
        parse_pointers("ABCDE")


def test_modifiers_must_be_known_and_at_most_four():
    assert parse_modifiers("gp 59") == ["GP", "59"]
    with pytest.raises(ValidationError, match="at most 4"):
        parse_modifiers("GP 59 XS KX 76")
    with pytest.raises(ValidationError, match="ZZ"):
        parse_modifiers("ZZ")


def test_referral_diagnoses_and_prescriber_npi_are_checked(practice):
    client = Client.objects.create(
        practice=practice, first_name="A", last_name="B", date_of_birth=dt.date(1990, 1, 1)
    )
    referral = Referral(
        practice=practice,
        client=client,
        prescriber_name="Dr. X",
        prescriber_npi="1234567890",
        diagnoses="M54.5",
        issued_on=dt.date(2026, 1, 1),
    )
    messages = errors_of(referral)
    assert "check digit" in messages["prescriber_npi"][0]
    assert "heading" in messages["diagnoses"][0]


def test_impossible_dates_are_refused(practice, records):
    client = records["client"]
    assert (
        "future"
        in errors_of(
            Client(
                practice=practice,
                first_name="A",
                last_name="B",
                date_of_birth=dt.date.today() + dt.timedelta(days=1),
            )
        )["date_of_birth"][0]
    )
    coverage = Coverage(
        practice=practice,
        client=client,
        payer=records["payer"],
        member_id="M",
        effective_on=dt.date(2026, 5, 1),
        terminates_on=dt.date(2026, 4, 1),
    )
    assert errors_of(coverage)["terminates_on"] == ["The policy cannot end before it starts."]
    auth = Authorization(
        practice=practice,
        client=client,
        payer=records["payer"],
        number="A1",
        visits_approved=3,
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 4, 1),
    )
    assert errors_of(auth)["ends_on"] == ["The authorization cannot end before it starts."]


def test_an_auto_case_needs_the_accident_state_and_a_wc_case_the_employer(practice, records):
    auto = Case(
        practice=practice,
        client=records["client"],
        kind=InjuryKind.AUTO,
        accident_date=dt.date(2026, 1, 1),
    )
    assert "state" in errors_of(auto)["accident_state"][0]
    wc = Case(
        practice=practice,
        client=records["client"],
        kind=InjuryKind.EMPLOYMENT,
        accident_date=dt.date(2026, 1, 1),
        accident_state="WA",
    )
    assert "employer" in errors_of(wc)["employer_name"][0]
