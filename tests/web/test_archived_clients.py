"""A removed (soft-deleted) client is gone from every page, PDF, export and API answer, with
their visits and claims, until the practice owner restores them; the restore is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knead.api.models import ApiToken
from knead.audit.models import Action, AuditEvent
from knead.claims.models import Batch, Claim
from knead.clients.models import Client, VerificationCall
from knead.ledger.export import export_rows
from knead.practice.models import Payer
from knead.practice.scoping import client_path
from knead.remittance.models import Appeal, WorkItem
from knead.visits.models import Visit
from knead.visits.services import sign_visit

from .test_api import call

pytestmark = pytest.mark.django_db


@pytest.fixture
def removed(records, users, as_role) -> dict:
    """Practice A's client with a signed, charged visit, removed by the owner."""
    visit = sign_visit(records["visit"], user=users["therapist"])
    owner = as_role("owner")
    assert owner.post(reverse("clients:delete", args=[records["client"].pk])).status_code == 302
    return {"client": records["client"], "visit": visit, "owner": owner}


def _pages(client_pk: int, visit_pk: int) -> list[str]:
    """The client's pages and PDFs that answer 200 while they are on the books."""
    return [
        reverse("clients:detail", args=[client_pk]),
        reverse("clients:edit", args=[client_pk]),
        reverse("visits:detail", args=[visit_pk]),
        reverse("paperwork:visit", args=[visit_pk]),
        reverse("paperwork:visit_soap_note", args=[visit_pk]),
        reverse("paperwork:client", args=[client_pk]),
        reverse("ledger:client", args=[client_pk]),
    ]


def test_a_removed_clients_pages_and_pdfs_answer_404(removed):
    visit = removed["visit"].pk
    urls = [
        *_pages(removed["client"].pk, visit),
        reverse("paperwork:visit_superbill", args=[visit]),
        reverse("paperwork:visit_cms1500", args=[visit]),
    ]
    assert {url: removed["owner"].get(url).status_code for url in urls} == dict.fromkeys(urls, 404)


def test_list_pages_leave_a_removed_client_out(removed):
    for name in ("clients:list", "visits:list", "dashboard:home"):
        page = removed["owner"].get(reverse(name)).content.decode()
        assert "QuillA" not in page, name
    search = removed["owner"].get(reverse("clients:list"), {"q": "Zelda"}).content.decode()
    assert "No client matches" in search


def test_the_api_and_the_ledger_export_leave_a_removed_client_out(removed, users, practice):
    token = ApiToken.issue(user=users["biller"], practice=practice, name="tests")[1]
    visit = removed["visit"]
    assert call(token, "get", f"/api/visits/{visit.pk}/claim").status_code == 404
    assert call(token, "get", "/api/clients", q="Zelda").json()["results"] == []
    visits = call(token, "get", "/api/visits", date_from="2026-03-01", date_to="2026-03-31")
    assert visits.json() == []
    assert export_rows(practice) == []


def test_the_owner_restores_a_removed_client_and_the_audit_trail_records_it(removed, users):
    client, owner = removed["client"], removed["owner"]
    archived = owner.get(reverse("clients:archived")).content.decode()
    assert "QuillA, ZeldaA" in archived
    response = owner.post(reverse("clients:restore", args=[client.pk]))
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    assert Client.objects.get(pk=client.pk).deleted_at is None
    urls = _pages(client.pk, removed["visit"].pk)
    assert {url: owner.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)
    restore = AuditEvent.objects.get(action=Action.RESTORE)
    assert (restore.user, restore.object_type, restore.object_id) == (
        users["owner"],
        "clients.client",
        str(client.pk),
    )
    assert "QuillA" not in owner.get(reverse("clients:archived")).content.decode()


@pytest.mark.parametrize("role", ["therapist", "front_desk", "biller"])
def test_only_the_owner_sees_archived_clients_and_restores_one(removed, as_role, role):
    client = as_role(role)
    assert client.get(reverse("clients:archived")).status_code == 403
    assert client.post(reverse("clients:restore", args=[removed["client"].pk])).status_code == 403
    assert Client.objects.get(pk=removed["client"].pk).deleted_at is not None
    assert not AuditEvent.objects.filter(action=Action.RESTORE).exists()


def test_a_client_still_on_the_books_cannot_be_restored(records, as_role):
    response = as_role("owner").post(reverse("clients:restore", args=[records["client"].pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.RESTORE).exists()


def test_records_reach_their_client_through_their_own_relations():
    assert {
        model.__name__: client_path(model)
        for model in (Client, Visit, Claim, VerificationCall, WorkItem, Appeal, Payer, Batch)
    } == {
        "Client": None,
        "Visit": "client",
        "Claim": "client",
        "VerificationCall": "coverage__client",
        "WorkItem": "claim__client",
        "Appeal": "claim__client",
        "Payer": None,
        "Batch": None,
    }
