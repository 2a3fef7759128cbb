"""An 835 is recognised by its content, not its bytes (issue 10): a re-send posts nothing and
names the earlier import; a claim payment already posted is queued as a duplicate payment, not
posted again; a reversal frees the adjudication it undoes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.claims.models import Claim
from knead.claims.services import BillingRefused, create_claims
from knead.remittance.imports import start_import
from knead.remittance.models import PaymentFingerprint, Posting, Remittance, WorkItem, WorkKind
from knead.remittance.queue import write_off

from .factories import billing_setup, signed_visit, x12

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(practice, users):
    setup = billing_setup(practice, users["therapist"])
    visits = [
        signed_visit(setup, dt.date(2026, 3, 2 + 7 * i), [("97124", 30, 2, "60.00", [])],
                     users["biller"])
        for i in range(2)
    ]  # fmt: skip
    made = create_claims(visits, user=users["biller"], practice=practice)
    Claim.objects.filter(pk__in=[c.pk for c in made]).update(status="accepted")
    return made


def _clp(claim_id: str, pcn: str, day: str, sign: str = "") -> list[tuple]:
    """A claim payment on a $60.00 97124 line: allowed 52.00 (CO-45 8.00), paid 41.60, the
    client's coinsurance (PR-2) 10.40. ``sign`` "-" makes it a reversal (CLP02 22)."""
    status = "22" if sign else "1"
    return [
        ("CLP", claim_id, status, f"{sign}60", f"{sign}41.6", f"{sign}10.4", "12", pcn),
        ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
        ("SVC", ("HC", "97124"), f"{sign}60", f"{sign}41.6", "", "2"),
        ("DTM", "472", day),
        ("CAS", "CO", "45", f"{sign}8"),
        ("CAS", "PR", "2", f"{sign}10.4"),
    ]


def _era(trace: str, amount: str, payments: list[list[tuple]], control: int = 600) -> str:
    body = [
        ("BPR", "I", amount, "C", "ACH", "CCP", "01", "999999992", "DA", "123456",
         "1512345678", "", "01", "999988880", "DA", "98765", "20260420"),
        ("TRN", "1", trace, "1512345678"),
        ("N1", "PR", "EVERGREEN HEALTH PLAN"),
        ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
        ("LX", "1"),
    ]  # fmt: skip
    for segments in payments:
        body += segments
    return x12("835", "005010X221A1", "HP", body, control=control)


def _paid(claim: Claim) -> Decimal:
    claim.refresh_from_db()
    return claim.paid


def test_a_resend_with_other_bytes_posts_nothing_and_names_the_earlier_import(
    practice, users, claims
):
    first_claim, second_claim = claims
    era = _era("EFT0100", "83.20", [_clp(first_claim.claim_id, "PCN1", "20260302"),
                                    _clp(second_claim.claim_id, "PCN2", "20260309")])  # fmt: skip
    first = start_import(era, name="april.835", user=users["biller"], practice=practice)
    assert not first.already and first.remittance.status == "done"
    postings = Posting.objects.count()
    # Each claim: the payment, the CO-45 and the PR-2 amounts (3 postings), paid $41.60.
    assert postings == 6 and (_paid(first_claim), _paid(second_claim)) == (D("41.60"), D("41.60"))
    resends = [
        era.replace("~", "~\r\n"),  # CRLF line breaks
        era + "\n",  # a trailing newline
        _era("EFT0100", "83.20", [_clp(first_claim.claim_id, "PCN1", "20260302"),
                                  _clp(second_claim.claim_id, "PCN2", "20260309")],
             control=987),  # new ISA13 / GS06 control numbers
    ]  # fmt: skip
    when = f"{first.remittance.created:%m/%d/%Y}"
    for number, text in enumerate(resends):
        again = start_import(text, name=f"resend-{number}.835", user=users["biller"],
                             practice=practice)  # fmt: skip
        assert again.already and again.remittance.pk == first.remittance.pk
        assert again.message == (
            f"This 835 was already imported as april.835 on {when} (trace EFT0100); "
            "nothing was posted."
        )
    assert Remittance.objects.count() == 1
    assert Posting.objects.count() == postings
    assert (_paid(first_claim), _paid(second_claim)) == (D("41.60"), D("41.60"))


def test_the_upload_page_answers_a_resend_with_the_earlier_import(as_role, practice, users,
                                                                  claims):  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    era = _era("EFT0200", "41.60", [_clp(claims[0].claim_id, "PCN1", "20260302")])
    client = as_role("biller")
    client.post(
        reverse("remittance:upload"), {"file": SimpleUploadedFile("first.835", era.encode())}
    )
    response = client.post(
        reverse("remittance:upload"),
        {"file": SimpleUploadedFile("again.835", era.replace("~", "~\n").encode())},
        follow=True,
    )
    page = response.content.decode()
    assert "This 835 was already imported as first.835" in page and "(trace EFT0200)" in page
    assert Remittance.objects.count() == 1


