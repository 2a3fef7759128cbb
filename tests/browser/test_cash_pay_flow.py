"""The cash-pay clinic's day in Chromium: the therapist signs a self-pay visit, the front desk
takes $165 by card at checkout and prints the receipt, the superbill packet says paid in full,
the client's ledger is zero, and the month-end batch says the same."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from knead.accounts.models import User
from knead.clients.models import Client
from knead.ledger.selectors import client_balance
from knead.practice.models import Membership, Practice, Provider, Role
from knead.visits.models import ServiceLine, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-browser-passphrase"
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def clinic(settings) -> dict:
    """A cash-pay clinic: a therapist, a front desk, and an unsigned self-pay visit of 60
    minutes of 97124 (4 units) at $165.00."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    practice = Practice.objects.create(
        name="Quiet Pines Massage", state="WA", npi="1234567893", tax_id_kind="EIN",
        tax_id="91-1234567", address_line1="100 Cedar Lane", city="Seattle", zip_code="98101",
        phone="206-555-0100",
    )  # fmt: skip
    therapist = User.objects.create_user("maya", password=PASSWORD, first_name="Maya",
                                         last_name="Lind")  # fmt: skip
    desk = User.objects.create_user("fran", password=PASSWORD, first_name="Fran")
    Membership.objects.create(user=therapist, practice=practice, role=Role.THERAPIST)
    Membership.objects.create(user=desk, practice=practice, role=Role.FRONT_DESK)
    provider = Provider.objects.create(
        practice=practice, first_name="Maya", last_name="Lind", npi="1558598797",
        licence_state="WA", licence_number="MA60000001", user=therapist,
    )  # fmt: skip
    client = Client.objects.create(
        practice=practice, first_name="Robin", last_name="Testperson",
        date_of_birth=dt.date(1985, 3, 14), address_line1="77 Alder Way", city="Lacey",
        state="WA", zip_code="98503",
    )  # fmt: skip
    visit = Visit.objects.create(
        practice=practice, client=client, provider=provider, date=DAY,
        billing_path="self_pay", subjective="Low back ache after gardening, 5/10.",
        objective="Hypertonic quadratus lumborum, right.", assessment="Responding well.",
        plan="Every two weeks.", diagnoses=["M5450"],
    )  # fmt: skip
    ServiceLine.objects.create(visit=visit, position=1, code="97124", minutes=60, units=4,
                               charge=Decimal("165.00"), pointers=[1])  # fmt: skip
    return {"client": client, "visit": visit}


def sign_in(page, username: str) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_sign_take_165_by_card_and_every_paper_says_paid_in_full(page, clinic):
    visit, client = clinic["visit"], clinic["client"]
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "maya")
    page.goto(reverse("visits:detail", args=[visit.pk]))
    page.click("button:has-text('Sign & lock')")
    page.wait_for_selector("text=Signed by")
    assert page.locator("a:has-text('Checkout')").count() == 0  # the therapist takes no money

    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/accounts/"))
    sign_in(page, "fran")
    page.goto(reverse("clients:detail", args=[client.pk]))
    page.click("#visits a:has-text('Checkout')")
    page.wait_for_selector("h1:has-text('Checkout')")
    assert page.inner_text("#charge-total") == "$165.00"
    assert page.input_value("#id_amount") == "165.00"
    page.select_option("#id_method", "card")
    page.fill("#id_reference", "4242")
    page.click("button:has-text('Take payment')")
    page.wait_for_selector("h1:has-text('Receipt R')")
    receipt = page.inner_text("#receipt")
    assert "$165.00" in receipt and "card ending 4242" in receipt
    assert "Visit of 03/02/2026" in receipt
    assert "Balance after this payment: nothing owed" in receipt

    page.goto(reverse("paperwork:visit", args=[visit.pk]))
    assert "Paid in full" in page.inner_text("#superbill-paid")
    with page.expect_download() as download:
        page.click("#superbill button:has-text('Download')")
    packet = pdf_text(Path(download.value.path()).read_bytes())
    assert "PAID IN FULL: the client paid $165.00 by card" in packet
    assert "Balance due $0.00" in packet

    page.goto(reverse("ledger:client", args=[client.pk]))
    assert page.inner_text("#client-balance .l") == "nothing owed"
    assert client_balance(client) == Decimal("0.00")

    page.goto(reverse("paperwork:months"))
    page.fill("#id_month", "2026-03")
    page.click("button[type=submit]:has-text('Generate')")
    page.wait_for_selector("text=Download the ZIP")
    with page.expect_download() as download:
        page.click("text=Download the ZIP")
    archive = zipfile.ZipFile(download.value.path())
    (name,) = [n for n in archive.namelist() if n.endswith(".pdf")]
    month = pdf_text(archive.read(name))
    assert "PAID IN FULL: the client paid $165.00 by card" in month
    assert "Balance due $0.00" in month
