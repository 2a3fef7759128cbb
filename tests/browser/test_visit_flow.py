"""A therapist's day in the browser: sign in, add a client and coverage, record and sign a visit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from knead.accounts.models import User
from knead.practice.models import FeeScheduleEntry, Membership, Payer, Practice, Provider, Role
from knead.visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-browser-passphrase"


@pytest.fixture
def therapist(settings):
    practice = Practice.objects.create(name="Cedar Hands Massage", state="WA")
    user = User.objects.create_user("maya", password=PASSWORD, first_name="Maya")
    Membership.objects.create(user=user, practice=practice, role=Role.THERAPIST)
    Provider.objects.create(
        practice=practice,
        first_name="Maya",
        last_name="Lind",
        npi="1234567893",
        licence_state="WA",
        licence_number="MA1",
        user=user,
    )
    Payer.objects.create(
        practice=practice, name="Evergreen Health", payer_id="EVG01", unit_rule="cms"
    )
    FeeScheduleEntry.objects.create(practice=practice, code="97112", charge="35.00")
    FeeScheduleEntry.objects.create(practice=practice, code="97110", charge="32.00")
    return user


def test_record_and_sign_a_visit_then_the_note_is_locked(page, therapist):
    page.goto(reverse("accounts:login"))
    page.fill("#id_username", "maya")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(reverse("clients:new"))
    page.fill("#id_first_name", "Robin")
    page.fill("#id_last_name", "Testperson")
    page.fill("#id_date_of_birth", "1985-03-14")
    page.click("text=Save")
    page.wait_for_selector("h1:has-text('Robin Testperson')")

    page.click("text=+ Add coverage")
    page.select_option("#id_payer", label="Evergreen Health")
    page.fill("#id_member_id", "EVG123456")
    page.click("text=Save")
    page.wait_for_selector("h1:has-text('Evergreen Health')")

    page.click("a:has-text('Robin Testperson')")
    page.click("text=+ New visit")
    page.fill("#id_subjective", "Neck and upper back tightness, 5/10.")
    page.fill("#id_objective", "Trigger points in upper trapezius.")
    page.fill("#id_assessment", "Good response to treatment.")
    page.fill("#id_plan", "Weekly for four weeks.")
    page.fill("#id_diagnosis_codes", "M54.2, M62.830")
    page.wait_for_selector("#dx-results:has-text('Cervicalgia')")
    page.fill("#id_lines-0-code", "97112")
    page.fill("#id_lines-0-minutes", "24")
    page.fill("#id_lines-0-pointers", "A")
    page.fill("#id_lines-1-code", "97110")
    page.fill("#id_lines-1-minutes", "23")
    page.fill("#id_lines-1-pointers", "A B")
    # CMS example 1 (billing-rules.md §3.1): 24 + 23 minutes → 97112 × 2, 97110 × 1.
    page.wait_for_selector("#units-0:text-is('2')")
    assert page.inner_text("#units-1") == "1"
    assert page.inner_text("[data-testid=total-units]") == "3"
    page.click("text=Save visit")
    page.wait_for_selector("button:has-text('Sign & lock')")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Sign & lock')")
    page.wait_for_selector(".signed-banner")
    assert [cell.inner_text() for cell in page.query_selector_all("[data-testid=line-units]")] == [
        "2",
        "1",
    ]
    assert page.query_selector("a:has-text('Edit')") is None

    visit = Visit.objects.get()
    assert visit.is_signed
    page.goto(reverse("visits:edit", args=[visit.pk]))
    page.wait_for_selector("text=This note is signed and locked")
    assert page.url.endswith(reverse("visits:detail", args=[visit.pk]))
    page.screenshot(path="/tmp/knead-browser-signed.png", full_page=True)
