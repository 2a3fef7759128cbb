"""The audit trail records who saw or changed what, holds no PHI, and cannot be altered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent, AuditImmutable
from knead.clients.models import Client

pytestmark = pytest.mark.django_db


def test_reading_a_client_record_is_logged_with_user_practice_object_and_action(
    as_role, records, users, practice
):
    client = records["client"]
    as_role("front_desk").get(reverse("clients:detail", args=[client.pk]))
    event = AuditEvent.objects.get(action=Action.VIEW, object_type="clients.client")
    assert (event.user, event.practice, event.object_id) == (
        users["front_desk"],
        practice,
        str(client.pk),
    )
    assert event.at is not None


def test_changing_a_client_logs_which_fields_changed_but_not_their_values(as_role, records):
    client = records["client"]
    response = as_role("front_desk").post(
        reverse("clients:edit", args=[client.pk]),
        {
            "first_name": "ZeldaA",
            "last_name": "Quill-Changed",
            "date_of_birth": "1980-05-06",
            "sex": "U",
            "phone": "206-555-0199",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="clients.client")
    assert event.detail == "fields: last_name, phone"
    assert "Quill-Changed" not in event.detail and "0199" not in event.detail


def test_searches_are_logged_without_the_search_terms(as_role, records):
    as_role("owner").get(reverse("clients:list"), {"q": "QuillA"})
    event = AuditEvent.objects.get(action=Action.SEARCH)
    assert "Quill" not in f"{event.detail}{event.object_id}"


def test_deleting_a_client_is_soft_and_audited(as_role, records):
    client = records["client"]
    as_role("owner").post(reverse("clients:delete", args=[client.pk]))
    assert Client.objects.get(pk=client.pk).deleted_at is not None
    assert AuditEvent.objects.filter(action=Action.DELETE, object_id=str(client.pk)).exists()
    assert as_role("owner").get(reverse("clients:detail", args=[client.pk])).status_code == 404


def test_audit_entries_cannot_be_changed_or_deleted(as_role, records):
    as_role("owner").get(reverse("clients:detail", args=[records["client"].pk]))
    event = AuditEvent.objects.first()
    event.detail = "tampered"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.update(detail="x")
    assert AuditEvent.objects.filter(detail="tampered").count() == 0


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("therapist", 403), ("front_desk", 403), ("biller", 403)]
)
def test_only_owners_view_the_audit_trail(as_role, records, role, status):
    assert as_role(role).get(reverse("audit:log")).status_code == status


def test_sign_in_success_and_failure_are_logged(client, users, practice):
    client.post(reverse("accounts:login"), {"username": "owner_a", "password": "wrong-password"})
    client.post(
        reverse("accounts:login"),
        {"username": "owner_a", "password": "correct-horse-battery-staple"},
    )
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        Action.LOGIN_FAILED,
        Action.LOGIN,
    ]
    assert AuditEvent.objects.get(action=Action.LOGIN).practice == practice
