"""A note is signed and locked by its provider; afterwards it can only be amended."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent
from knead.visits.models import Amendment, NoteLocked, ServiceLine, Visit
from knead.visits.services import SignatureRefused, amend_visit, sign_visit

pytestmark = pytest.mark.django_db


def test_the_provider_signs_and_the_note_is_locked(as_role, records, users):
    visit = records["visit"]
    response = as_role("therapist").post(reverse("visits:sign", args=[visit.pk]))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.is_signed and visit.signed_by == users["therapist"]
    assert AuditEvent.objects.filter(action=Action.SIGN, object_id=str(visit.pk)).count() == 1


def test_someone_other_than_the_provider_cannot_sign(records, users):
    with pytest.raises(SignatureRefused, match="Only Ann TherapistA, LMT can sign"):
        sign_visit(records["visit"], user=users["owner"])


def test_a_note_missing_a_soap_section_cannot_be_signed(records, users):
    visit = records["visit"]
    Visit.objects.filter(pk=visit.pk).update(assessment="", plan=" ")
    with pytest.raises(SignatureRefused, match="Fill in the assessment, plan sections first"):
        sign_visit(visit, user=users["therapist"])


def test_a_signed_note_cannot_be_changed_through_the_model(records, users):
    visit = sign_visit(records["visit"], user=users["therapist"])
    visit.subjective = "rewritten"
    with pytest.raises(NoteLocked, match="subjective cannot change"):
        visit.save()
    with pytest.raises(NoteLocked):
        ServiceLine.objects.create(visit=visit, code="97140", minutes=15, units=1, charge="35.00")
    with pytest.raises(NoteLocked):
        visit.lines.first().delete()
    assert Visit.objects.get(pk=visit.pk).subjective == "Neck pain"


def test_a_signed_note_cannot_be_edited_through_the_form(as_role, records, users):
    visit = sign_visit(records["visit"], user=users["therapist"])
    client = as_role("therapist")
    page = client.get(reverse("visits:edit", args=[visit.pk]))
    assert page.status_code == 302 and page.url == visit.get_absolute_url()
    client.post(
        reverse("visits:edit", args=[visit.pk]),
        {"subjective": "rewritten", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    assert Visit.objects.get(pk=visit.pk).subjective == "Neck pain"


def test_amendments_are_appended_with_who_when_and_why_and_the_original_is_kept(
    as_role, records, users
):
    visit = sign_visit(records["visit"], user=users["therapist"])
    client = as_role("therapist")
    client.post(
        reverse("visits:amend", args=[visit.pk]),
        {"reason": "Late entry", "text": "Also treated the left shoulder."},
    )
    client.post(
        reverse("visits:amend", args=[visit.pk]),
        {"reason": "Correction", "text": "Pain after was 2/10."},
    )
    amendments = list(visit.amendments.all())
    assert [(a.reason, a.author) for a in amendments] == [
        ("Late entry", users["therapist"]),
        ("Correction", users["therapist"]),
    ]
    assert all(a.created is not None for a in amendments)
    assert Visit.objects.get(pk=visit.pk).subjective == "Neck pain"
    page = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert (
        "Late entry" in page and "Also treated the left shoulder." in page and "Neck pain" in page
    )


def test_amendments_themselves_cannot_be_edited_or_deleted(records, users):
    visit = sign_visit(records["visit"], user=users["therapist"])
    amendment = amend_visit(visit, user=users["therapist"], reason="r", text="t")
    amendment.text = "changed"
    with pytest.raises(NoteLocked):
        amendment.save()
    with pytest.raises(NoteLocked):
        amendment.delete()
    assert Amendment.objects.get(pk=amendment.pk).text == "t"


def test_an_unsigned_note_is_edited_not_amended(records, users):
    with pytest.raises(SignatureRefused, match="edit this note directly"):
        amend_visit(records["visit"], user=users["therapist"], reason="r", text="t")


@pytest.mark.parametrize("role", ["front_desk", "biller"])
def test_roles_without_clinical_rights_cannot_sign_or_amend(as_role, records, role):
    visit = records["visit"]
    assert as_role(role).post(reverse("visits:sign", args=[visit.pk])).status_code == 403
    assert (
        as_role(role)
        .post(reverse("visits:amend", args=[visit.pk]), {"reason": "r", "text": "t"})
        .status_code
        == 403
    )
    assert not Visit.objects.get(pk=visit.pk).is_signed
