"""Claims that cannot escape the rules (issue 10): READY needs a clean scrub at that moment,
a batch re-scrubs every claim as of its day, moves by hand are only READY, DRAFT and CLOSED,
the claim page offers what the state machine allows, and only DIRECT visits become claims."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from knead.claims.models import Batch, Claim, ClaimEvent
from knead.claims.services import (
    BillingRefused,
    ScrubRefused,
    billable_visits,
    build_batch,
    create_claims,
    move_by_hand,
    scrub_claim,
    transition,
)
from knead.claims.states import ClaimState, TransitionRefused
from knead.clients.models import Coverage

from .factories import billing_setup, signed_visit

S = ClaimState
pytestmark = pytest.mark.django_db
ONE_LINE = [("97124", 30, 2, "60.00", [])]


@pytest.fixture
def setup(practice, users):
    return billing_setup(practice, users["therapist"])


@pytest.fixture
def biller(users) -> HttpClient:
    client = HttpClient()
    client.force_login(users["biller"])
    return client


def _recent_claim(setup, practice, users, days_ago: int = 10) -> Claim:
    """A DRAFT claim for a visit ``days_ago`` days before today (scrubs as of today work)."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    visit = signed_visit(setup, day, ONE_LINE, users["owner"])
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    return claim


def _lose_member_id(setup) -> None:
    # The coverage loses its member ID after the claim was made (MEMBER_ID_MISSING, an error).
    Coverage.objects.filter(pk=setup["coverage"].pk).update(member_id="")


# --- READY needs a clean scrub as of that moment -------------------------------------------


def test_moving_to_ready_rescrubs_and_refuses_with_the_findings(practice, users, setup):
    claim = _recent_claim(setup, practice, users)
    assert claim.state is S.DRAFT and claim.scrubbed_at is None
    _lose_member_id(setup)
    with pytest.raises(ScrubRefused, match="cannot go to READY") as refused:
        transition(claim, S.READY, user=users["biller"])
    assert "MEMBER_ID_MISSING" in str(refused.value)
    assert "MEMBER_ID_MISSING" in [f["rule"] for f in refused.value.findings]
    claim.refresh_from_db()
    assert claim.state is S.DRAFT
    assert "MEMBER_ID_MISSING" in [f["rule"] for f in claim.errors]  # stored for the page
    assert not claim.events.filter(to_status="ready").exists()


def test_a_clean_claim_moves_to_ready_and_the_move_is_recorded(practice, users, setup):
    claim = _recent_claim(setup, practice, users)
    transition(claim, S.READY, user=users["biller"], reason="Checked by hand.")
    claim.refresh_from_db()
    assert claim.state is S.READY and claim.errors == [] and claim.scrubbed_at is not None
    event = claim.events.get(to_status="ready")
    assert (event.from_status, event.user, event.reason) == (
        "draft",
        users["biller"],
        "Checked by hand.",
    )


