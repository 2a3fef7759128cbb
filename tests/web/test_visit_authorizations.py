"""A visit links several authorizations; each line is covered by the one whose codes include it.
The visit form offers the client's authorizations, picks those valid for the visit's date and
payer, and refuses one of another payer. Old single links are migrated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from knead.clients.models import Authorization
from knead.practice.models import Payer
from knead.visits.models import Visit
from knead.visits.services import SignatureRefused, sign_visit

from .test_visit_entry import visit_form

pytestmark = pytest.mark.django_db


def _auth(records, number, codes, payer=None, starts=dt.date(2026, 1, 1), ends=dt.date(2026, 12, 31)):  # fmt: skip
    return Authorization.objects.create(
        practice=records["client"].practice, client=records["client"],
        payer=payer or records["payer"], number=number, codes=codes, visits_approved=10,
        starts_on=starts, ends_on=ends,
    )  # fmt: skip


def test_the_form_links_two_authorizations_and_the_page_shows_each_lines(as_role, records):
    massage = _auth(records, "PA-MASSAGE", "97124")
    manual = _auth(records, "PA-MANUAL", "97140")
    response = as_role("therapist").post(
        reverse("visits:new"),
        visit_form(records, [("97124", 30, "A"), ("97140", 15, "A")],
                   authorizations=[massage.pk, manual.pk]),
    )  # fmt: skip
    assert response.status_code == 302
    visit = Visit.objects.get(date="2026-04-01")
    assert set(visit.authorizations.all()) == {massage, manual}
    page = as_role("therapist").get(visit.get_absolute_url()).content.decode()
    cells = [c.split("<", 1)[0] for c in page.split('data-testid="line-auth">')[1:]]
    assert cells == ["PA-MASSAGE", "PA-MANUAL"]


def test_a_new_visit_starts_with_the_authorizations_valid_today_for_its_payer(as_role, records):
    today = timezone.localdate()
    current = _auth(records, "PA-NOW", "", starts=today - dt.timedelta(days=5),
                    ends=today + dt.timedelta(days=5))  # fmt: skip
    over = _auth(records, "PA-OVER", "", starts=today - dt.timedelta(days=50),
                 ends=today - dt.timedelta(days=1))  # fmt: skip
    other = Payer.objects.create(practice=records["client"].practice, name="Other", payer_id="OT1")
    elsewhere = _auth(records, "PA-ELSEWHERE", "", payer=other,
                      starts=today - dt.timedelta(days=5), ends=today + dt.timedelta(days=5))  # fmt: skip
    # The client's open auto case is suggested, and its carrier is the same payer A.
    page = (
        as_role("therapist")
        .get(reverse("visits:new") + f"?client={records['client'].pk}")
        .content.decode()
    )

    def checked(auth):
        tag = page.split(f'value="{auth.pk}"', 1)[1].split(">", 1)[0]
        return "checked" in tag

    assert checked(current)
    assert not checked(over) and not checked(elsewhere)


def test_an_authorization_of_another_payer_is_refused_and_nothing_is_saved(as_role, records):
    other = Payer.objects.create(practice=records["client"].practice, name="Other", payer_id="OT1")
    wrong = _auth(records, "PA-OTHER", "", payer=other)
    response = as_role("therapist").post(
        reverse("visits:new"),
        visit_form(records, [("97124", 30, "A")], authorizations=[wrong.pk]),
    )
    assert response.status_code == 200
    assert "Authorization PA-OTHER is from Other, but the visit is billed to Payer A." in (
        response.content.decode()
    )
    assert not Visit.objects.filter(date="2026-04-01").exists()


def test_an_authorization_given_for_a_case_needs_that_case_on_the_visit(as_role, records):
    for_case = _auth(records, "PA-CASE", "")
    Authorization.objects.filter(pk=for_case.pk).update(case=records["case"])
    response = as_role("therapist").post(
        reverse("visits:new"),
        visit_form(records, [("97124", 30, "A")], authorizations=[for_case.pk]),
    )
    assert "was given for the" in response.content.decode()
    assert not Visit.objects.filter(date="2026-04-01").exists()


def test_a_note_for_a_visit_dated_after_today_cannot_be_signed(records, users):
    visit = records["visit"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Visit.objects.filter(pk=visit.pk).update(date=tomorrow)
    with pytest.raises(SignatureRefused, match=f"dated {tomorrow:%m/%d/%Y}, after today"):
        sign_visit(Visit.objects.get(pk=visit.pk), user=users["therapist"])
    assert not Visit.objects.get(pk=visit.pk).is_signed
    Visit.objects.filter(pk=visit.pk).update(date=timezone.localdate())
    assert sign_visit(Visit.objects.get(pk=visit.pk), user=users["therapist"]).is_signed


@pytest.mark.django_db(transaction=True)
def test_the_single_authorization_of_existing_visits_becomes_their_link():
    executor = MigrationExecutor(connection)
    # Later migrations of these apps are rolled back too, so the historical models match.
    before = [
        ("visits", "0004_corrections_and_authorizations"),
        ("clients", "0002_referral_document_checks"),
        ("practice", "0003_timely_filing_months"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    practice = old.get_model("practice", "Practice").objects.create(name="P", state="WA")
    client = old.get_model("clients", "Client").objects.create(
        practice=practice, first_name="A", last_name="B", date_of_birth=dt.date(1980, 1, 1)
    )
    payer = old.get_model("practice", "Payer").objects.create(practice=practice, name="Pay")
    provider = old.get_model("practice", "Provider").objects.create(
        practice=practice, first_name="T", last_name="P", npi="1234567893"
    )
    auth = old.get_model("clients", "Authorization").objects.create(
        practice=practice, client=client, payer=payer, number="PA-9",
        starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31), visits_approved=5,
    )  # fmt: skip
    visit_model = old.get_model("visits", "Visit")
    linked = visit_model.objects.create(
        practice=practice, client=client, provider=provider, date=dt.date(2026, 3, 4),
        authorization=auth,
    )  # fmt: skip
    unlinked = visit_model.objects.create(
        practice=practice, client=client, provider=provider, date=dt.date(2026, 3, 5)
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert [a.number for a in Visit.objects.get(pk=linked.pk).authorizations.all()] == ["PA-9"]
    assert not Visit.objects.get(pk=unlinked.pk).authorizations.exists()
