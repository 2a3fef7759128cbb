"""The billing pages render for the roles that may use them, refuse the others, never show
another practice's records, and the claim page gates DRAFT claims on the scrubber."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.accounts.models import User
from knead.ledger.statements import issue_statement
from knead.practice.models import Membership, Role
from knead.remittance.models import Appeal, Remittance

from .factories import BILLING_RECORD_URLS, make_billing_records


@pytest.fixture
def two_practices(practice, other_practice, users):
    mine = make_billing_records(
        practice, {"provider_user": users["therapist"], "owner": users["owner"]}
    )
    owner_b = User.objects.create_user("owner_b2", password="x-very-long-password-1")
    Membership.objects.create(user=owner_b, practice=other_practice, role=Role.OWNER)
    theirs = make_billing_records(other_practice, {"owner": owner_b})
    return mine, theirs


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "biller", "front_desk", "therapist"])
@pytest.mark.parametrize("url_name", sorted(BILLING_RECORD_URLS))
def test_another_practices_billing_records_are_not_found(url_name, role, as_role, two_practices):
    _mine, theirs = two_practices
    target = theirs[BILLING_RECORD_URLS[url_name]]
    response = as_role(role).get(reverse(url_name, args=[target.pk]))
    assert response.status_code in (403, 404, 405)
    response = as_role(role).post(
        reverse(url_name, args=[target.pk]), {"action": "write_off", "reason": "x"}
    )
    assert response.status_code in (403, 404, 405)
    assert b"Example" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "claims:list",
        "claims:batches",
        "remittance:list",
        "remittance:queue",
        "claims:new",
        "remittance:reports",
        "remittance:service",
        "dashboard:home",
    ],
)
def test_lists_render_and_show_only_this_practice(url_name, as_role, two_practices):
    _mine, theirs = two_practices
    response = as_role("owner").get(reverse(url_name))
    assert response.status_code == 200
    assert theirs["claim"].claim_id.encode() not in response.content or url_name == "claims:new"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["claim", "remittance", "ack", "appeal", "work_item", "eligibility", "batch"]
)
def test_record_pages_render(key, as_role, two_practices):
    mine, _theirs = two_practices
    assert as_role("biller").get(mine[key].get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["aging", "denials", "days", "collections", "write_offs", "visits"]
)
def test_reports_have_a_chart_or_table_and_a_csv(name, as_role, two_practices):
    client = as_role("biller")
    page = client.get(reverse("remittance:report", args=[name]))
    assert page.status_code == 200
    csv = client.get(reverse("remittance:report", args=[name]), {"format": "csv"})
    assert csv["Content-Type"] == "text/csv; charset=utf-8" and csv["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_aging_chart_is_inline_svg(as_role, two_practices):
    page = as_role("owner").get(reverse("remittance:report", args=["aging"]))
    assert b"<svg" in page.content and b"Evergreen Health Plan" in page.content


@pytest.mark.django_db
def test_ledger_statement_and_appeal_packet_are_pdfs(as_role, two_practices):
    mine, _ = two_practices
    client = as_role("biller")
    # The old statement address leads to the client's account, where statements are kept.
    old = client.get(reverse("remittance:statement", args=[mine["client"].pk]))
    assert old["Location"] == reverse("ledger:client", args=[mine["client"].pk]) + "#statements"
    kept = issue_statement(mine["client"], period_end=timezone.localdate(), user=None)
    statement = client.get(reverse("ledger:statement_pdf", args=[kept.pk]))
    assert statement.content.startswith(b"%PDF") and statement["Cache-Control"] == "no-store"
    packet = client.get(reverse("remittance:appeal_pdf", args=[mine["appeal"].pk]))
    assert packet.content.startswith(b"%PDF")
    form = client.get(reverse("claims:cms1500", args=[mine["claim"].pk]))
    assert form.content.startswith(b"%PDF") and form["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_therapist_cannot_open_the_claims(as_role, two_practices):
    assert as_role("therapist").get(reverse("claims:list")).status_code == 403


@pytest.mark.django_db
def test_re_uploading_an_835_says_it_was_already_imported(as_role, two_practices):
    mine, _ = two_practices
    remittance = mine["remittance"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_role("biller")
    before = remittance.postings.count()
    response = client.post(
        reverse("remittance:upload"),
        {"file": SimpleUploadedFile("again.835", remittance.content.encode())},
        follow=True,
    )
    assert "already imported" in response.content.decode()
    assert Remittance.objects.get(pk=remittance.pk).postings.count() == before
    assert Appeal.objects.count() == 2
