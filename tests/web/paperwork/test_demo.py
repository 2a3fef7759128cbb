"""Every document of the demo practice, rendered through the web layer."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from knead.accounts.models import User
from knead.billing.paths import BillingPath
from knead.claims.services import visit_claim
from knead.clients.models import Coverage
from knead.demo.seed import seed_demo
from knead.visits.models import Visit

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> HttpClient:
    seed_demo(visits=40, out=lambda _line: None)
    client = HttpClient()
    client.force_login(User.objects.get(username="biller"))
    return client


def test_every_demo_visit_gives_its_documents(demo):
    visits = Visit.objects.select_related("client", "coverage", "case", "provider")
    assert visits.count() == 40
    signed = from_claims = 0
    for visit in visits:
        last_name = visit.client.last_name
        assert demo.get(reverse("paperwork:visit", args=[visit.pk])).status_code == 200
        superbill = demo.get(reverse("paperwork:visit_superbill", args=[visit.pk]))
        printed = demo.get(reverse("paperwork:visit_cms1500", args=[visit.pk]), follow=True)
        form = None
        if visit.billing_path == BillingPath.DIRECT:
            # A directly billed visit's CMS-1500 prints only from its claim record, with the
            # claim ID (box 26) the payer's 835 sends back.
            assert "billed directly to the payer" in printed.content.decode()
            claim = visit_claim(visit)
            if claim is not None:
                form = pdf_text(demo.get(reverse("claims:cms1500", args=[claim.pk])).content)
                assert claim.claim_id in form
                from_claims += 1
        else:
            form = pdf_text(printed.content)
        if form is not None:
            assert last_name.upper() in form
            assert visit.provider.npi in form
            for line in visit.lines.all():
                assert line.code in form
        if not visit.is_signed:
            assert superbill.status_code == 409  # the scrub blocks unsigned notes
            continue
        signed += 1
        text = pdf_text(superbill.content)
        assert last_name in text
        assert f"{visit.date:%m/%d/%Y}" in text
        assert "SOAP Note (signed)" in text
        if visit.case_id and visit.case.claim_number:
            assert visit.case.claim_number in text
        elif visit.coverage_id:
            assert visit.coverage.member_id in text
        note = pdf_text(demo.get(reverse("paperwork:visit_soap_note", args=[visit.pk])).content)
        assert "Electronically signed by" in note
        letter = demo.get(reverse("paperwork:visit_necessity", args=[visit.pk]))
        assert visit.client.full_name in letter.context["form"].initial["text"]
    assert signed > 0 and from_claims > 0


def test_every_demo_coverage_gives_a_kit(demo):
    coverages = Coverage.objects.select_related("client")
    assert coverages.exists()
    for coverage in coverages:
        response = demo.get(reverse("paperwork:coverage_kit", args=[coverage.pk]), follow=True)
        if not coverage.client.visits.exists():
            assert "Record a visit first" in response.content.decode()
            continue
        text = pdf_text(response.content)
        assert coverage.member_id in text
        assert "What you can expect back" in text