def test_a_new_file_repeating_a_posted_payment_queues_it_and_posts_the_rest(
    practice, users, claims
):
    first_claim, second_claim = claims
    start_import(_era("EFT0300", "41.60", [_clp(first_claim.claim_id, "PCN1", "20260302")]),
                 name="march.835", user=users["biller"], practice=practice)  # fmt: skip
    earlier = Remittance.objects.get()
    # A new trace: claim 1's adjudication again (same PCN, charge and payment), claim 2 new.
    second = start_import(
        _era("EFT0301", "83.20", [_clp(first_claim.claim_id, "PCN1", "20260302"),
                                  _clp(second_claim.claim_id, "PCN2", "20260309")]),
        name="april.835", user=users["biller"], practice=practice,
    ).remittance  # fmt: skip
    assert (second.status, second.claim_count, second.processed, second.repeats) == (
        "done",
        2,
        1,
        1,
    )
    # Claim 1 keeps the one payment ($41.60, not $83.20); claim 2 is paid from the new file.
    assert (_paid(first_claim), _paid(second_claim)) == (D("41.60"), D("41.60"))
    assert Posting.objects.filter(remittance=second, claim=first_claim).count() == 0
    item = WorkItem.objects.get(kind=WorkKind.DUPLICATE)
    assert (item.remittance_id, item.claim_id, item.amount) == (
        second.pk,
        first_claim.pk,
        D("41.60"),
    )
    assert item.detail["earlier_remittance"] == earlier.pk
    assert (
        f"already posted from march.835 imported {earlier.created:%m/%d/%Y} (trace EFT0300)"
        in item.detail["why"]
    )
    with pytest.raises(BillingRefused, match="was not posted"):
        write_off(item, reason="x", user=users["biller"])


def test_the_duplicate_payment_page_explains_and_offers_only_marking_it_done(
    as_role, practice, users, claims
):
    era = _era("EFT0400", "41.60", [_clp(claims[0].claim_id, "PCN1", "20260302")])
    start_import(era, name="one.835", user=users["biller"], practice=practice)
    start_import(_era("EFT0401", "41.60", [_clp(claims[0].claim_id, "PCN1", "20260302")]),
                 name="two.835", user=users["biller"], practice=practice)  # fmt: skip
    item = WorkItem.objects.get(kind=WorkKind.DUPLICATE)
    page = as_role("biller").get(reverse("remittance:work_item", args=[item.pk])).content.decode()
    assert "Duplicate payment" in page and "already posted from one.835" in page
    assert 'value="write_off"' not in page and 'value="bill_client"' not in page
    assert 'value="dismiss"' in page


def test_after_a_reversal_the_same_adjudication_posts_again_and_a_second_reversal_does_not(
    practice, users, claims
):
    claim = claims[0]
    pay = _clp(claim.claim_id, "PCN1", "20260302")
    reverse_it = _clp(claim.claim_id, "PCN1", "20260302", sign="-")
    start_import(_era("EFT0500", "41.60", [pay]), name="pay.835", user=users["biller"],
                 practice=practice)  # fmt: skip
    start_import(_era("EFT0501", "-41.60", [reverse_it]), name="reverse.835",
                 user=users["biller"], practice=practice)  # fmt: skip
    assert _paid(claim) == D("0.00")  # 41.60 - 41.60
    # The payer reprocesses the claim with the same result: posted, since the first was undone.
    start_import(_era("EFT0502", "41.60", [pay]), name="repay.835", user=users["biller"],
                 practice=practice)  # fmt: skip
    assert _paid(claim) == D("41.60")
    assert not WorkItem.objects.filter(kind=WorkKind.DUPLICATE).exists()
    # The same reversal, sent again in a file of its own, would take the payment back twice.
    start_import(_era("EFT0503", "-41.60", [reverse_it]), name="reverse-again.835",
                 user=users["biller"], practice=practice)  # fmt: skip
    assert _paid(claim) == D("0.00")  # reversed once: 41.60 - 41.60
    start_import(_era("EFT0504", "-41.60", [reverse_it]), name="reverse-third.835",
                 user=users["biller"], practice=practice)  # fmt: skip
    assert _paid(claim) == D("0.00")  # not -41.60
    assert WorkItem.objects.filter(kind=WorkKind.DUPLICATE).count() == 1
    live = PaymentFingerprint.objects.filter(reversal=False, undone_by__isnull=True)
    assert live.count() == 0  # both payments were undone


def test_a_failed_import_is_retried_by_importing_the_file_again(practice, users, claims,
                                                                monkeypatch):  # fmt: skip
    from knead.remittance import imports

    era = _era("EFT0600", "41.60", [_clp(claims[0].claim_id, "PCN1", "20260302")])
    original = imports.post_remittance

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "post_remittance", broken)
    with pytest.raises(RuntimeError):
        start_import(era, name="era.835", user=users["biller"], practice=practice)
    failed = Remittance.objects.get()
    assert failed.status == "failed" and "disk full" in failed.error
    assert not Posting.objects.exists()
    monkeypatch.setattr(imports, "post_remittance", original)
    again = start_import(era.replace("~", "~\n"), name="era-again.835", user=users["biller"],
                         practice=practice)  # fmt: skip
    assert not again.already and again.remittance.pk == failed.pk
    assert (again.remittance.status, again.remittance.file_name) == ("done", "era-again.835")
    assert _paid(claims[0]) == D("41.60")
