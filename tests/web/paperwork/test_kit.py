"""The client's reimbursement kit per coverage, and the call answers typed back into it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.audit.models import Action, AuditEvent
from knead.clients.models import Coverage, Tristate, VerificationCall

from .conftest import add_visit, pdf_text

pytestmark = pytest.mark.django_db


def test_kit_has_the_clients_numbers_and_what_to_expect_back(as_role, paper):
    coverage = paper["coverage"]
    today = timezone.localdate()
    coverage.benefit_year_start = today - dt.timedelta(days=100)
    coverage.deductible_met = Decimal("500.00")
    coverage.save()
    for days_ago in range(1, 9):  # 8 visits used this benefit year
        add_visit(paper, today - dt.timedelta(days=days_ago))
    response = as_role("front_desk").get(reverse("paperwork:coverage_kit", args=[coverage.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for fact in ("MEMBER ID EVG123456789", "GROUP NUMBER GRP-778", "PRACTICE NPI 1234567893",
                 "THERAPIST NPI 1558598797", "PRACTICE TAX ID 91-1234567", "97124",
                 "M54.50 Low back pain, unspecified"):  # fmt: skip
        assert fact in text, fact
    # Out of network (no credentialing): after the $500 deductible, 50% of the $120.00 charge.
    assert "After your $500.00 deductible, 50% of $120.00 = $60.00 per visit." in text
    assert "12 of 20 visits left this year." in text  # 20 - 8
    assert "Is massage therapy, CPT 97124, covered under my plan?" in text


def test_kit_says_how_much_deductible_is_left(as_role, paper):
    coverage = paper["coverage"]
    coverage.deductible_met = Decimal("400.00")
    coverage.save()
    add_visit(paper, dt.date(2026, 3, 4))
    text = pdf_text(
        as_role("therapist").get(reverse("paperwork:coverage_kit", args=[coverage.pk])).content
    )
    # $100 still to meet: the next $120 visit pays $100 to the deductible, 50% of $20 = $10.
    assert "$100.00 of your deductible is still to meet this year" in text
    assert "expect $10.00 back" in text


def test_kit_without_any_visit_explains_what_is_missing(as_role, paper):
    response = as_role("therapist").get(
        reverse("paperwork:coverage_kit", args=[paper["coverage"].pk]), follow=True
    )
    assert "Record a visit first" in response.content.decode()


def test_call_answers_update_the_coverage_and_log_the_call(as_role, paper):
    coverage = paper["coverage"]
    add_visit(paper, dt.date(2026, 3, 4))
    url = reverse("paperwork:coverage_answers", args=[coverage.pk])
    client = as_role("front_desk")
    assert "Record the call answers" in client.get(url).content.decode()
    response = client.post(url, {
        "called_on": "2026-03-05", "representative": "Sam", "reference_number": "REF-991",
        "massage_covered": "yes", "visits_per_year": "24", "deductible": "750.00",
        "deductible_met": "125.00", "out_of_network_percent": "60", "referral_required": "no",
        "preauth_required": "yes", "notes": "Covered with pre-auth after 12 visits.",
    })  # fmt: skip
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.visits_per_year == 24
    assert coverage.deductible == Decimal("750.00")
    assert coverage.deductible_met == Decimal("125.00")
    assert coverage.out_of_network_percent == Decimal("60")
    assert coverage.referral_required == Tristate.NO
    assert coverage.preauth_required == Tristate.YES
    assert coverage.group_number == "GRP-778"  # not asked: unchanged
    call = VerificationCall.objects.get(coverage=coverage, reference_number="REF-991")
    assert (call.called_on, call.representative) == (dt.date(2026, 3, 5), "Sam")
    update = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(coverage.pk))
    assert update.detail == (
        "fields: deductible, deductible_met, out_of_network_percent, preauth_required, "
        "referral_required, visits_per_year"
    )
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="clients.verificationcall"
    ).exists()
    assert "Sam" not in update.detail and "REF-991" not in update.detail


def test_call_answers_that_contradict_each_other_save_nothing(as_role, paper):
    coverage = paper["coverage"]
    url = reverse("paperwork:coverage_answers", args=[coverage.pk])
    response = as_role("biller").post(url, {
        "called_on": "2026-03-05", "deductible": "100.00", "deductible_met": "250.00",
        "notes": "Rep said 250 met of 100?",
    })  # fmt: skip
    assert response.status_code == 200
    assert "The amount met cannot be more than the deductible." in response.content.decode()
    coverage.refresh_from_db()
    assert coverage.deductible == Decimal("500.00")
    assert not VerificationCall.objects.filter(coverage=coverage).exists()
    assert Coverage.objects.get(pk=coverage.pk).deductible_met == Decimal("500.00")


def test_call_answers_form_shows_what_is_on_file(as_role, paper):
    url = reverse("paperwork:coverage_answers", args=[paper["coverage"].pk])
    html = as_role("biller").get(url).content.decode()
    assert 'placeholder="on file: 500.00"' in html  # the deductible
    assert 'placeholder="on file: 20"' in html  # visits per year
    assert "No change (on file: Yes)" in html  # massage covered
