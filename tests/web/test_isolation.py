"""A user of practice A can never read, list, search, export or guess the URL of practice B's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from knead.audit.models import AuditEvent
from knead.clients.models import Client, Coverage
from knead.ledger.services import record_payment
from knead.ledger.statements import issue_statement
from knead.visits.models import Visit

from .billing.factories import BILLING_RECORD_URLS, make_billing_records
from .conftest import signed_in

# Every URL that takes a record id, with the record of practice B it is tried with.
RECORD_URLS = {
    "clients:detail": "client",
    "clients:edit": "client",
    "clients:delete": "client",
    "clients:restore": "client",
    "clients:coverage_new": "client",
    "clients:case_new": "client",
    "clients:referral_new": "client",
    "clients:authorization_new": "client",
    "clients:coverage": "coverage",
    "clients:coverage_edit": "coverage",
    "clients:coverage_verify": "coverage",
    "clients:case_edit": "case",
    "clients:referral_edit": "referral",
    "clients:referral_document": "referral",
    "clients:authorization_edit": "authorization",
    "practice:provider": "provider",
    "practice:provider_edit": "provider",
    "practice:credentialing_new": "provider",
    "practice:credentialing_edit": "credentialing",
    "practice:fee_edit": "fee",
    "practice:payer": "payer",
    "practice:payer_edit": "payer",
    "practice:rate_new": "payer",
    "practice:rate_edit": "rate",
    "practice:rate_delete": "rate",
    "visits:detail": "visit",
    "visits:edit": "visit",
    "visits:sign": "visit",
    "visits:amend": "visit",
    "visits:correct": "visit",
    "paperwork:visit": "visit",
    "paperwork:visit_superbill": "visit",
    "paperwork:visit_soap_note": "visit",
    "paperwork:visit_cms1500": "visit",
    "paperwork:visit_necessity": "visit",
    "paperwork:client": "client",
    "paperwork:client_superbill": "client",
    "paperwork:client_cms1500": "client",
    "paperwork:coverage_kit": "coverage",
    "paperwork:coverage_answers": "coverage",
}
POST_ONLY = {
    "clients:delete",
    "clients:restore",
    "clients:coverage_verify",
    "visits:sign",
    "visits:amend",
    "practice:rate_delete",
}
# The billing apps' URLs, tried with practice B's claims, batches, remittances and appeals.
RECORD_URLS |= BILLING_RECORD_URLS
# The ledger's URLs, tried with practice B's client, visit, receipt and statement.
LEDGER_RECORD_URLS = {
    "ledger:client": "client",
    "ledger:payment_new": "client",
    "ledger:refund_new": "client",
    "ledger:credit_apply": "client",
    "ledger:statement_new": "client",
    "ledger:checkout": "visit",
    "ledger:receipt": "payment",
    "ledger:statement": "statement",
    "ledger:statement_pdf": "statement",
}
RECORD_URLS |= LEDGER_RECORD_URLS
# The Jobs page's URLs, tried with a failed job of practice B.
JOBS_RECORD_URLS = {"jobs:row": "job", "jobs:retry": "job"}
RECORD_URLS |= JOBS_RECORD_URLS
POST_ONLY |= {
    "claims:scrub",
    "claims:move",
    "remittance:secondary",
    "claims:correct",
    "claims:batch_send",
    "claims:eligibility_new",
    "claims:eligibility_import",
    "remittance:act",
    "remittance:appeal_new",
    "remittance:payment_new",
    "ledger:payment_new",
    "ledger:refund_new",
    "ledger:statement_new",
    "ledger:credit_apply",
    "jobs:retry",
}


@pytest.fixture
def other_billing_records(other_practice, other_records) -> dict:
    """Practice B's claims, batch, 999, remittance, work item, appeal and eligibility check,
    made only for the tests of billing URLs (posting an 835 takes a moment)."""
    billing = make_billing_records(
        other_practice,
        {"owner": other_records["owner"], "provider_user": other_records["provider"].user},
    )
    return {**billing, "client": other_records["client"], "coverage": other_records["coverage"]}


@pytest.fixture
def other_ledger_records(other_records) -> dict:
    """Practice B's receipt and statement: a $40.00 cash payment, then a statement."""
    client = other_records["client"]
    payment = record_payment(
        client,
        amount=Decimal("40.00"),
        method="cash",
        received_on=dt.date(2026, 3, 4),
        user=other_records["owner"],
    )
    statement = issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    return {**other_records, "payment": payment, "statement": statement}


@pytest.fixture
def other_job_records(other_practice, other_records) -> dict:
    """Practice B's failed 835 import job."""
    from knead.jobs.models import Job, JobState

    job = Job.objects.create(
        practice=other_practice, kind="era_import",
        args={"remittance": 0}, token="t", state=JobState.FAILED, error="stopped",
    )  # fmt: skip
    return {**other_records, "job": job}


def _named_patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found += _named_patterns(entry, namespace)
        elif entry.name:
            found.append((f"{prefix}{entry.name}", entry))
    return found


def test_every_url_with_a_record_id_is_covered_by_the_isolation_suite():
    with_ids = {
        name
        for name, pattern in _named_patterns(get_resolver())
        if "<int:" in str(pattern.pattern) and not name.startswith("admin:")
    }
    assert with_ids - set(RECORD_URLS) == set(), "add the new URL to RECORD_URLS"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "therapist", "front_desk", "biller"])
