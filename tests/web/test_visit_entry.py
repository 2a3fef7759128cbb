"""Recording a visit: SOAP note and service lines on one form, units from minutes under the
payer's rule, live unit and diagnosis checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from knead.visits.models import Visit
from knead.visits.services import sign_visit

pytestmark = pytest.mark.django_db


def visit_form(records, lines, **extra):
    data = {
        "client": records["client"].pk,
        "provider": records["provider"].pk,
        "date": "2026-04-01",
        "start_time": "10:00",
        "place_of_service": "11",
        "coverage": records["coverage"].pk,
        "subjective": "Low back pain 6/10",
        "objective": "Tight QL",
        "assessment": "Improving",
        "plan": "Weekly",
        "diagnosis_codes": "M54.50, M62.830",
        "body_regions": ["lower_back"],
        "pain_before": "6",
        "pain_after": "2",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
    }
    for index, (code, minutes, pointers) in enumerate(lines):
        data |= {
            f"lines-{index}-code": code,
            f"lines-{index}-minutes": str(minutes),
            f"lines-{index}-pointers": pointers,
            f"lines-{index}-modifiers": "",
        }
    return data | extra


def test_a_visit_with_two_timed_lines_gets_units_by_the_cms_rule(as_role, records):
    # CMS example 3 pattern (billing-rules.md §3.1): 33 + 7 minutes = 40 → 3 units; the first
    # 30 minutes of the longer code are 2 units, and its 3 left-over minutes lose to the other's 7.
    response = as_role("therapist").post(
        reverse("visits:new"), visit_form(records, [("97124", 33, "A"), ("97140", 7, "A B")])
    )
    assert response.status_code == 302
    visit = Visit.objects.get(date="2026-04-01")
    lines = [
        (line.code, line.minutes, line.units, line.charge, line.pointers)
        for line in visit.lines.all()
    ]
    # Fees: 97124 $30.00 and 97140 $35.00 per unit (conftest).
    assert lines == [
        ("97124", 33, 2, Decimal("60.00"), [1]),
        ("97140", 7, 1, Decimal("35.00"), [1, 2]),
    ]
    assert visit.diagnoses == ["M5450", "M62830"]
    assert not visit.is_signed


def test_the_ama_rule_rounds_each_code_on_its_own(as_role, records):
    records["payer"].unit_rule = "ama"
    records["payer"].save()
    as_role("therapist").post(
        reverse("visits:new"), visit_form(records, [("97124", 33, "A"), ("97140", 7, "A")])
    )
    # AMA per code: 33 min → 2 units (≥ 23), 7 min → 0 units (< 8).
    assert [
        (line.code, line.units) for line in Visit.objects.get(date="2026-04-01").lines.all()
    ] == [("97124", 2), ("97140", 0)]


def test_bad_lines_are_refused_with_the_reason_next_to_the_field_and_nothing_is_saved(
    as_role, records
):
    response = as_role("therapist").post(
        reverse("visits:new"),
        visit_form(records, [("99999", 10, "A"), ("97124", 20, "Z")], diagnosis_codes="M54.5"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "99999 is not a code Knead knows" in page
    assert "Point to diagnoses by letter" in page
    assert "M54.5 is a heading, not a billable code" in page
    assert not Visit.objects.filter(date="2026-04-01").exists()


def test_the_same_code_on_two_lines_is_refused(as_role, records):
    response = as_role("therapist").post(
        reverse("visits:new"), visit_form(records, [("97124", 20, "A"), ("97124", 10, "A")])
    )
    assert "97124 appears on more than one line" in response.content.decode()


def test_units_are_recomputed_live_under_the_payers_rule(as_role, records):
    # CMS example 1 (billing-rules.md §3.1): 24 min 97112 + 23 min 97110 → 2 + 1 units.
    data = {
        "coverage": records["coverage"].pk,
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-code": "97112",
        "lines-0-minutes": "24",
        "lines-1-code": "97110",
        "lines-1-minutes": "23",
        "lines-2-code": "",
        "lines-2-minutes": "",
    }
    page = as_role("therapist").post(reverse("visits:units"), data).content.decode()
    assert '<span id="units-0" hx-swap-oob="true">2</span>' in page
    assert '<span id="units-1" hx-swap-oob="true">1</span>' in page
    assert '<span id="units-2" hx-swap-oob="true">–</span>' in page
    assert 'data-testid="total-units">3<' in page
    assert "CMS total time" in page


def test_diagnoses_are_checked_live_with_descriptions_and_reasons(as_role, records):
    page = (
        as_role("therapist")
        .post(reverse("visits:diagnoses"), {"diagnosis_codes": "M54.50, S16.1"})
        .content.decode()
    )
    assert "M54.50" in page and "Low back pain, unspecified" in page
    assert "S16.1 needs a 7th character" in page


def test_a_new_visit_from_the_client_page_preselects_the_client_and_coverage(as_role, records):
    page = as_role("therapist").get(reverse("visits:new"), {"client": records["client"].pk})
    form = page.context["form"]
    assert form.initial["client"] == records["client"].pk
    assert form.initial["coverage"] == records["coverage"].pk
    assert form.instance.provider == records["provider"]


def test_the_visit_page_shows_the_claim_check(as_role, records, users):
    visit = records["visit"]
    page = as_role("therapist").get(reverse("visits:detail", args=[visit.pk])).content.decode()
    # The fixture practice has no tax ID, a 5-digit ZIP and an unsigned note: three errors.
    assert (
        "Claim check" in page and "not signed" in page and "ZIP+4" in page and "Ready" not in page
    )
    practice = visit.practice
    practice.tax_id, practice.zip_code = "91-1234567", "98101-1234"
    practice.save()
    sign_visit(visit, user=users["therapist"])
    page = as_role("therapist").get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert "Claim check" in page and "Ready" in page
