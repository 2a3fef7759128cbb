"""Claims beyond the happy path: scrub gating, rejections with reasons, corrected and secondary
claims, unmatched 835 items, an import queued for a worker, and eligibility."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from knead.claims.eligibility import import_271, new_inquiry
from knead.claims.models import Claim
from knead.claims.services import (
    BillingRefused,
    build_batch,
    corrected_claim,
    create_claims,
    import_acknowledgement,
    scrub_claim,
)
from knead.claims.states import TransitionRefused
from knead.clients.models import Coverage
from knead.jobs.runner import execute
from knead.practice.models import Credentialing, Payer
from knead.remittance.imports import start_import
from knead.remittance.models import JobStatus, Posting, WorkItem, WorkKind
from knead.remittance.queue import dismiss, write_off
from knead.remittance.secondary import secondary_claim

from ..conftest import signed_in
from .factories import billing_setup, signed_visit, x12
from .test_end_to_end import _era2

D = Decimal


@pytest.fixture
def setup(practice, users):
    return billing_setup(practice, users["therapist"])


def _claims(setup, practice, user, n=1):
    visits = [
        signed_visit(setup, dt.date(2026, 3, 2 + 7 * i), [("97124", 30, 2, "60.00", [])], user)
        for i in range(n)
    ]
    return create_claims(visits, user=user, practice=practice)


@pytest.mark.django_db
def test_a_claim_with_scrub_errors_stays_in_draft_and_cannot_be_batched(practice, users, setup):
    setup["coverage"].member_id = ""
    Coverage.objects.filter(pk=setup["coverage"].pk).update(member_id="")
    claim = _claims(setup, practice, users["biller"])[0]
    findings = scrub_claim(claim, user=users["biller"], as_of=dt.date(2026, 3, 30))
    assert "MEMBER_ID_MISSING" in [f["rule"] for f in findings if f["severity"] == "error"]
    assert claim.status == "draft"
    with pytest.raises(BillingRefused, match="Only READY claims"):
        build_batch([claim], user=users["biller"], practice=practice)
    page = pytest.importorskip("django.test").Client()
    page.force_login(users["biller"])
    html = page.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "cannot leave DRAFT" in html
    assert reverse("clients:coverage_edit", args=[setup["coverage"].pk]) in html


@pytest.mark.django_db
def test_unsigned_visits_and_visits_already_claimed_are_refused(practice, users, setup):
    claim = _claims(setup, practice, users["biller"])[0]
    visit = claim.lines.first().visit
    with pytest.raises(BillingRefused, match="already on a claim"):
        create_claims([visit], user=users["biller"], practice=practice)


@pytest.mark.django_db
def test_grouping_puts_a_date_range_on_one_claim(practice, users, setup):
    visits = [
        signed_visit(setup, dt.date(2026, 3, d), [("97124", 30, 2, "60.00", [])], users["owner"])
        for d in (2, 9)
    ]
    [claim] = create_claims(visits, user=users["biller"], practice=practice, group=True)
    assert (claim.service_from, claim.service_to, claim.charge) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
        D("120.00"),
    )
    assert claim.lines.count() == 2


def _claim_acknowledgement(claim, claim_status):
    """A 277CA for ``claim`` whose claim-level STC01 is ``claim_status``."""
    return x12(
        "277",
        "005010X214",
        "HN",
        [
            ("BHT", "0085", "08", "T1", "20260401", "0900", "TH"),
            ("HL", "1", "", "20", "1"),
            ("NM1", "PR", "2", "EVERGREEN"),
            ("TRN", "1", "T1"),
            ("DTP", "050", "D8", "20260401"),
            ("DTP", "009", "D8", "20260401"),
            ("HL", "2", "1", "21", "1"),
            ("NM1", "41", "2", "CEDAR LANE", "", "", "", "", "46", "S1"),
            ("TRN", "2", "B1"),
            ("STC", ("A1", "19", "PR"), "20260401", "WQ", "60"),
            ("QTY", "90", "0"),
            ("QTY", "AA", "1"),
            ("AMT", "YU", "0"),
            ("AMT", "YY", "60"),
            ("HL", "3", "2", "19", "1"),
            ("NM1", "85", "2", "CEDAR LANE", "", "", "", "", "XX", "1234567893"),
            ("HL", "4", "3", "PT"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN", "", "", "", "MI", "EVG123456789"),
            ("TRN", "2", claim.claim_id),
            ("STC", claim_status, "20260401", "U", "60"),
            ("DTP", "472", "RD8", "20260302-20260302"),
        ],
    )


@pytest.mark.django_db
def test_a_277ca_rejection_records_the_reason_and_the_claim_goes_back_to_draft(
    practice, users, setup
):
    claim = _claims(setup, practice, users["biller"])[0]
    scrub_claim(claim, user=users["biller"], as_of=dt.date(2026, 3, 30))
    build_batch([claim], user=users["biller"], practice=practice, as_of=dt.date(2026, 3, 30))
    report = _claim_acknowledgement(claim, ("A7", "562", "85"))
    result = import_acknowledgement(
        report, name="claims.277", user=users["biller"], practice=practice
    )
    assert (result.record.kind, result.record.rejected) == ("277CA", 1)
    claim.refresh_from_db()
    assert claim.status == "rejected"
    last = claim.events.last()
    assert last.source == "277CA" and "A7:562" in last.reason
    again = import_acknowledgement(report, name="copy.277", user=users["biller"], practice=practice)
    assert again.already


@pytest.mark.django_db
def test_a_277ca_that_only_acknowledges_receipt_leaves_the_claim_awaiting_its_outcome(
    practice, users, setup
):
    claim = _claims(setup, practice, users["biller"])[0]
    scrub_claim(claim, user=users["biller"], as_of=dt.date(2026, 3, 30))
    build_batch([claim], user=users["biller"], practice=practice, as_of=dt.date(2026, 3, 30))
    claim.refresh_from_db()
    sent = claim.status
    report = _claim_acknowledgement(claim, ("A1", "19", "PR"))
    result = import_acknowledgement(
        report, name="received.277", user=users["biller"], practice=practice
    )
    assert (result.record.accepted, result.record.rejected) == (0, 0)
    claim.refresh_from_db()
    assert claim.status == sent != "accepted"


@pytest.mark.django_db
def test_unmatched_claims_and_reversals_without_a_posting_go_to_the_queue(practice, users, setup):
    claims = _claims(setup, practice, users["biller"], n=2)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(status="accepted")
    start_import(
        _era2(claims[0].claim_id, claims[1].claim_id, "KN99999998", "KN99999999"),
        name="era.835",
        user=users["biller"],
        practice=practice,
    )
    kinds = sorted(WorkItem.objects.values_list("kind", flat=True))
    # Claim 2's 97140 line is not on our claim 2 (one 97124 line): a line not matched.
    assert kinds == sorted(
        [
            WorkKind.UNMATCHED_LINE,
            WorkKind.DENIAL,
            WorkKind.UNMATCHED_CLAIM,
            WorkKind.UNMATCHED_CLAIM,
        ]
    )
    # Nothing dropped: the unmatched claims' money is posted to the remittance, to no claim.
    from knead.remittance.models import Posting

    assert (
        Posting.objects.filter(claim__isnull=True, kind="denial").count() == 1
    )  # CO-50 of KN99999998
    unmatched = WorkItem.objects.filter(kind=WorkKind.UNMATCHED_CLAIM).first()
    with pytest.raises(BillingRefused, match="not matched to a claim"):
        write_off(unmatched, reason="x", user=users["biller"])
    dismiss(unmatched, note="Not our patient; returned to the payer.", user=users["biller"])
    unmatched.refresh_from_db()
    assert (unmatched.status, unmatched.resolution) == ("done", "noted")


@pytest.mark.django_db
def test_corrected_claim_references_the_payer_claim_number(practice, users, setup):
    claim = _claims(setup, practice, users["biller"])[0]
    with pytest.raises(BillingRefused, match="never sent"):
        corrected_claim(claim, user=users["biller"])
    Claim.objects.filter(pk=claim.pk).update(status="denied", payer_claim_number="PCN77")
    claim.refresh_from_db()
    new = corrected_claim(claim, user=users["biller"], modifiers={1: ["59"]})
    assert (new.frequency, new.original_claim_number, new.status) == ("7", "PCN77", "draft")
    assert new.lines.get().modifiers == ["59"]
    scrub_claim(new, user=users["biller"], as_of=dt.date(2026, 3, 30))
    batch = build_batch(
        [new], user=users["biller"], practice=practice, as_of=dt.date(2026, 3, 30)
    ).batch
    assert "CLM*" + new.claim_id + "*60*" in batch.content.replace(".00", "")
    assert ":B:7*" in batch.content and "REF*F8*PCN77" in batch.content


@pytest.mark.django_db
def test_secondary_claim_carries_the_primary_adjudication(practice, users, setup):
    claims = _claims(setup, practice, users["biller"], n=1)
    Claim.objects.filter(pk=claims[0].pk).update(status="accepted")
    era = _era2(claims[0].claim_id, "KN0", "KN1", "KN2")
    start_import(era, name="era.835", user=users["biller"], practice=practice)
    primary = Claim.objects.get(pk=claims[0].pk)
    with pytest.raises(BillingRefused, match="no secondary coverage"):
        secondary_claim(primary, user=users["biller"])
    other = Payer.objects.create(practice=practice, name="Second Plan", payer_id="SEC01")
    Credentialing.objects.create(
        practice=practice, provider=setup["provider"], payer=other, status="credentialed"
    )
    Coverage.objects.create(
        practice=practice, client=setup["client"], payer=other, priority=2, member_id="SEC123"
    )
    secondary = secondary_claim(primary, user=users["biller"])
    [cob] = secondary.other_payers
    # Primary: paid 41.60, line CO-45 8.00 and PR-2 10.40 (ERA 2, claim 1).
    assert cob["paid_amount"] == "41.60" and cob["claim_number"] == "PCN1"
    assert cob["line_adjudications"] == [
        {
            "line": 1,
            "paid_amount": "41.60",
            "paid_date": "2026-04-20",
            "adjustments": [
                {"group": "CO", "reason": "45", "amount": "8.00"},
                {"group": "PR", "reason": "2", "amount": "10.40"},
            ],
        }
    ]
    findings = scrub_claim(secondary, user=users["biller"], as_of=dt.date(2026, 4, 25))
    assert [f["rule"] for f in findings if f["severity"] == "error"] == []
    batch = build_batch(
        [secondary], user=users["biller"], practice=practice, as_of=dt.date(2026, 4, 25)
    ).batch
    assert "SBR*S*" in batch.content and "SVD*EVG01*41.6" in batch.content


@pytest.mark.django_db
def test_a_queued_import_waits_for_a_worker_which_posts_it_once(practice, users, setup, client):
    claims = _claims(setup, practice, users["biller"], n=1)
    Claim.objects.filter(pk=claims[0].pk).update(status="accepted")
    result = start_import(
        _era2(claims[0].claim_id, "KN0", "KN1", "KN2"),
        name="era.835",
        user=users["biller"],
        practice=practice,
        queue=True,
    )
    remittance, job = result.remittance, result.job
    assert (remittance.status, job.state, job.kind) == (JobStatus.QUEUED, "queued", "era_import")
    assert not Posting.objects.filter(remittance=remittance).exists()
    client.force_login(users["biller"])
    waiting = client.get(reverse("remittance:progress", args=[remittance.pk])).content.decode()
    assert f"Waiting for a worker (job {job.pk})" in waiting and "hx-get" in waiting
    # What a worker does with the job's task: run the attempt named by the job's token.
    assert execute(job.pk, job.token) == "done"
    remittance.refresh_from_db()
    job.refresh_from_db()
    # ERA 2 holds 4 claim payments; only claim 1 is ours (the other 3 are not found).
    assert (remittance.status, remittance.processed, remittance.matched) == (JobStatus.DONE, 4, 1)
    assert (job.state, job.attempts, job.percent) == ("done", 1, 100)
    assert job.note == "Posted 4 claims (1 matched, 3 not found)."
    posted = Posting.objects.filter(remittance=remittance).count()
    assert posted > 0
    # The same attempt delivered twice (a task run again) does nothing.
    assert execute(job.pk, job.token) == "skipped"
    assert Posting.objects.filter(remittance=remittance).count() == posted
    fragment = client.get(reverse("remittance:progress", args=[remittance.pk]))
    assert "Posted 4 claims" in fragment.content.decode() and fragment["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_an_unreadable_835_stores_nothing_and_says_where(practice, users):
    with pytest.raises(BillingRefused, match="segment"):
        start_import("ISA*00*bad~", name="bad.835", user=users["biller"], practice=practice)
    from knead.remittance.models import Remittance

    assert not Remittance.objects.exists()


@pytest.mark.django_db
def test_moving_a_claim_the_life_cycle_refuses_is_refused(practice, users, setup):
    from knead.claims.services import transition
    from knead.claims.states import ClaimState

    claim = _claims(setup, practice, users["biller"])[0]
    with pytest.raises(TransitionRefused):
        transition(claim, ClaimState.PAID, user=users["biller"])
    assert Claim.objects.get(pk=claim.pk).status == "draft"


@pytest.mark.django_db
def test_eligibility_270_then_271_summary_on_the_coverage(practice, users, setup):
    check = new_inquiry(setup["coverage"], user=users["biller"], day=dt.date(2026, 4, 1))
    assert "*270*" in check.inquiry and "EQ*AE" in check.inquiry and check.trace in check.inquiry
    response = x12(
        "271",
        "005010X279A1",
        "HB",
        [
            ("BHT", "0022", "11", "R1", "20260401", "0900"),
            ("HL", "1", "", "20", "1"),
            ("NM1", "PR", "2", "EVERGREEN HEALTH PLAN", "", "", "", "", "PI", "EVG01"),
            ("HL", "2", "1", "21", "1"),
            ("NM1", "1P", "2", "CEDAR LANE", "", "", "", "", "XX", "1234567893"),
            ("HL", "3", "2", "22", "0"),
            ("TRN", "2", check.trace, "9999999999"),
            ("NM1", "IL", "1", "EXAMPLE", "JORDAN", "", "", "", "MI", "EVG123456789"),
            ("DMG", "D8", "19850314"),
            ("EB", "1", "IND", "30"),
            ("EB", "A", "IND", "AE", "", "", "", "", "0.2"),
            ("EB", "F", "IND", "AE", "", "", "27", "", "", "VS", "20"),
        ],
    )
    import_271(check, response, user=users["biller"])
    check.refresh_from_db()
    assert check.active is True
    ae = check.benefits["subscribers"][0]["benefits"]["AE"]
    assert ae["coinsurance"] == "0.2" and ae["visit_limit"] == "20"
    # EB08 0.2 is a fraction; the coverage page shows the percent.
    page = signed_in(users["biller"]).get(reverse("clients:coverage", args=[setup["coverage"].pk]))
    assert '<td class="num">20%</td>' in page.content.decode()


@pytest.mark.django_db
def test_a_999_whose_control_number_reads_277_is_still_a_999():
    from knead.claims.models import AckKind
    from knead.claims.services import import_acknowledgement
    from knead.practice.models import Practice

    practice = Practice.objects.create(name="Ack Practice")
    text = x12(
        "999",
        "005010X231A1",
        "FA",
        [("AK1", "HC", "277", "005010X222A1"), ("AK9", "A", "0", "0", "0")],
        control=277,
    )
    assert (
        import_acknowledgement(text, name="a.999", user=None, practice=practice).record.kind
        == AckKind.FUNCTIONAL
    )


@pytest.mark.django_db
def test_claim_history_states_posted_money_to_the_cent():
    import re

    from knead.claims.models import ClaimEvent
    from knead.practice.models import Practice

    from .factories import make_billing_records

    make_billing_records(Practice.objects.create(name="History Practice"), {})
    reasons = list(ClaimEvent.objects.values_list("reason", flat=True))
    assert any("paid" in reason for reason in reasons)
    assert not [reason for reason in reasons if re.search(r"\d\.\d{3,}", reason)]


@pytest.mark.django_db
def test_a_co_denial_is_billed_to_the_client_only_with_a_signed_waiver(practice, users, setup):
    claims = _claims(setup, practice, users["biller"], n=2)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(status="accepted")
    start_import(
        _era2(claims[0].claim_id, claims[1].claim_id, "KN99999998", "KN99999999"),
        name="era.835",
        user=users["biller"],
        practice=practice,
    )
    item = WorkItem.objects.get(kind=WorkKind.DENIAL)  # claim 2's 97140, CO-97 35.00
    biller = signed_in(users["biller"])
    act = reverse("remittance:act", args=[item.pk])
    page = biller.get(reverse("remittance:work_item", args=[item.pk])).content.decode()
    assert "The client signed a waiver for this service" in page
    refused = biller.post(act, {"action": "bill_client"}, follow=True).content.decode()
    assert "cannot be billed to the client unless they signed a waiver" in refused
    item.refresh_from_db()
    assert item.status == "open"
    biller.post(act, {"action": "bill_client", "waiver": "on"})
    item.refresh_from_db()
    assert (item.status, item.resolution) == ("done", "billed_client")
