"""Every document rendered through the web layer, its text read back with pypdf.

Expected values are the fixture's facts: 60 minutes of 97124 at $30 a unit = 4 units = $120.00
per visit; member EVG123456789, group GRP-778; billing NPI 1234567893, rendering 1558598797.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from knead.billing.claim import PaymentMethod
from knead.claims.services import create_claims
from knead.clients.models import Client, Coverage, Relationship
from knead.ledger.services import record_payment
from knead.paperwork.services import Payment, payments_for
from knead.practice.models import Payer
from knead.visits.models import Amendment, Visit

from .conftest import add_visit, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db

# 13 billable ICD-10-CM codes (April 2026 code set), in wire form.
THIRTEEN = [
    "M5450", "M62830", "M542", "M5459", "M5416", "M25511", "M25512", "M7910", "M79601",
    "M79602", "G4489", "M5412", "M6281",
]  # fmt: skip


@pytest.fixture
def client_filed_visit(paper) -> Visit:
    """March 4, 2026, billed by superbill: 60 minutes of 97124 = 4 units x $30 = $120."""
    return add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")


def get_pdf(client, url: str, **params) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_visit_paperwork_page_offers_every_document(as_role, client_filed_visit):
    page = as_role("therapist").get(reverse("paperwork:visit", args=[client_filed_visit.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for url_name in ("visit_superbill", "visit_soap_note", "visit_cms1500", "visit_necessity"):
        assert reverse(f"paperwork:{url_name}", args=[client_filed_visit.pk]) in html
    assert reverse("paperwork:coverage_kit", args=[client_filed_visit.coverage_id]) in html
    assert "cannot be issued" not in html


def pay(paper: dict, amount: str, method: str, *, reference: str = "", day=None) -> None:
    """The front desk takes a payment from the paper client (applied oldest visit first)."""
    record_payment(
        paper["client"],
        amount=Decimal(amount),
        method=method,
        reference=reference,
        received_on=day or dt.date(2026, 3, 31),
        user=paper["therapist"],
    )


def test_superbill_packet_has_the_superbill_then_the_signed_note_with_its_amendment(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    Amendment.objects.create(
        visit=visit,
        author=paper["therapist"],
        reason="Late entry",
        text="Client also reported headaches on waking.",
    )
    pay(paper, "120.00", "card", reference="4242")
    pdf = get_pdf(as_role("therapist"), reverse("paperwork:visit_superbill", args=[visit.pk]))
    pages = pdf_pages(pdf)
    text = pdf_text(pdf)
    superbill = pages[0]
    for fact in (
        f"Superbill no. V{visit.pk:07d}",
        "Practice A",
        "BILLING NPI 1234567893",
        "RENDERING NPI 1558598797",
        "91-1234567",
        "MA60000001 (WA)",
        "Jordan Example",
        "03/14/1985",
        "EVG123456789",
        "GRP-778",
        "Evergreen Health Plan (primary)",
        "M54.50",
        "M62.830",
        "97124",
    ):
        assert fact in " ".join(superbill.split()), fact
    assert "03/04/2026 11 97124 GP" in text
    assert "A 60 4 $120.00" in text
    # The $120.00 card payment taken at the desk, from the ledger.
    assert "Paid by card $120.00" in text
    assert "PAID IN FULL: the client paid $120.00 by card" in text
    assert "Balance due $0.00" in text
    # The SOAP note follows on its own page; the amendment comes after the signature line.
    assert "SOAP Note (signed)" not in superbill
    signed = text.index("Electronically signed by Ana Rivera on 03/04/2026 18:00")
    amended = text.index("Amendments (added after signing)")
    assert signed < amended < text.index("Reason: Late entry Client also reported headaches")


def test_the_superbill_says_what_the_ledger_says_was_paid_whatever_the_request_asks(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    pay(paper, "50.00", "cash")
    url = reverse("paperwork:visit_superbill", args=[visit.pk])
    # The old form's parameters are ignored: nothing typed can change what was paid.
    text = pdf_text(get_pdf(as_role("therapist"), url, paid="full", method="card"))
    # $120.00 charged - $50.00 paid in cash = $70.00 due.
    assert "Paid by cash $50.00" in text
    assert "Balance due $70.00" in text
    assert "PARTLY PAID: the client paid $50.00 by cash" in text
    assert "PAID IN FULL" not in text


def test_a_superbill_with_nothing_paid_says_so(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    url = reverse("paperwork:visit_superbill", args=[visit.pk])
    text = pdf_text(get_pdf(as_role("therapist"), url))
    assert "Amount paid $0.00" in text
    assert "Balance due $120.00" in text
    assert "NOTHING PAID: the client has paid nothing toward the services listed" in text
    assert "PAID IN FULL" not in text


def test_date_range_superbill_lists_only_the_ranges_visits(as_role, paper):
    for day in (dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)):
        add_visit(paper, day, billing_path="superbill")
    add_visit(paper, dt.date(2026, 4, 1), billing_path="superbill")
    pay(paper, "360.00", "card", reference="4242")  # oldest first: the three March visits
    client = paper["client"]
    url = reverse("paperwork:client_superbill", args=[client.pk])
    text = pdf_text(get_pdf(as_role("biller"), url, start="2026-03-01", end="2026-03-31"))
    for day in ("03/02/2026", "03/09/2026", "03/16/2026"):
        assert f"{day} 11 97124" in text
    assert "04/01/2026" not in text
    # 3 visits x $120.00 = $360.00, paid at the desk.
    assert "Total charges $360.00" in text
    assert "PAID IN FULL: the client paid $360.00 by card" in text
    assert f"Superbill no. C{client.pk}-20260302-20260316" in text
    assert text.count("SOAP Note (signed)") == 3


def test_date_range_superbill_shows_a_partial_payment_applied_to_the_earliest_visits(
    as_role, paper
):
    add_visit(paper, dt.date(2026, 3, 2), billing_path="superbill")
    add_visit(paper, dt.date(2026, 3, 9), billing_path="superbill")
    pay(paper, "150.00", "check", reference="1044")
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    text = pdf_text(get_pdf(as_role("biller"), url, start="2026-03-01", end="2026-03-31"))
    # $150 paid: $120.00 to 03/02 and $30.00 to 03/09; $240.00 - $150.00 = $90.00 due.
    assert "Paid by check $150.00" in text
    assert "Balance due $90.00" in text


def test_client_page_shows_the_range_and_its_total(as_role, paper):
    add_visit(paper, dt.date(2026, 3, 2), billing_path="superbill")
    add_visit(paper, dt.date(2026, 3, 9), billing_path="superbill")
    pay(paper, "240.00", "card")
    page = as_role("front_desk").get(reverse("paperwork:client", args=[paper["client"].pk]))
    html = page.content.decode()
    # The default range is the month of the latest visit: March 2026.
    assert "2 visits from 03/01/2026 to 03/31/2026" in html
    assert "total $240.00, paid $240.00" in html
    assert reverse("paperwork:client_superbill", args=[paper["client"].pk]) in html


def test_soap_note_pdf_prints_the_signed_note_and_its_amendments_as_amendments(
    as_role, signed_visit
):
    url = reverse("paperwork:visit_soap_note", args=[signed_visit.pk])
    text = pdf_text(get_pdf(as_role("front_desk"), url))
    assert "SOAP Note (signed) Visit of 03/04/2026" in text
    assert "S - Subjective Neck pain after long days at the desk, 6/10." in text
    assert "PAIN BEFORE / AFTER 6/10 / 3/10" in text
    assert "TREATMENT TIME 60 minutes" in text
    assert "Amendment 1 by Ana Rivera" in text
    # The signed text is not changed by the amendment.
    objective = text.index("O - Objective")
    assert "headaches" not in text[objective : text.index("Electronically signed")]


def test_soap_note_of_an_unsigned_visit_is_refused(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4), sign=False)
    response = as_role("therapist").get(
        reverse("paperwork:visit_soap_note", args=[visit.pk]), follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert "The note is not signed yet" in response.content.decode()


def test_cms1500_replica_carries_the_claims_boxes(as_role, client_filed_visit):
    url = reverse("paperwork:visit_cms1500", args=[client_filed_visit.pk])
    text = pdf_text(get_pdf(as_role("biller"), url))
    assert "HEALTH INSURANCE CLAIM FORM" in text  # the drawn form
    assert "EVG123456789 EXAMPLE, JORDAN" in text  # 1a and 2
    assert "M5450 M62830" in text  # 21 A, B without the decimal point
    assert "03 04 26 03 04 26 11 97124 A 120 00 4 GP 1558598797" in text  # 24 line 1
    assert "1234567893" in text  # 33a
    assert f"V{client_filed_visit.pk:07d}" in text  # 26


def test_cms1500_data_only_prints_no_form_and_uses_the_stored_offsets(as_role, client_filed_visit):
    url = reverse("paperwork:visit_cms1500", args=[client_filed_visit.pk])
    owner = as_role("owner")
    plain = get_pdf(owner, url, mode="data-only")
    assert "HEALTH INSURANCE CLAIM FORM" not in pdf_text(plain)
    saved = owner.post(
        reverse("paperwork:print_settings"), {"offset_x_mm": "2", "offset_y_mm": "1.5"}
    )
    assert saved.status_code == 302
    shifted = get_pdf(as_role("therapist"), url, mode="data-only")
    # 2 mm right = 2 x 72 / 25.4 = 5.67 pt; 1.5 mm down = 4.25 pt lower (PDF y grows upward).
    before, after = _position(plain, "EVG123456789"), _position(shifted, "EVG123456789")
    assert after[0] - before[0] == pytest.approx(5.669, abs=0.01)
    assert before[1] - after[1] == pytest.approx(4.252, abs=0.01)
    replica = get_pdf(as_role("therapist"), url, mode="replica")
    assert _position(replica, "EVG123456789") == pytest.approx(before)


def _position(pdf: bytes, value: str) -> tuple[float, float]:
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() == value:
            found.append((tm[4], tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    assert found, value
    return found[0]


def test_cms1500_filed_by_the_client_leaves_box_13_unsigned(as_role, paper, users):
    client = paper["client"]
    client.signature_on_file_on = dt.date(2026, 1, 5)
    client.save()
    superbill = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    direct = add_visit(paper, dt.date(2026, 3, 11), billing_path="direct")
    [claim] = create_claims([direct], user=users["biller"], practice=paper["practice"])
    by_client = pdf_text(
        get_pdf(
            as_role("biller"),
            reverse("paperwork:visit_cms1500", args=[superbill.pk]),
            mode="data-only",
        )
    )
    by_practice = pdf_text(
        get_pdf(as_role("biller"), reverse("claims:cms1500", args=[claim.pk]), mode="data")
    )
    # 12 and 13 "SIGNATURE ON FILE" when the practice bills; the client signs 12 and leaves 13.
    assert by_practice.count("SIGNATURE ON FILE") == 2
    assert by_client.count("SIGNATURE ON FILE") == 0


def test_seven_lines_continue_on_a_second_cms1500_page(as_role, paper):
    codes = ["97124", "97140", "97112", "97110", "97530", "97035", "97116"]
    lines = [(code, 15, 1, "30.00") for code in codes]
    lines[6] = ("97116", 15, 1, "36.00")
    visit = add_visit(paper, dt.date(2026, 3, 4), lines=lines, billing_path="superbill")
    url = reverse("paperwork:visit_cms1500", args=[visit.pk])
    pages = pdf_pages(get_pdf(as_role("biller"), url, mode="data-only"))
    assert len(pages) == 2
    assert "PAGE 1 OF 2" in pages[0] and "PAGE 2 OF 2" in pages[1]
    # Six lines on page 1 (6 x $30 = $180.00), the seventh ($36.00) on page 2.
    assert "180 00" in " ".join(pages[0].split())
    assert "36 00" in " ".join(pages[1].split())
    superbill = pdf_text(
        get_pdf(as_role("biller"), reverse("paperwork:visit_superbill", args=[visit.pk]))
    )
    # 6 x 30 + 36 = $216.00 on one superbill.
    assert "Total charges $216.00" in superbill


def test_thirteen_diagnoses_print_on_the_cms1500_and_on_a_range_superbill(as_role, paper):
    visit = add_visit(
        paper, dt.date(2026, 3, 4), diagnoses=THIRTEEN, sign=False, billing_path="superbill"
    )
    Visit.objects.filter(pk=visit.pk).update(signed_at=dt.datetime(2026, 3, 4, 18, tzinfo=dt.UTC))
    form = pdf_text(get_pdf(as_role("biller"), reverse("paperwork:visit_cms1500", args=[visit.pk])))
    for code in THIRTEEN:
        assert code in form, code
    # On a superbill, 13 codes across two visits (12 + 1) are lettered A to M.
    paper_range = [add_visit(paper, dt.date(2026, 5, 4), diagnoses=THIRTEEN[:12])]
    paper_range.append(add_visit(paper, dt.date(2026, 5, 11), diagnoses=[THIRTEEN[12]]))
    url = reverse("paperwork:client_superbill", args=[paper["client"].pk])
    text = pdf_text(get_pdf(as_role("biller"), url, start="2026-05-01", end="2026-05-31"))
    assert "M M62.81 Muscle weakness (generalized)" in text
    assert "A M54.50" in text


def test_injury_case_shows_on_the_superbill_and_the_cms1500(as_role, users, injury_visit):
    superbill = pdf_text(
        get_pdf(as_role("therapist"), reverse("paperwork:visit_superbill", args=[injury_visit.pk]))
    )
    assert "CONDITION RELATED TO Auto accident (PIP)" in superbill
    assert "DATE OF ACCIDENT OR INJURY 02/20/2026" in superbill
    assert "INSURER CLAIM NUMBER PIP-2026-0042" in superbill
    assert "REFERRING NPI 1245319599" in superbill
    # The carrier is billed directly: the CMS-1500 prints from the claim record.
    [claim] = create_claims([injury_visit], user=users["biller"], practice=injury_visit.practice)
    form = pdf_text(
        get_pdf(as_role("biller"), reverse("claims:cms1500", args=[claim.pk]), mode="data")
    )
    assert claim.claim_id in form  # 26
    assert "SAFE ROADS AUTO" in form
    assert "Y4 PIP-2026-0042" in form  # 11b: property & casualty claim number
    assert "DN NGUYEN, LEE" in form or "DN LEE NGUYEN" in form  # 17
    assert "S134XXA" in form


def test_secondary_coverage_with_another_subscriber(as_role, paper):
    second = Payer.objects.create(
        practice=paper["practice"], name="Cascade Mutual", payer_id="CAS01"
    )
    coverage = Coverage.objects.create(
        practice=paper["practice"], client=paper["client"], payer=second, priority=2,
        member_id="CAS-55-0001", relationship=Relationship.SPOUSE,
        subscriber_first_name="Riley", subscriber_last_name="Example",
        subscriber_date_of_birth=dt.date(1983, 7, 1),
    )  # fmt: skip
    visit = add_visit(paper, dt.date(2026, 3, 4), coverage=coverage)
    text = pdf_text(
        get_pdf(as_role("biller"), reverse("paperwork:visit_superbill", args=[visit.pk]))
    )
    assert "Cascade Mutual (secondary)" in text
    assert "INSURED Riley Example (spouse of the client)" in text
    assert "CAS-55-0001" in text


def test_long_names_are_printed_whole_on_the_superbill(as_role, paper):
    client = Client.objects.create(
        practice=paper["practice"],
        first_name="Maximiliana-Josefina",
        middle_name="Bartholomea",
        last_name="Vandenberghe-Oppenheimer-Castellanos",
        date_of_birth=dt.date(1970, 1, 2),
        address_line1="12345 Northeast Extraordinarily Long Boulevard Apt 1234",
        city="Port Townsend",
        state="WA",
        zip_code="98368",
    )
    coverage = Coverage.objects.create(
        practice=paper["practice"], client=client, payer=paper["payer"], member_id="LONG-1"
    )
    visit = add_visit(paper, dt.date(2026, 3, 4), client=client, coverage=coverage)
    text = pdf_text(
        get_pdf(as_role("biller"), reverse("paperwork:visit_superbill", args=[visit.pk]))
    )
    assert "Maximiliana-Josefina B. Vandenberghe-Oppenheimer-Castellanos" in text.replace("- ", "-")
    assert "Extraordinarily Long Boulevard" in text


def test_letter_of_medical_necessity_is_prefilled_from_the_case_and_printed_as_edited(
    as_role, injury_visit
):
    client = as_role("therapist")
    url = reverse("paperwork:visit_necessity", args=[injury_visit.pk])
    form = client.get(url).context["form"]
    assert form.initial["frequency"] == "twice a week"  # the referral: "twice a week for 6 weeks"
    assert form.initial["duration"] == "6 weeks"
    assert form.initial["findings"].startswith("Hypertonic upper trapezius")
    letter = form.initial["text"]
    assert "S13.4XXA Sprain of ligaments of cervical spine, initial encounter" in letter
    assert "I prescribe treatment twice a week for 6 weeks" in letter
    assert "NPI 1245319599" in letter
    data = {
        "findings": "Trigger points in both upper trapezius.",
        "limitations": "Cannot turn the head to reverse the car.",
        "frequency": "once a week",
        "duration": "10 weeks",
        "goals": "Drive without pain",
        "text": letter,
        "action": "refresh",
    }
    rewritten = client.post(url, data).context["form"]["text"].value()
    assert "I prescribe treatment once a week for 10 weeks" in rewritten
    assert "Functional limitations: Cannot turn the head to reverse the car." in rewritten
    edited = rewritten.replace("Drive without pain", "Drive to work without pain by May")
    pdf = client.post(url, {**data, "text": edited, "action": "print"})
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Drive to work without pain by May" in text
    assert "Letter of medical necessity" in text or "LETTER OF MEDICAL NECESSITY" in text.upper()


def test_what_each_visit_was_paid_comes_from_the_payments_applied_oldest_first(paper):
    visits = [add_visit(paper, dt.date(2026, 3, d), billing_path="superbill") for d in (16, 2, 9)]
    nothing = payments_for(visits)
    assert {p.amount for p in nothing.values()} == {Decimal("0.00")}
    assert {p.method for p in nothing.values()} == {None}
    pay(paper, "250.00", "cash")  # $120.00 each
    payments = payments_for(visits)
    # 250 = 120 (03/02) + 120 (03/09) + 10 (03/16).
    cash = PaymentMethod.CASH
    assert payments[visits[1].pk] == Payment(Decimal("120.00"), ((cash, Decimal("120.00")),))
    assert payments[visits[2].pk] == Payment(Decimal("120.00"), ((cash, Decimal("120.00")),))
    assert payments[visits[0].pk] == Payment(Decimal("10.00"), ((cash, Decimal("10.00")),))