@pytest.mark.parametrize("url_name", sorted(RECORD_URLS))
def test_guessing_another_practices_record_url_finds_nothing(
    url_name, role, as_role, records, other_records, request
):
    targets = other_records
    if url_name in BILLING_RECORD_URLS:
        targets = request.getfixturevalue("other_billing_records")
    if url_name in LEDGER_RECORD_URLS:
        targets = request.getfixturevalue("other_ledger_records")
    if url_name in JOBS_RECORD_URLS:
        targets = request.getfixturevalue("other_job_records")
    target = targets[RECORD_URLS[url_name]]
    url = reverse(url_name, args=[target.pk])
    client = as_role(role)
    response = (
        client.post(url, {"reason": "x", "text": "y", "called_on": "2026-01-01", "notes": "z"})
        if url_name in POST_ONLY
        else client.get(url)
    )
    # 404 when the role may use the page; 403 when the role may not use it at all.
    assert response.status_code in (403, 404)
    assert other_records["client"].first_name.encode() not in response.content


@pytest.mark.django_db
def test_posting_to_another_practices_records_changes_nothing(as_role, records, other_records):
    visit_b = other_records["visit"]
    client = as_role("owner")
    client.post(reverse("visits:sign", args=[visit_b.pk]))
    client.post(reverse("clients:delete", args=[other_records["client"].pk]))
    client.post(
        reverse("clients:coverage_verify", args=[other_records["coverage"].pk]),
        {"called_on": "2026-02-02", "notes": "hi"},
    )
    visit_b.refresh_from_db()
    assert visit_b.signed_at is None
    assert Client.objects.get(pk=other_records["client"].pk).deleted_at is None
    assert other_records["coverage"].verifications.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "clients:list",
        "visits:list",
        "practice:providers",
        "practice:payers",
        "practice:fees",
        "dashboard:home",
        "audit:log",
    ],
)
def test_lists_show_only_the_current_practice(url_name, as_role, records, other_records):
    response = as_role("owner").get(reverse(url_name))
    assert response.status_code == 200
    for marker in ("QuillB", "TherapistB", "Payer B"):
        assert marker.encode() not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("clients:list", "QuillB"),
        ("clients:list", "MEMB"),
        ("visits:list", "QuillB"),
        ("practice:providers", "TherapistB"),
        ("practice:payers", "Payer B"),
    ],
)
def test_search_never_reaches_another_practice(url_name, query, as_role, records, other_records):
    response = as_role("owner").get(reverse(url_name), {"q": query})
    assert list(response.context["page_obj"]) == []


@pytest.mark.django_db
def test_search_finds_the_current_practices_records(as_role, records):
    response = as_role("owner").get(reverse("clients:list"), {"q": "quilla zelda"})
    assert list(response.context["page_obj"]) == [records["client"]]


@pytest.mark.django_db
def test_forms_refuse_another_practices_payer(as_role, records, other_records):
    client = as_role("owner")
    response = client.post(
        reverse("clients:coverage_new", args=[records["client"].pk]),
        {
            "payer": other_records["payer"].pk,
            "priority": 1,
            "member_id": "X1",
            "relationship": "self",
            "massage_covered": "unknown",
            "referral_required": "unknown",
            "preauth_required": "unknown",
            "deductible_met": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Coverage.objects.filter(member_id="X1").exists()


@pytest.mark.django_db
def test_visit_form_refuses_another_practices_client(as_role, records, other_records):
    response = as_role("owner").post(
        reverse("visits:new"),
        {
            "client": other_records["client"].pk,
            "provider": records["provider"].pk,
            "date": "2026-03-05",
            "place_of_service": "11",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Visit.objects.filter(client=other_records["client"], date="2026-03-05").exists()


@pytest.mark.django_db
def test_a_billing_service_sees_each_practice_only_when_working_in_it(
    practice, other_practice, records, other_records
):
    from knead.practice.models import Membership, Role

    biller = other_records["owner"]  # already a member of B; add a biller role in A
    Membership.objects.create(user=biller, practice=practice, role=Role.BILLER)
    client = signed_in(biller)
    client.post(reverse("accounts:switch"), {"practice": practice.pk})
    in_a = client.get(reverse("clients:list"))
    assert b"QuillA" in in_a.content and b"QuillB" not in in_a.content
    client.post(reverse("accounts:switch"), {"practice": other_practice.pk})
    in_b = client.get(reverse("clients:list"))
    assert b"QuillB" in in_b.content and b"QuillA" not in in_b.content


@pytest.mark.django_db
def test_switching_to_a_practice_you_do_not_belong_to_is_refused(as_role, records, other_practice):
    client = as_role("owner")
    client.post(reverse("accounts:switch"), {"practice": other_practice.pk})
    assert b"QuillA" in client.get(reverse("clients:list")).content


@pytest.mark.django_db
def test_the_audit_trail_of_one_practice_never_shows_anothers(
    as_role, practice, records, other_records
):
    signed_in(other_records["owner"]).get(
        reverse("clients:detail", args=[other_records["client"].pk])
    )
    assert AuditEvent.objects.filter(practice=other_records["client"].practice).exists()
    owner = as_role("owner")
    owner.get(reverse("clients:detail", args=[records["client"].pk]))
    page = owner.get(reverse("audit:log"))
    shown = list(page.context["page_obj"])
    assert shown and {event.practice_id for event in shown} == {practice.pk}
