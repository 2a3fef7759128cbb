"""A payer's timely filing limit: days, or calendar months where the payer counts months
(Medicare: 12 months after the date of service, billing-rules.md §11.1); and what a Medicare
payer cannot be set to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from knead.billing.claim import PayerKind as CorePayerKind
from knead.practice.models import Payer
from knead.practice.rules import rules_for_practice

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Noridian Medicare",
    "payer_id": "MCRWA",
    "kind": "medicare",
    "claim_filing_indicator": "MB",
    "unit_rule": "cms",
    "gp_required": "on",
    "timely_filing_days": "365",
    "timely_filing_months": "",
    "appeal_window_days": "120",
}


def test_a_medicare_payer_left_without_months_counts_twelve_months(as_role):
    owner = as_role("owner")
    assert owner.post(reverse("practice:payer_new"), FORM).status_code == 302
    payer = Payer.objects.get(payer_id="MCRWA")
    assert payer.timely_filing_months == 12
    page = owner.get(reverse("practice:payer", args=[payer.pk])).content.decode()
    assert "12 months from the date of service" in page


def test_a_commercial_payer_counts_days(as_role):
    owner = as_role("owner")
    owner.post(
        reverse("practice:payer_new"),
        FORM
        | {
            "kind": "commercial",
            "payer_id": "C1",
            "claim_filing_indicator": "CI",
            "timely_filing_days": "90",
        },
    )
    payer = Payer.objects.get(payer_id="C1")
    assert (payer.timely_filing_months, payer.timely_filing) == (None, "90 days")


def test_a_medicare_payer_made_outside_the_form_keeps_the_shipped_twelve_months(practice):
    Payer.objects.create(practice=practice, name="Medicare", payer_id="MCR2", kind="medicare")
    rules = rules_for_practice(practice).payers.rules_for(
        "MCR2", CorePayerKind.MEDICARE, dt.date(2026, 3, 1)
    )
    assert rules.timely_filing_months == 12  # payer_rules.json, kind:medicare


def test_zero_months_is_refused(as_role):
    response = as_role("owner").post(
        reverse("practice:payer_new"), FORM | {"timely_filing_months": "0"}
    )
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()


def test_the_practices_months_reach_the_scrubber(practice, as_role):
    as_role("owner").post(reverse("practice:payer_new"), FORM | {"timely_filing_months": "18"})
    rules = rules_for_practice(practice).payers.rules_for(
        "MCRWA", CorePayerKind.MEDICARE, dt.date(2026, 3, 1)
    )
    assert rules.timely_filing_months == 18


def test_a_medicare_payer_must_use_the_cms_unit_rule_and_gp(as_role):
    response = as_role("owner").post(
        reverse("practice:payer_new"), FORM | {"unit_rule": "ama", "gp_required": ""}
    )
    page = response.content.decode()
    assert "choose CMS total time" in page and "tick GP modifier required" in page
    assert not Payer.objects.filter(payer_id="MCRWA").exists()
