"""One billing path per visit (issue 10): a visit billed directly prints its CMS-1500 only from
its claim record; a visit with no claim prints a client-filed CMS-1500, box 27 NO and box 29
what the client paid (from the ledger).

The fixture's visit: 60 minutes of 97124 = 4 units x $30 = $120.00 (conftest.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent
from knead.billing.forms.cms1500 import cms1500_boxes
from knead.claims.services import create_claims
from knead.ledger.services import charge_visit, record_payment
from knead.paperwork import services

from .conftest import add_visit, pdf_text

pytestmark = pytest.mark.django_db


def test_a_direct_visit_page_offers_no_cms1500_of_its_own_until_its_claim(as_role, paper, users):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="direct")
    html = as_role("biller").get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert reverse("paperwork:visit_cms1500", args=[visit.pk]) not in html
    assert "its CMS-1500 prints from its claim, once the biller makes it" in html
    [claim] = create_claims([visit], user=users["biller"], practice=paper["practice"])
    html = as_role("biller").get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert reverse("paperwork:visit_cms1500", args=[visit.pk]) not in html
    assert reverse("claims:cms1500", args=[claim.pk]) in html
    # A therapist cannot open claims: the page names the claim instead of linking to it.
    html = as_role("therapist").get(reverse("paperwork:visit", args=[visit.pk])).content.decode()
    assert reverse("claims:cms1500", args=[claim.pk]) not in html
    assert f'Printed from claim <span class="mono">{claim.claim_id}</span> by the biller' in html


def test_a_direct_visit_cms1500_from_the_visit_is_refused_and_nothing_is_exported(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="direct")
    client = as_role("biller")
    before = AuditEvent.objects.filter(action=Action.EXPORT).count()
    response = client.get(reverse("paperwork:visit_cms1500", args=[visit.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "The CMS-1500 cannot be printed: the visit of 03/04/2026 is billed directly to the payer"
        in page
    )
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == before


def test_the_claim_record_prints_the_direct_cms1500_with_its_claim_id(as_role, paper, users):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="direct")
    [claim] = create_claims([visit], user=users["biller"], practice=paper["practice"])
    response = as_role("biller").get(reverse("claims:cms1500", args=[claim.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert claim.claim_id in text  # box 26: what the payer's 835 CLP01 sends back
    assert f"V{visit.pk:07d}" not in text


def test_a_range_with_a_direct_visit_prints_no_cms1500_and_says_which(as_role, paper):
    add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    add_visit(paper, dt.date(2026, 3, 11), billing_path="direct")
    client = as_role("biller")
    response = client.get(
        reverse("paperwork:client_cms1500", args=[paper["client"].pk]),
        {"start": "2026-03-01", "end": "2026-03-31"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "the visit of 03/11/2026 is billed directly to the payer" in page


def _paid(paper, users, visit, amount: str) -> None:
    charge_visit(visit, user=users["front_desk"])
    record_payment(
        paper["client"],
        amount=Decimal(amount),
        method="card",
        received_on=visit.date,
        user=users["front_desk"],
        visits=[visit.pk],
    )


def test_a_client_filed_cms1500_says_no_assignment_and_what_the_client_paid(as_role, paper, users):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    [claim] = services.client_filed_claims([visit])
    unpaid = cms1500_boxes(claim).pages[0]
    assert (unpaid.get("26"), unpaid.get("27"), unpaid.get("28")) == (
        f"V{visit.pk:07d}", "N", "120.00",
    )  # fmt: skip
    assert "29" not in unpaid.values  # nothing paid yet: box 29 blank
    _paid(paper, users, visit, "45.00")  # $45.00 of the $120.00 by card at the desk
    [claim] = services.client_filed_claims([visit])
    assert cms1500_boxes(claim).pages[0].get("29") == "45.00"
    response = as_role("front_desk").get(reverse("paperwork:visit_cms1500", args=[visit.pk]))
    text = pdf_text(response.content)
    assert "120 00 45 00" in text  # box 28 total charge, box 29 amount paid
    assert "SIGNATURE ON FILE" not in text  # boxes 12 and 13 are the client's to sign


def test_box_29_counts_only_what_was_paid_toward_that_visit(paper, users):
    first = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    second = add_visit(paper, dt.date(2026, 3, 11), billing_path="superbill")
    charge_visit(second, user=users["front_desk"])
    _paid(paper, users, first, "120.00")  # the first visit paid in full, the second not at all
    claims = services.client_filed_claims([first, second])
    assert [cms1500_boxes(c).pages[0].get("29") for c in claims] == ["120.00", ""]
