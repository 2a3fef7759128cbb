"""Refused requests are audited: a 403, and a 404 on another practice's record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def test_a_403_is_audited_with_user_practice_path_and_permission(as_role, records, users, practice):
    assert as_role("front_desk").get(reverse("visits:new")).status_code == 403
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert (event.user, event.practice, event.ip) == (users["front_desk"], practice, "127.0.0.1")
    assert event.detail == "GET /visits/new/: Your role cannot do this (visits.document)."


def test_a_403_from_a_generic_record_view_is_audited_once(as_role, records):
    assert as_role("therapist").get(reverse("practice:provider_new")).status_code == 403
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == 1


def test_a_404_on_another_practices_client_is_audited_without_the_query(
    as_role, records, other_records, users, practice
):
    other = other_records["client"]
    response = as_role("owner").get(f"/clients/{other.pk}/?q=ZeldaB")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.NOT_FOUND)
    assert (event.user, event.practice) == (users["owner"], practice)
    assert event.detail == f"GET /clients/{other.pk}/"


def test_a_page_that_works_records_no_refusal(as_role, records):
    assert as_role("owner").get(reverse("clients:list")).status_code == 200
    assert not AuditEvent.objects.filter(action__in=[Action.DENIED, Action.NOT_FOUND]).exists()
