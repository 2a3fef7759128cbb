"""Forms survive a double submit: two identical posts of one form create one record."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from knead.accounts.models import FormSubmission
from knead.claims.models import Claim
from knead.clients.models import Client
from knead.ledger.models import Payment
from knead.visits.models import ServiceLine, Visit
from knead.visits.services import sign_visit

from .billing.factories import billing_setup, ready_practice, signed_visit

pytestmark = pytest.mark.django_db

NEW_CLIENT = {
    "first_name": "Odile",
    "last_name": "Marchetti",
    "date_of_birth": "1975-02-14",
    "sex": "U",
    "state": "WA",
}
PAYMENT = {"amount": "40.00", "method": "card", "received_on": "2026-03-02", "kind": "payment"}


def token_in(page: str) -> str:
    found = re.findall(r'name="form_token" value="([^"]+)"', page)
    assert len(found) >= 1, "the form carries no one-time token"
    return found[0]


@pytest.fixture
def account(practice, users):
    ready_practice(practice)
    return billing_setup(practice, users["therapist"])


@pytest.fixture
def money(account, practice, users):
    setup = account
    visit = Visit.objects.create(
        practice=practice,
        client=setup["client"],
        provider=setup["provider"],
        date=dt.date(2026, 3, 2),
        billing_path="self_pay",
        subjective="Low back ache.",
        objective="Hypertonic QL.",
        assessment="Better.",
        plan="Weekly.",
        diagnoses=["M545"],
    )
    ServiceLine.objects.create(
        visit=visit, position=1, code="97124", minutes=60, units=4, charge=Decimal("165.00"),
        pointers=[1],
    )  # fmt: skip
    return {**setup, "visit": sign_visit(visit, user=users["therapist"])}


def test_each_showing_of_the_new_client_form_carries_its_own_token(as_role, records):
    desk = as_role("front_desk")
    first = token_in(desk.get(reverse("clients:new")).content.decode())
    second = token_in(desk.get(reverse("clients:new")).content.decode())
    assert first != second


def test_two_identical_posts_of_the_new_client_form_create_one_client(as_role, records):
    desk = as_role("front_desk")
    token = token_in(desk.get(reverse("clients:new")).content.decode())
    form = {**NEW_CLIENT, "form_token": token}
    first = desk.post(reverse("clients:new"), form)
    second = desk.post(reverse("clients:new"), form)
    assert Client.objects.filter(last_name="Marchetti").count() == 1
    made = Client.objects.get(last_name="Marchetti")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/clients/{made.pk}/"
    told = [str(m) for m in get_messages(second.wsgi_request)]
    assert "This form was already sent; here is what it saved." in told


def test_a_new_client_form_sent_back_with_errors_can_be_sent_again(as_role, records):
    desk = as_role("front_desk")
    token = token_in(desk.get(reverse("clients:new")).content.decode())
    without_birth_date = {**NEW_CLIENT, "date_of_birth": "", "form_token": token}
    assert desk.post(reverse("clients:new"), without_birth_date).status_code == 200
    assert desk.post(reverse("clients:new"), {**NEW_CLIENT, "form_token": token}).status_code == 302
    assert Client.objects.filter(last_name="Marchetti").count() == 1


def test_a_second_post_while_the_first_is_still_saving_gets_a_plain_message(
    as_role, records, users
):
    FormSubmission.objects.create(token="in-flight-1", user=users["front_desk"])
    response = as_role("front_desk").post(
        reverse("clients:new"), {**NEW_CLIENT, "form_token": "in-flight-1"}
    )
    assert response.status_code == 409
    assert "The first sending is still being saved; it is saved once." in response.content.decode()
    assert not Client.objects.filter(last_name="Marchetti").exists()


def test_two_identical_payment_posts_record_one_payment(as_role, account):
    desk = as_role("front_desk")
    client = account["client"]
    page = desk.get(reverse("ledger:client", args=[client.pk])).content.decode()
    payment_form = page[page.index(reverse("ledger:payment_new", args=[client.pk])) :]
    form = {**PAYMENT, "form_token": token_in(payment_form)}
    first = desk.post(reverse("ledger:payment_new", args=[client.pk]), form)
    second = desk.post(reverse("ledger:payment_new", args=[client.pk]), form)
    payment = Payment.objects.get(client=client)
    assert payment.amount == Decimal("40.00")
    assert first["Location"] == second["Location"] == f"/ledger/receipts/{payment.pk}/"


def test_two_identical_checkout_posts_record_one_payment(as_role, money):
    desk = as_role("front_desk")
    url = reverse("ledger:checkout", args=[money["visit"].pk])
    form = {**PAYMENT, "amount": "165.00", "form_token": token_in(desk.get(url).content.decode())}
    first = desk.post(url, form)
    second = desk.post(url, form)
    assert Payment.objects.filter(client=money["client"]).count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_two_posts_with_different_tokens_are_two_clients(as_role, records):
    desk = as_role("front_desk")
    desk.post(reverse("clients:new"), {**NEW_CLIENT, "form_token": "first-form"})
    desk.post(reverse("clients:new"), {**NEW_CLIENT, "form_token": "second-form"})
    assert Client.objects.filter(last_name="Marchetti").count() == 2


def test_two_identical_posts_of_new_claims_from_a_visit_create_one_claim(as_role, account, users):
    visit = signed_visit(
        account, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    biller = as_role("biller")
    token = token_in(biller.get(reverse("claims:new")).content.decode())
    form = {"visit": [str(visit.pk)], "form_token": token}
    first = biller.post(reverse("claims:new"), form)
    second = biller.post(reverse("claims:new"), form)
    assert Claim.objects.filter(client=account["client"]).count() == 1
    assert first["Location"] == second["Location"] == reverse("claims:list")