def test_a_post_to_ready_with_scrub_errors_does_not_move_the_claim(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    _lose_member_id(setup)
    response = biller.post(reverse("claims:move", args=[claim.pk]), {"to": "ready"}, follow=True)
    claim.refresh_from_db()
    assert claim.state is S.DRAFT
    html = response.content.decode()
    assert "cannot go to READY" in html and "MEMBER_ID_MISSING" in html
    assert "cannot leave DRAFT" in html


def test_a_post_to_ready_of_a_clean_claim_moves_it(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    response = biller.post(reverse("claims:move", args=[claim.pk]), {"to": "ready"}, follow=True)
    claim.refresh_from_db()
    assert claim.state is S.READY
    assert "Moved to READY." in response.content.decode()


@pytest.mark.parametrize(
    ("start", "target", "why"),
    [
        ("ready", "submitted", "only by building a batch, not by hand"),
        ("submitted", "accepted", "only by a 999 or 277CA that accepts it"),
        ("submitted", "paid", "only by posting the payer&#x27;s 835, not by hand"),
        ("denied", "appealed", "only by starting an appeal, not by hand"),
        ("ready", "paid", "cannot go from READY to PAID"),
    ],
)
def test_states_proven_by_files_cannot_be_posted_by_hand(
    practice, users, setup, biller, start, target, why
):
    claim = _recent_claim(setup, practice, users)
    Claim.objects.filter(pk=claim.pk).update(status=start)
    response = biller.post(reverse("claims:move", args=[claim.pk]), {"to": target}, follow=True)
    claim.refresh_from_db()
    assert claim.status == start
    assert why in response.content.decode()
    assert not claim.events.filter(to_status=target).exists()


def test_submitted_by_hand_is_refused_even_where_the_life_cycle_allows_it(practice, users, setup):
    claim = _recent_claim(setup, practice, users)
    scrub_claim(claim, user=users["biller"])
    # READY → SUBMITTED is a move of the life cycle, but only a batch makes it.
    with pytest.raises(TransitionRefused, match="only by building a batch, not by hand"):
        move_by_hand(claim, S.SUBMITTED, user=users["biller"])
    claim.refresh_from_db()
    assert claim.state is S.READY


def test_a_post_with_no_such_state_changes_nothing(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    response = biller.post(reverse("claims:move", args=[claim.pk]), {"to": "sent"}, follow=True)
    claim.refresh_from_db()
    assert claim.state is S.DRAFT
    assert "is not a claim state; nothing changed" in response.content.decode()


# --- the claim page offers what the state machine allows --------------------------------


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button class="btn[^"]*" type="submit">([^<]+)</button>', html)


def test_a_draft_offers_scrub_to_ready_and_close_only(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    html = biller.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert _buttons(html) == ["Scrub and move to READY", "Close"]


def test_a_ready_claim_offers_scrub_again_back_to_draft_and_close(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    scrub_claim(claim, user=users["biller"])
    html = biller.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert _buttons(html) == ["Scrub again", "Back to DRAFT", "Close"]


def test_a_denied_claim_offers_corrections_secondary_appeal_and_close(
    practice, users, setup, biller
):
    claim = _recent_claim(setup, practice, users)
    Claim.objects.filter(pk=claim.pk).update(status="denied")
    html = biller.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert _buttons(html) == [
        "Corrected claim (7)", "Void (8)", "Secondary claim", "Start an appeal", "Close",
    ]  # fmt: skip


def test_a_secondary_claim_offers_a_tertiary_and_a_tertiary_no_next_payer(
    practice, users, setup, biller
):
    primary = _recent_claim(setup, practice, users)
    secondary = _recent_claim(setup, practice, users, days_ago=3)
    Claim.objects.filter(pk=secondary.pk).update(status="paid", primary_claim=primary, priority=2)
    html = biller.get(reverse("claims:detail", args=[secondary.pk])).content.decode()
    assert _buttons(html) == ["Corrected claim (7)", "Void (8)", "Tertiary claim", "Close"]
    Claim.objects.filter(pk=secondary.pk).update(priority=3)
    html = biller.get(reverse("claims:detail", args=[secondary.pk])).content.decode()
    assert _buttons(html) == ["Corrected claim (7)", "Void (8)", "Close"]


def test_a_closed_claim_offers_nothing(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    transition(claim, S.CLOSED, user=users["biller"])
    html = biller.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert _buttons(html) == []


# --- a batch scrubs every claim again as of its day ---------------------------------------


def _two_ready_claims(setup, practice, users) -> tuple[Claim, Claim]:
    """Visits of 03/02 and 03/30/2026 to a payer with a 30-day filing limit, READY as of
    03/31/2026 (deadlines 04/01 and 04/29/2026: 30 days after each date of service)."""
    payer = setup["payer"]
    payer.timely_filing_days = 30
    payer.save()
    visits = [
        signed_visit(setup, dt.date(2026, 3, 2), ONE_LINE, users["owner"]),
        signed_visit(setup, dt.date(2026, 3, 30), ONE_LINE, users["owner"]),
    ]
    claims = create_claims(visits, user=users["biller"], practice=practice)
    for claim in claims:
        scrub_claim(claim, user=users["biller"], as_of=dt.date(2026, 3, 31))
        assert claim.state is S.READY
    return claims[0], claims[1]


def test_a_claim_that_fails_on_the_batch_day_goes_back_to_draft_and_is_left_out(
    practice, users, setup
):
    early, late = _two_ready_claims(setup, practice, users)
    # On 04/02/2026 the 03/02 visit is past its deadline (04/01); the 03/30 one is not.
    result = build_batch(
        [early, late], user=users["biller"], practice=practice, as_of=dt.date(2026, 4, 2)
    )
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.state is S.DRAFT and early.batch is None
    assert late.state is S.SUBMITTED and late.batch == result.batch
    assert result.sent_back == [early]
    assert result.batch.claim_count == 1
    assert f"CLM*{late.claim_id}*" in result.batch.content
    assert f"CLM*{early.claim_id}*" not in result.batch.content
    event = early.events.order_by("-id").first()
    assert (event.from_status, event.to_status, event.source) == ("ready", "draft", "batch")
    assert "TIMELY_FILING_PASSED" in event.reason and "as of 04/02/2026" in event.reason
    assert "TIMELY_FILING_PASSED" in [f["rule"] for f in early.errors]


def test_when_every_claim_fails_no_batch_is_written(practice, users, setup):
    early, late = _two_ready_claims(setup, practice, users)
    # On 04/30/2026 both deadlines (04/01 and 04/29) have passed.
    result = build_batch(
        [early, late], user=users["biller"], practice=practice, as_of=dt.date(2026, 4, 30)
    )
    assert result.batch is None
    assert Batch.objects.count() == 0
    assert {c.pk for c in result.sent_back} == {early.pk, late.pk}
    assert set(Claim.objects.values_list("status", flat=True)) == {"draft"}
    assert result.summary.startswith(
        "No batch was written: 2 claims failed the scrub as of 04/30/2026"
    )


def test_the_batches_page_builds_today_and_lists_the_claims_sent_back(
    practice, users, setup, biller
):
    claim = _recent_claim(setup, practice, users)
    scrub_claim(claim, user=users["biller"])
    assert claim.state is S.READY
    _lose_member_id(setup)  # fixed facts changed after READY: the batch-day scrub catches it
    response = biller.post(reverse("claims:batch_new"), {"payer": setup["payer"].pk}, follow=True)
    html = response.content.decode()
    claim.refresh_from_db()
    assert claim.state is S.DRAFT
    assert Batch.objects.count() == 0
    assert "No batch was written: 1 claim failed the scrub" in html
    assert 'id="sent-back"' in html and claim.claim_id in html
    assert "MEMBER_ID_MISSING" in html
    assert ClaimEvent.objects.filter(claim=claim, source="batch", to_status="draft").exists()


def test_a_batch_with_every_claim_clean_goes_to_the_batch_page(practice, users, setup, biller):
    claim = _recent_claim(setup, practice, users)
    scrub_claim(claim, user=users["biller"])
    response = biller.post(reverse("claims:batch_new"), {"payer": setup["payer"].pk})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    claim.refresh_from_db()
    assert claim.state is S.SUBMITTED


# --- one billing path per visit -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("self_pay", "is self-pay (the client pays; no payer is billed)"),
        ("superbill", "is billed by superbill (the client pays and claims it back"),
    ],
)
def test_a_visit_not_billed_directly_gets_no_claim(practice, users, setup, path, words):
    visit = signed_visit(setup, dt.date(2026, 3, 2), ONE_LINE, users["owner"], billing_path=path)
    with pytest.raises(BillingRefused, match=re.escape(f"The visit of 03/02/2026 {words}")):
        create_claims([visit], user=users["biller"], practice=practice)
    assert Claim.objects.count() == 0


def test_only_direct_visits_are_listed_as_billable(practice, users, setup):
    direct = signed_visit(
        setup, dt.date(2026, 3, 2), ONE_LINE, users["owner"], billing_path="direct"
    )
    signed_visit(setup, dt.date(2026, 3, 9), ONE_LINE, users["owner"], billing_path="superbill")
    signed_visit(setup, dt.date(2026, 3, 16), ONE_LINE, users["owner"], billing_path="self_pay")
    assert billable_visits(practice) == [direct]


def test_a_visit_with_coverage_defaults_to_direct_and_becomes_a_claim(practice, users, setup):
    visit = signed_visit(setup, dt.date(2026, 3, 2), ONE_LINE, users["owner"])
    assert visit.billing_path == "direct"
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    assert claim.lines.get().visit == visit
