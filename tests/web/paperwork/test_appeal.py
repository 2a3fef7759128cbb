"""The appeal letter functions the billing pages call (they own denials; no appeal UI here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from knead.billing.claim import Adjustment, AdjustmentGroup
from knead.billing.documents.letters import Denial
from knead.paperwork.services import appeal_pdf, appeal_text, visits_for_paperwork
from knead.visits.models import Visit

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_appeal_of_a_denied_visit_quotes_its_signed_note_and_prints_on_the_letterhead(
    signed_visit,
):
    visit = visits_for_paperwork(Visit.objects.filter(pk=signed_visit.pk)).get()
    denial = Denial(
        denied_on=dt.date(2026, 4, 10),
        adjustments=(Adjustment(AdjustmentGroup.CO, "50", Decimal("120.00")),),
        payer_claim_number="EVG-2026-778",
    )
    text = appeal_text(visit, denial, written_on=dt.date(2026, 4, 20))
    assert "EVG-2026-778" in text
    assert "CO-50" in text
    assert "$120.00" in text
    assert "Hypertonic upper trapezius bilaterally" in text  # the signed note's objective
    printed = pdf_text(appeal_pdf(visit, text))
    assert "Practice A" in printed and "NPI 1234567893" in printed  # the practice letterhead
    assert "EVG-2026-778" in printed
