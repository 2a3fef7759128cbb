"""A biller's happy path in Chromium: claims from signed visits, an 837P batch, the 999, the
835, and a CO-97 denial written off from the queue."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from knead.accounts.models import User
from knead.claims.models import Batch, Claim
from knead.practice.models import Membership, Practice, Role
from tests.web.billing.factories import billing_setup, signed_visit, x12
from tests.web.billing.test_end_to_end import _era2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-browser-passphrase"


@pytest.fixture
def biller():
    practice = Practice.objects.create(name="Cedar Lane Massage", state="WA")
    user = User.objects.create_user("bea", password=PASSWORD, first_name="Bea")
    Membership.objects.create(user=user, practice=practice, role=Role.BILLER)
    setup = billing_setup(practice, None)
    for day, lines in [
        (dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])]),
        (dt.date(2026, 3, 9), [("97124", 30, 2, "60.00", []), ("97140", 15, 1, "35.00", ["59"])]),
        (dt.date(2026, 3, 16), [("97124", 30, 2, "60.00", [])]),
        (dt.date(2026, 3, 23), [("97124", 30, 2, "60.00", [])]),
    ]:
        signed_visit(setup, day, lines, user)
    return user


def test_biller_bills_posts_and_works_a_denial(page, biller):
    page.goto(reverse("accounts:login"))
    page.fill("#id_username", "bea")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.click("nav >> text=Claims")
    page.click("text=+ Claims from signed visits")
    page.click("text=Create and scrub")
    page.wait_for_selector("text=4 claim(s) created and scrubbed.")
    assert page.locator("table .badge:has-text('Ready')").count() == 4

    page.click("nav >> text=Batches")
    page.click("text=Build 837P")
    page.wait_for_selector("text=written with 4 claim(s)")
    with page.expect_download() as download:
        page.click("text=Download 837P")
    assert download.value.suggested_filename.startswith("837P-")

    batch = Batch.objects.get()
    ack = x12(
        "999",
        "005010X231A1",
        "FA",
        [
            ("AK1", "HC", str(batch.group_control), "005010X222A1"),
            ("AK2", "837", "0001", "005010X222A1"),
            ("IK5", "A"),
            ("AK9", "A", "1", "1", "1"),
        ],
    )
    page.click("nav >> text=Batches")
    page.set_input_files(
        "#ack-file", files=[{"name": "batch.999", "mimeType": "text/plain", "buffer": ack.encode()}]
    )
    page.click("form:has(#ack-file) button[type=submit]")
    page.wait_for_selector("text=4 claim(s) accepted, 0 rejected")

    ids = list(Claim.objects.order_by("id").values_list("claim_id", flat=True))
    page.click("nav >> text=Remittance")
    page.set_input_files(
        "#era",
        files=[{"name": "era.835", "mimeType": "text/plain", "buffer": _era2(*ids).encode()}],
    )
    page.click("text=Import and post")
    page.wait_for_selector("text=Posted 4 claims")

    page.click("nav >> text=Denials")
    row = page.locator("tr:has-text('CO-97')")
    assert "59" in row.inner_text()  # the suggested action: add 59 if distinct
    row.locator("text=Work it").click()
    page.fill("#wo", "NCCI bundling, not distinct")
    page.click("text=Write off $35.00")
    page.wait_for_selector("text=Written off.")
    assert page.locator("tr:has-text('CO-97')").count() == 0
