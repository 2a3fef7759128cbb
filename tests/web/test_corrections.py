"""Correcting a signed visit: the original facts are kept, the lock still refuses any other
change, the visit is charged again and its claim is billed again (a new claim while the payer
never accepted it, a frequency 7 corrected claim once it answered)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.audit.models import Action, AuditEvent
from knead.billing.scrub import Finding, Severity
from knead.claims.models import Claim
from knead.claims.services import core_claim, create_claims
from knead.ledger.selectors import claim_balances, visit_responsibility
from knead.paperwork.services import fix_link
from knead.practice.models import FeeScheduleEntry
from knead.visits.corrections import CorrectedFacts, CorrectionRefused, correct_visit
from knead.visits.models import (
    NoteLocked,
    ServiceLine,
    Visit,
    VisitCorrection,
    correction_unlocked,
)
from knead.visits.services import LineInput, sign_visit

from .billing.factories import billing_setup
from .conftest import make_user
from .paperwork.conftest import pdf_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SIGNED_ON = TODAY - dt.timedelta(days=30)
REASON = "Booked as massage; it was manual therapy"


@pytest.fixture
def setup(practice, users):
    """The billing practice (payer: AMA unit rule) with fees of $30 (97124) and $35 (97140) a
    unit, and a visit 30 days ago of 97124 for 30 minutes (2 units, $60.00), signed."""
    setup = billing_setup(practice, users["therapist"])
    for code, fee in (("97124", "30.00"), ("97140", "35.00")):
        FeeScheduleEntry.objects.create(practice=practice, code=code, charge=Decimal(fee))
    setup["visit"] = sign_visit(unsigned_visit(setup), user=users["therapist"])
    return setup


def unsigned_visit(setup: dict) -> Visit:
    """The visit 30 days ago of 97124 for 30 minutes, not signed yet."""
    visit = Visit.objects.create(
        practice=setup["provider"].practice, client=setup["client"], provider=setup["provider"],
        date=SIGNED_ON, coverage=setup["coverage"], subjective="Neck pain 6/10.",
        objective="Tight trapezius.", assessment="Improving.", plan="Weekly.", diagnoses=["M542"],
    )  # fmt: skip
    ServiceLine.objects.create(
        visit=visit, code="97124", minutes=30, units=2, charge=Decimal("60.00"), pointers=[1],
        modifiers=["GP"],
    )  # fmt: skip
    return visit


def manual_therapy(day: dt.date = SIGNED_ON, diagnoses=("M542", "M62830")) -> CorrectedFacts:
    """97140 for 30 minutes, pointing at A and B: AMA 30 min → 2 units × $35 = $70.00."""
    return CorrectedFacts(day, diagnoses, (LineInput("97140", 30, ("GP",), (1, 2)),))


def test_a_correction_keeps_the_original_facts_and_replaces_the_lines(setup, users):
    visit = setup["visit"]
    old_line = visit.lines.get()
    day = SIGNED_ON - dt.timedelta(days=1)
    correction = correct_visit(visit, manual_therapy(day), user=users["therapist"], reason=REASON)
    visit.refresh_from_db()
    assert (visit.date, visit.diagnoses) == (day, ["M542", "M62830"])
    assert (correction.original_date, correction.corrected_date) == (SIGNED_ON, day)
    assert correction.original_diagnoses == ["M542"]
    assert correction.original_lines == [
        {"code": "97124", "modifiers": ["GP"], "minutes": 30, "units": 2, "charge": "60.00",
         "pointers": [1]}
    ]  # fmt: skip
    assert correction.corrected_lines == [
        {"code": "97140", "modifiers": ["GP"], "minutes": 30, "units": 2, "charge": "70.00",
         "pointers": [1, 2]}
    ]  # fmt: skip
    assert (correction.author, correction.reason) == (users["therapist"], REASON)
    old_line.refresh_from_db()
    assert old_line.replaced_at == correction.created  # kept, as billed
    assert [(line.code, line.units, line.charge) for line in visit.active_lines] == [
        ("97140", 2, Decimal("70.00"))
    ]
    # The ledger: the $60.00 charge is reversed and $70.00 charged, owed by the payer billed.
    assert visit_responsibility(visit) == {setup["payer"].pk: Decimal("70.00")}
    assert "on no claim" in correction.rebilling


def test_a_code_kept_by_the_correction_keeps_its_billed_fee(setup, users):
    # The fee schedule now says $40 for 97124; the visit billed it at $30 a unit. Only the
    # date changes: nothing is repriced and no line is replaced.
    FeeScheduleEntry.objects.filter(code="97124").update(charge=Decimal("40.00"))
    visit = setup["visit"]
    facts = CorrectedFacts(
        SIGNED_ON - dt.timedelta(days=2), ("M542",), (LineInput("97124", 30, ("GP",), (1,)),)
    )
    correction = correct_visit(visit, facts, user=users["therapist"], reason="Wrong day")
    assert correction.corrected_lines == correction.original_lines
    assert not visit.lines.filter(replaced_at__isnull=False).exists()
    assert visit_responsibility(visit) == {setup["payer"].pk: Decimal("60.00")}


def test_the_lock_refuses_every_change_but_the_corrections_own(setup, users):
    visit = setup["visit"]
    visit.date = SIGNED_ON - dt.timedelta(days=1)
    with pytest.raises(NoteLocked, match="date cannot change"):
        visit.save()  # outside a correction
    with correction_unlocked(visit.pk):
        fresh = Visit.objects.get(pk=visit.pk)
        fresh.subjective = "rewritten"
        with pytest.raises(NoteLocked, match="subjective cannot change"):
            fresh.save()
        line = fresh.lines.get()
        line.minutes = 45
        with pytest.raises(NoteLocked):
            line.save()  # a kept line's facts never change
        with pytest.raises(NoteLocked):
            line.delete()
        line.refresh_from_db()
        line.replaced_at = timezone.now()
        line.minutes = 45
        with pytest.raises(NoteLocked):
            line.save()  # replacing is only setting replaced_at
    other = Visit.objects.create(
        practice=visit.practice, client=visit.client, provider=visit.provider, date=SIGNED_ON
    )
    Visit.objects.filter(pk=other.pk).update(signed_at=timezone.now())
    with correction_unlocked(visit.pk), pytest.raises(NoteLocked):
        ServiceLine.objects.create(visit=other, code="97124", minutes=15, units=1, charge=30)
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.date, stored.subjective) == (SIGNED_ON, "Neck pain 6/10.")
    assert stored.lines.get().minutes == 30


@pytest.mark.parametrize(
    ("facts", "reason", "message"),
    [
        (manual_therapy(TODAY + dt.timedelta(days=1)), REASON, "is after today"),
        (manual_therapy(dt.date(1980, 1, 1)), REASON, "before the client's birth"),
        (manual_therapy(), "  ", "Say why the visit is corrected"),
        (manual_therapy(diagnoses=("M542",)), REASON, "must point to one of the 1 diagnoses"),
        (CorrectedFacts(SIGNED_ON, ("M542",), ()), REASON, "Keep at least one service line"),
        (CorrectedFacts(SIGNED_ON, ("M542",), (LineInput("97124", 30, ("GP",), (1,)),)),
         REASON, "Nothing to correct"),
    ],
)  # fmt: skip
def test_a_bad_correction_is_refused_in_plain_words_and_changes_nothing(
    setup, users, facts, reason, message
):
    visit = setup["visit"]
    with pytest.raises(CorrectionRefused, match=message):
        correct_visit(visit, facts, user=users["therapist"], reason=reason)
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.date, stored.diagnoses) == (SIGNED_ON, ["M542"])
    assert [line.code for line in stored.active_lines] == ["97124"]
    assert not VisitCorrection.objects.exists()


def test_a_visit_cannot_be_moved_after_the_day_its_note_was_signed(setup, users):
    visit = unsigned_visit(setup)
    signed = timezone.make_aware(dt.datetime.combine(SIGNED_ON, dt.time(18, 0)))
    Visit.objects.filter(pk=visit.pk).update(signed_at=signed, signed_by=users["therapist"])
    later = SIGNED_ON + dt.timedelta(days=1)
    with pytest.raises(CorrectionRefused, match=f"signed on {SIGNED_ON:%m/%d/%Y}"):
        correct_visit(
            Visit.objects.get(pk=visit.pk), manual_therapy(later), user=users["therapist"],
            reason=REASON,
        )  # fmt: skip
    assert Visit.objects.get(pk=visit.pk).date == SIGNED_ON


def test_only_the_visits_therapist_or_the_owner_corrects_it(setup, users, practice):
    visit = setup["visit"]
    colleague = make_user("colleague", practice, "therapist")
    with pytest.raises(CorrectionRefused, match=r"Only Ana Rivera.* or the practice owner"):
        correct_visit(visit, manual_therapy(), user=colleague, reason=REASON)
    correct_visit(visit, manual_therapy(), user=users["owner"], reason=REASON)
    assert VisitCorrection.objects.get().author == users["owner"]


def test_an_unsigned_visit_is_edited_not_corrected(setup, users):
    visit = unsigned_visit(setup)
    with pytest.raises(CorrectionRefused, match="edit it directly"):
        correct_visit(
            Visit.objects.get(pk=visit.pk), manual_therapy(), user=users["owner"], reason=REASON
        )


def test_a_draft_claim_is_cancelled_and_the_corrected_visit_billed_on_a_new_claim(setup, users):
    visit = setup["visit"]
    [draft] = create_claims([visit], user=users["biller"], practice=visit.practice)
    correction = correct_visit(visit, manual_therapy(), user=users["therapist"], reason=REASON)
    draft.refresh_from_db()
    assert draft.status == "closed"
    new = Claim.objects.exclude(pk=draft.pk).get()
    assert (new.frequency, new.status in ("draft", "ready")) == ("1", True)
    assert [(line.code, line.units, line.charge) for line in new.lines.all()] == [
        ("97140", 2, Decimal("70.00"))
    ]
    assert new.diagnoses == ["M542", "M62830"] and new.charge == Decimal("70.00")
    assert claim_balances([draft.pk, new.pk]) == {
        draft.pk: Decimal("0.00"),
        new.pk: Decimal("70.00"),
    }
    assert new.scrubbed_at is not None  # scrubbed again
    assert draft.claim_id in correction.rebilling and new.claim_id in correction.rebilling


def test_a_claim_the_payer_answered_gets_a_corrected_claim_with_the_corrected_lines(setup, users):
    visit = setup["visit"]
    [sent] = create_claims([visit], user=users["biller"], practice=visit.practice)
    Claim.objects.filter(pk=sent.pk).update(status="denied", payer_claim_number="PCN-4471")
    correction = correct_visit(visit, manual_therapy(), user=users["therapist"], reason=REASON)
    replacement = Claim.objects.get(replaces=sent)
    assert (replacement.frequency, replacement.original_claim_number) == ("7", "PCN-4471")
    core = core_claim(replacement)
    assert [(line.code, line.units, line.charge) for line in core.lines] == [
        ("97140", 2, Decimal("70.00"))
    ]
    assert core.diagnoses == ("M542", "M62830")
    # The corrected claim owes the corrected charge; the original owes nothing more.
    assert claim_balances([sent.pk, replacement.pk]) == {
        sent.pk: Decimal("0.00"),
        replacement.pk: Decimal("70.00"),
    }
    assert "frequency 7" in correction.rebilling and "PCN-4471" in correction.rebilling


def test_a_claim_with_the_payer_but_not_answered_yet_blocks_the_correction(setup, users):
    visit = setup["visit"]
    [sent] = create_claims([visit], user=users["biller"], practice=visit.practice)
    Claim.objects.filter(pk=sent.pk).update(status="submitted")
    with pytest.raises(CorrectionRefused, match="has not answered yet"):
        correct_visit(visit, manual_therapy(), user=users["therapist"], reason=REASON)
    assert [line.code for line in Visit.objects.get(pk=visit.pk).active_lines] == ["97124"]
    assert Claim.objects.count() == 1


def test_the_scrubbers_hint_for_a_signed_visit_links_to_the_correction(setup):
    finding = Finding("UNITS_MINUTES_MISMATCH", Severity.ERROR, "Units do not match", "Bill 2")
    assert fix_link(setup["visit"], finding) == (
        reverse("visits:correct", args=[setup["visit"].pk]),
        "Correct the visit",
    )


def _form(day: dt.date) -> dict:
    return {
        "reason": REASON,
        "date": day.isoformat(),
        "diagnosis_codes": "M54.2, M62.830",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-code": "97140",
        "lines-0-minutes": "30",
        "lines-0-modifiers": "GP",
        "lines-0-pointers": "A B",
    }


def test_the_therapist_corrects_a_visit_on_the_web_and_the_page_shows_the_history(setup, as_role):
    visit = setup["visit"]
    client = as_role("therapist")
    page = client.get(visit.get_absolute_url()).content.decode()
    assert reverse("visits:correct", args=[visit.pk]) in page
    response = client.post(reverse("visits:correct", args=[visit.pk]), _form(SIGNED_ON))
    assert response.status_code == 302 and response.url.endswith("#corrections")
    page = client.get(visit.get_absolute_url()).content.decode()
    history = page.split('id="corrections"', 1)[1]
    assert "Reason: " + REASON in history
    assert "97124-GP, 30 min, 2 units, dx A" in history  # as signed
    assert "97140-GP, 30 min, 2 units, dx A B" in history  # corrected
    assert "A M54.2" in history and "A M54.2, B M62.830" in history
    assert AuditEvent.objects.filter(action=Action.AMEND, object_id=str(visit.pk)).exists()


@pytest.mark.parametrize("role", ["front_desk", "biller"])
def test_roles_that_do_not_chart_cannot_correct_a_visit(setup, as_role, role):
    visit = setup["visit"]
    client = as_role(role)
    assert reverse("visits:correct", args=[visit.pk]) not in (
        client.get(visit.get_absolute_url()).content.decode()
    )
    assert (
        client.post(reverse("visits:correct", args=[visit.pk]), _form(SIGNED_ON)).status_code == 403
    )
    assert not VisitCorrection.objects.exists()


def test_a_bad_correction_on_the_web_says_why_and_keeps_the_visit(setup, as_role):
    visit = setup["visit"]
    response = as_role("therapist").post(
        reverse("visits:correct", args=[visit.pk]), _form(TODAY + dt.timedelta(days=3))
    )
    assert response.status_code == 200
    assert "is after today" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).date == SIGNED_ON


def test_the_printed_note_shows_the_original_and_the_corrected_facts(setup, users, as_role):
    visit = setup["visit"]
    correct_visit(visit, manual_therapy(), user=users["therapist"], reason=REASON)
    response = as_role("therapist").get(reverse("paperwork:visit_soap_note", args=[visit.pk]))
    text = pdf_text(response.content)
    assert "Corrections of the billed facts (after signing)" in text
    assert "SERVICES AS SIGNED 97124-GP, 30 min, 2 units, dx A" in text
    assert "SERVICES CORRECTED 97140-GP, 30 min, 2 units, dx A B" in text
    assert "DIAGNOSES CORRECTED A M54.2, B M62.830" in text
    assert "Treatment time 30 minutes" in text.replace("TREATMENT TIME", "Treatment time")
