"""A date-range superbill covers one payer or case: a PIP visit never lands on the health
plan's superbill, and its own carries the carrier, claim number and accident date. The
month-end batch does the same, leaves out visits billed directly to a payer, and says what was
paid from the ledger."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.clients.models import Case, Client, InjuryKind
from knead.ledger.services import record_payment
from knead.paperwork.models import BatchJob
from knead.practice.models import Payer, PayerKind

from .conftest import add_visit, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(paper) -> dict:
    """Jordan in March: two health-plan superbill visits (03/02, 03/16) paid $240.00 by card,
    and a PIP visit (03/06; Safe Roads Auto, claim PIP-2026-0042, accident 02/20/2026) the
    client also pays for and claims, not paid yet."""
    auto = Payer.objects.create(
        practice=paper["practice"], name="Safe Roads Auto", payer_id="SRA01",
        kind=PayerKind.AUTO, claim_filing_indicator="AM",
    )  # fmt: skip
    case = Case.objects.create(
        practice=paper["practice"], client=paper["client"], kind=InjuryKind.AUTO, payer=auto,
        claim_number="PIP-2026-0042", accident_date=dt.date(2026, 2, 20), accident_state="WA",
    )  # fmt: skip
    pip = add_visit(paper, dt.date(2026, 3, 6), diagnoses=["S134XXA"], case=case,
                    billing_path="superbill")  # fmt: skip
    plan = [add_visit(paper, dt.date(2026, 3, d), billing_path="superbill") for d in (2, 16)]
    record_payment(
        paper["client"], amount=Decimal("240.00"), method="card", visits=[v.pk for v in plan],
        received_on=dt.date(2026, 3, 16), user=paper["therapist"],
    )  # fmt: skip
    return {"plan": plan, "pip": pip}


def test_the_client_page_offers_one_superbill_per_payer_or_case(as_role, paper, mixed):
    page = as_role("front_desk").get(reverse("paperwork:client", args=[paper["client"].pk]))
    html = page.content.decode()
    assert "billed to 2 payers or cases" in html
    assert "Evergreen Health Plan (member EVG123456789) · 2 visits" in html
    assert "Auto accident (PIP / med-pay): Safe Roads Auto, claim PIP-2026-0042" in html
    assert f'value="case-{mixed["pip"].case_id}"' in html
    assert f'value="coverage-{paper["coverage"].pk}"' in html


def test_the_pip_superbill_has_its_carrier_claim_and_accident_and_none_of_the_plans_visits(
    as_role, paper, mixed
):
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    window = {"start": "2026-03-01", "end": "2026-03-31"}
    pip = pdf_text(
        as_role("biller").get(url, {**window, "billed_to": f"case-{mixed['pip'].case_id}"}).content
    )
    for fact in ("Safe Roads Auto", "PIP-2026-0042", "02/20/2026", "Auto accident (PIP)",
                 "03/06/2026 11 97124"):  # fmt: skip
        assert fact in pip, fact
    assert "03/02/2026 11" not in pip and "03/16/2026 11" not in pip
    assert "Evergreen Health Plan" not in pip
    assert "NOTHING PAID" in pip  # the PIP visit was not paid at the desk
    plan = pdf_text(as_role("biller").get(
        url, {**window, "billed_to": f"coverage-{paper['coverage'].pk}"}).content)  # fmt: skip
    assert "03/02/2026 11 97124" in plan and "03/16/2026 11 97124" in plan
    assert "03/06/2026" not in plan and "PIP-2026-0042" not in plan
    assert "PAID IN FULL: the client paid $240.00 by card" in plan  # 2 x $120.00


def test_a_range_over_two_payers_without_a_choice_is_refused_in_plain_words(as_role, paper, mixed):
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    response = as_role("biller").get(url, {"start": "2026-03-01", "end": "2026-03-31"},
                                     follow=True)  # fmt: skip
    html = response.content.decode()
    assert "These visits are billed to 2 different payers or cases" in html
    assert "issue a superbill for each" in html


def test_the_month_end_batch_splits_by_case_leaves_out_direct_billing_and_pays_from_the_ledger(
    as_role, paper, mixed
):
    direct = Client.objects.create(
        practice=paper["practice"], first_name="Dee", last_name="Direct",
        date_of_birth=dt.date(1980, 1, 1),
    )  # fmt: skip
    add_visit(paper, dt.date(2026, 3, 10), client=direct, billing_path="direct")
    as_role("biller").post(reverse("paperwork:months"), {"month": "2026-03"})
    job = BatchJob.objects.get()
    # Jordan: the plan's superbill and the case's; Dee's directly billed visit is left out.
    assert (job.total, job.issued, job.visits) == (2, 2, 3)
    download = as_role("biller").get(reverse("paperwork:month_download", args=["2026-03"]))
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    texts = [pdf_text(archive.read(name)) for name in sorted(archive.namelist())]
    assert not any("Dee Direct" in text for text in texts)
    plan = next(t for t in texts if "Evergreen Health Plan" in t)
    pip = next(t for t in texts if "PIP-2026-0042" in t)
    assert "PAID IN FULL: the client paid $240.00 by card" in plan
    assert "NOTHING PAID" in pip and "03/02/2026" not in pip


def test_a_workers_comp_superbill_carries_its_carrier_claim_and_injury_date(as_role, paper, mixed):
    carrier = Payer.objects.create(
        practice=paper["practice"], name="Labor & Industries", payer_id="WALNI",
        kind=PayerKind.WORKERS_COMP, claim_filing_indicator="WC",
    )  # fmt: skip
    case = Case.objects.create(
        practice=paper["practice"], client=paper["client"], kind=InjuryKind.EMPLOYMENT,
        payer=carrier, claim_number="WC-AB12345", accident_date=dt.date(2026, 1, 12),
        accident_state="WA", employer_name="Cascade Freight LLC",
    )  # fmt: skip
    add_visit(paper, dt.date(2026, 3, 9), diagnoses=["S134XXA"], case=case,
              billing_path="superbill")  # fmt: skip
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    text = pdf_text(
        as_role("biller")
        .get(url, {"start": "2026-03-01", "end": "2026-03-31", "billed_to": f"case-{case.pk}"})
        .content
    )
    for fact in ("Labor & Industries", "WC-AB12345", "01/12/2026", "03/09/2026 11 97124"):
        assert fact in text, fact
    # Neither the health plan's visits nor the PIP case's land on it.
    for other in ("03/02/2026 11", "03/06/2026 11", "03/16/2026 11", "PIP-2026-0042",
                  "Evergreen Health Plan", "Safe Roads Auto"):  # fmt: skip
        assert other not in text, other
