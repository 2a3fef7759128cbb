"""Who may use the paperwork pages, and that every download is uncached and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent

from .conftest import add_visit

pytestmark = pytest.mark.django_db

ROLES = ["owner", "therapist", "front_desk", "biller"]


def _downloads(visit, paper) -> list[tuple[str, str, dict]]:
    client_id, coverage_id = paper["client"].pk, paper["coverage"].pk
    month = {"start": "2026-03-01", "end": "2026-03-31"}
    return [
        (reverse("paperwork:visit_superbill", args=[visit.pk]), "visits.visit", {}),
        (reverse("paperwork:visit_soap_note", args=[visit.pk]), "visits.visit", {}),
        (reverse("paperwork:visit_cms1500", args=[visit.pk]), "visits.visit", {}),
        (
            reverse("paperwork:visit_cms1500", args=[visit.pk]),
            "visits.visit",
            {"mode": "data-only"},
        ),
        (reverse("paperwork:client_superbill", args=[client_id]), "clients.client", month),
        (reverse("paperwork:client_cms1500", args=[client_id]), "clients.client", month),
        (reverse("paperwork:coverage_kit", args=[coverage_id]), "clients.coverage", {}),
    ]


@pytest.mark.parametrize("download", [False, True])
def test_every_pdf_is_uncached_and_audited_as_an_export(as_role, paper, users, download):
    # A superbill visit: the client files its CMS-1500 (a direct one prints from its claim).
    visit = add_visit(paper, dt.date(2026, 3, 4), billing_path="superbill")
    client = as_role("biller")
    for url, object_type, params in _downloads(visit, paper):
        before = AuditEvent.objects.filter(action=Action.EXPORT).count()
        response = client.get(url, {**params, **({"download": "1"} if download else {})})
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store", url
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;" if download else "inline;"), url
        assert "Jordan" not in disposition and "Example" not in disposition  # no names in files
        event = AuditEvent.objects.filter(action=Action.EXPORT).first()
        assert AuditEvent.objects.filter(action=Action.EXPORT).count() == before + 1, url
        assert (event.object_type, event.user_id) == (object_type, users["biller"].pk)
        assert ("download" if download else "preview") in event.detail
        assert "Jordan" not in event.detail


def test_the_printed_letter_is_uncached_and_audited(as_role, paper):
    visit = add_visit(paper, dt.date(2026, 3, 4))
    url = reverse("paperwork:visit_necessity", args=[visit.pk])
    form = {"findings": "Tight", "frequency": "weekly", "duration": "8 weeks", "text": "Dear Dr",
            "action": "print", "download": "1"}  # fmt: skip
    response = as_role("therapist").post(url, form)
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.filter(action=Action.EXPORT).get()
    assert event.object_id == str(visit.pk) and "letter of medical necessity" in event.detail


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_print_a_visits_paperwork(as_role, paper, role):
    visit = add_visit(paper, dt.date(2026, 3, 4))
    client = as_role(role)
    assert client.get(reverse("paperwork:visit", args=[visit.pk])).status_code == 200
    assert client.get(reverse("paperwork:client", args=[paper["client"].pk])).status_code == 200
    detail = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert reverse("paperwork:visit", args=[visit.pk]) in detail  # the button on the visit page
    client_page = client.get(reverse("clients:detail", args=[paper["client"].pk])).content.decode()
    assert reverse("paperwork:client", args=[paper["client"].pk]) in client_page


@pytest.mark.parametrize(
    ("role", "batch", "offsets"),
    [("owner", 200, 200), ("therapist", 403, 403), ("front_desk", 200, 403), ("biller", 200, 200)],
)
def test_batches_and_printer_settings_are_for_the_office(as_role, paper, role, batch, offsets):
    client = as_role(role)
    assert client.get(reverse("paperwork:months")).status_code == batch
    assert client.post(reverse("paperwork:months"), {"month": "2026-03"}).status_code in (
        (302,) if batch == 200 else (403,)
    )
    assert client.get(reverse("paperwork:print_settings")).status_code == offsets
    home = client.get(reverse("dashboard:home")).content.decode()
    assert (reverse("paperwork:months") in home) is (batch == 200)  # the nav link


def test_printer_offsets_persist_and_are_audited(as_role, paper):
    client = as_role("owner")
    url = reverse("paperwork:print_settings")
    client.post(url, {"offset_x_mm": "-1.5", "offset_y_mm": "2"})
    client.post(url, {"offset_x_mm": "-1.0", "offset_y_mm": "2"})
    form = client.get(url).context["form"]
    assert str(form.instance.offset_x_mm) == "-1.0" and str(form.instance.offset_y_mm) == "2.0"
    actions = list(
        AuditEvent.objects.filter(object_type="paperwork.printsettings").values_list(
            "action", "detail"
        )
    )
    assert (Action.UPDATE, "fields: offset_x_mm") in actions
    assert any(action == Action.CREATE for action, _ in actions)


def test_offsets_beyond_25_mm_are_refused(as_role, paper):
    response = as_role("owner").post(
        reverse("paperwork:print_settings"), {"offset_x_mm": "40", "offset_y_mm": "0"}
    )
    assert response.status_code == 200
    assert "less than or equal to 25" in response.content.decode()


def test_posting_to_another_practices_records_changes_nothing(as_role, paper, other_records):
    coverage_b = other_records["coverage"]
    client = as_role("owner")
    answers = client.post(
        reverse("paperwork:coverage_answers", args=[coverage_b.pk]),
        {"called_on": "2026-03-05", "visits_per_year": "99", "notes": "x"},
    )
    letter = client.post(
        reverse("paperwork:visit_necessity", args=[other_records["visit"].pk]),
        {"findings": "x", "frequency": "x", "duration": "x", "text": "x", "action": "print"},
    )
    assert answers.status_code == 404 and letter.status_code == 404
    coverage_b.refresh_from_db()
    assert coverage_b.visits_per_year is None
    assert coverage_b.verifications.count() == 1  # only the fixture's call
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
