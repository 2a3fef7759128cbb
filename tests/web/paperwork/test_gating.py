"""The superbill scrub gates issuing: errors block it, with the reasons and a link to the page
that fixes each; warnings do not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from knead.practice.models import Provider

from .conftest import add_visit, pdf_text

pytestmark = pytest.mark.django_db


def test_an_unsigned_note_blocks_the_superbill_and_links_to_the_visit(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), sign=False)
    client = as_role("therapist")
    page = client.get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert "The superbill cannot be issued yet." in page
    assert "NOTE_UNSIGNED" in page
    assert f'href="{reverse("visits:detail", args=[visit.pk])}">Sign the note' in page
    assert "Fix the errors above to issue it." in page  # no Preview/Download of the superbill
    response = client.get(reverse("paperwork:visit_superbill", args=[visit.pk]))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "NOTE_UNSIGNED" in response.content.decode()


def test_an_invalid_rendering_npi_links_to_the_provider(as_role, paper):
    # 1234567890: ten digits starting with 1, but the Luhn + 24 check digit would be 3.
    Provider.objects.filter(pk=paper["provider"].pk).update(npi="1234567890")
    visit = add_visit(paper, dt.date(2026, 3, 4))
    response = as_role("biller").get(reverse("paperwork:visit_superbill", args=[visit.pk]))
    html = response.content.decode()
    assert response.status_code == 409
    assert "NPI_CHECK_DIGIT" in html
    assert reverse("practice:provider_edit", args=[paper["provider"].pk]) in html


def test_a_bad_practice_tax_id_links_to_the_practice_details(as_role, paper):
    practice = paper["practice"]
    practice.tax_id = "00-1234567"  # 00 is not an IRS campus prefix
    practice.save()
    visit = add_visit(paper, dt.date(2026, 3, 4))
    html = as_role("owner").get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert "TAX_ID_INVALID" in html
    assert reverse("practice:settings") in html


def test_a_units_mismatch_on_an_unsigned_visit_links_to_the_visit_form(as_role, paper):
    # 60 minutes of 97124 is 4 units under either rule; 2 units is a mismatch.
    visit = add_visit(paper, dt.date(2026, 3, 4), lines=[("97124", 60, 2, "60.00")], sign=False)
    html = as_role("therapist").get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert "UNITS_MINUTES_MISMATCH" in html
    assert reverse("visits:edit", args=[visit.pk]) in html


def test_one_blocked_visit_blocks_the_range_and_names_its_date(as_role, paper):
    add_visit(paper, dt.date(2026, 3, 2))
    add_visit(paper, dt.date(2026, 3, 9), sign=False)
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    response = as_role("biller").get(url, {"start": "2026-03-01", "end": "2026-03-31"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "<li>03/09/2026: " in html and "NOTE_UNSIGNED" in html
    assert "<li>03/02/2026: " not in html


def test_warnings_do_not_block(as_role, paper):
    # An injury diagnosis without a case is a warning (INJURY_DX_WITHOUT_CASE).
    visit = add_visit(paper, dt.date(2026, 3, 4), diagnoses=["S134XXA"])
    client = as_role("therapist")
    page = client.get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert "Worth a look" in page
    assert "cannot be issued" not in page
    response = client.get(reverse("paperwork:visit_superbill", args=[visit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_range_can_leave_out_unsigned_visits(as_role, paper):
    add_visit(paper, dt.date(2026, 3, 2))
    add_visit(paper, dt.date(2026, 3, 9), sign=False)
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    params = {"start": "2026-03-01", "end": "2026-03-31", "signed_only": "on"}
    response = as_role("biller").get(url, params)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "03/02/2026 11 97124" in text and "03/09/2026" not in text
    assert "Total charges $120.00" in text


def test_a_solo_practice_range_with_two_therapists_is_explained_not_crashed(as_role, paper):
    practice = paper["practice"]
    practice.npi = ""  # no group NPI: each therapist bills under their own NPI
    practice.save()
    Provider.objects.filter(pk=paper["provider"].pk).update(tax_id="91-1234567")
    add_visit(paper, dt.date(2026, 3, 2))
    second = Provider.objects.create(
        practice=practice, first_name="Bo", last_name="Lind", npi="1003000126",
        licence_state="WA", licence_number="MA2", tax_id="91-7654321",
    )  # fmt: skip
    visit = add_visit(paper, dt.date(2026, 3, 9), provider=second)
    client = as_role("biller")
    page = client.get(reverse("paperwork:client", args=[paper["client"].pk])).content.decode()
    assert "billed under different therapists&#x27; NPIs" in page
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    response = client.get(url, {"start": "2026-03-01", "end": "2026-03-31"}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "one superbill has one billing provider" in response.content.decode()
    # Each visit on its own still works.
    single = client.get(reverse("paperwork:visit_superbill", args=[visit.pk]))
    assert single["Content-Type"] == "application/pdf"
    assert "BILLING NPI 1003000126" in pdf_text(single.content)


def test_a_bad_or_empty_range_goes_back_to_the_form_with_a_message(as_role, paper):
    client = as_role("biller")
    for name in ("paperwork:client_superbill", "paperwork:client_cms1500"):
        url = reverse(name, args=[paper["client"].pk])
        backwards = client.get(url, {"start": "2026-03-31", "end": "2026-03-01"}, follow=True)
        html = backwards.content.decode()
        assert "Check the date range." in html
        assert "The range cannot end before it starts." in html
        empty = client.get(url, {"start": "2026-01-01", "end": "2026-01-31"}, follow=True)
        assert "There is no visit in this date range." in empty.content.decode()
