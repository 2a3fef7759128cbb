"""The front desk's money: checkout, payments applied oldest first or to the visits ticked,
printable receipts, refunds with a reason, plain-words refusals, and credits that read as
credits. Every figure is worked by hand in the test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.ledger.models import Entry, Payment
from knead.ledger.selectors import client_balance, client_paid
from knead.ledger.services import charge_visit, record_payment, refund
from knead.visits.models import ServiceLine, Visit, VisitCorrection, correction_unlocked
from knead.visits.services import sign_visit

from ..billing.factories import billing_setup, ready_practice

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(practice, users):
    ready_practice(practice)
    return billing_setup(practice, users["therapist"])


def self_pay(setup, therapist, day=dt.date(2026, 3, 2), charge="165.00", sign=True) -> Visit:
    """A self-pay visit: 60 minutes of 97124, 4 units, at ``charge``."""
    visit = Visit.objects.create(
        practice=setup["client"].practice,
        client=setup["client"],
        provider=setup["provider"],
        date=day,
        billing_path="self_pay",
        subjective="Low back ache.",
        objective="Hypertonic QL.",
        assessment="Better.",
        plan="Weekly.",
        diagnoses=["M545"],
    )
    ServiceLine.objects.create(
        visit=visit, position=1, code="97124", minutes=60, units=4, charge=D(charge), pointers=[1]
    )
    return sign_visit(visit, user=therapist) if sign else visit


def _pay(page, visit_or_client, **data):
    fields = {"method": "card", "received_on": "2026-03-02", "kind": "payment", **data}
    return page.post(visit_or_client, fields)


def test_the_front_desk_takes_165_by_card_at_checkout_and_prints_the_receipt(as_role, setup, users):
    visit = self_pay(setup, users["therapist"])
    desk = as_role("front_desk")
    url = reverse("ledger:checkout", args=[visit.pk])
    page = desk.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="charge-total">$165.00<' in html  # 4 units x $41.25, charged at signing
    assert "Self-pay: nobody is billed" in html
    assert 'value="165.00"' in html  # the amount the client owes, suggested
    response = _pay(desk, url, amount="165.00", reference="4242")
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == payment.get_absolute_url()
    receipt = desk.get(response["Location"]).content.decode()
    for fact in (
        payment.number,  # R0000001
        "Practice A",
        "100 Cedar Lane",
        "Tax ID (EIN) 91-1234567",
        "Jordan Example",
        "$165.00",
        "card ending 4242",
        "Visit of 03/02/2026",
        "Balance after this payment: <strong>nothing owed</strong>",
        "Print the receipt",
    ):
        assert fact in receipt, fact
    assert client_balance(setup["client"]) == D("0.00")
    assert client_paid([visit]) == D("165.00")


def test_front_desk_owner_and_biller_take_payments_and_the_therapist_cannot(as_role, setup, users):
    visit = self_pay(setup, users["therapist"])
    url = reverse("ledger:checkout", args=[visit.pk])
    assert as_role("therapist").get(url).status_code == 403
    assert _pay(as_role("therapist"), url, amount="10.00").status_code == 403
    for role in ("front_desk", "owner", "biller"):
        assert as_role(role).get(url).status_code == 200
        assert _pay(as_role(role), url, amount="10.00").status_code == 302
    # Three $10.00 payments on the $165.00 visit: $135.00 still owed.
    assert client_balance(setup["client"]) == D("135.00")


def test_a_payment_goes_to_the_oldest_visit_first_unless_the_desk_ticks_visits(
    as_role, setup, users
):
    march = self_pay(setup, users["therapist"], dt.date(2026, 3, 2), "100.00")
    april = self_pay(setup, users["therapist"], dt.date(2026, 4, 6), "100.00")
    desk = as_role("front_desk")
    url = reverse("ledger:payment_new", args=[setup["client"].pk])
    first = _pay(desk, url, amount="150.00", method="check", reference="1044",
                 received_on="2026-04-06")  # fmt: skip
    receipt = desk.get(first["Location"]).content.decode()
    # $150: $100.00 pays 03/02 in full, $50.00 goes to 04/06.
    assert 'Visit of 03/02/2026</td><td class="num">$100.00' in receipt
    assert 'Visit of 04/06/2026</td><td class="num">$50.00' in receipt
    assert "no. 1044" in receipt
    assert (client_paid([march]), client_paid([april])) == (D("100.00"), D("50.00"))
    # The $50.00 left on April, ticked; $20.00 more than it owes stays on account.
    second = _pay(desk, url, amount="70.00", visits=[str(april.pk)], received_on="2026-04-06")
    receipt = desk.get(second["Location"]).content.decode()
    assert 'Visit of 04/06/2026</td><td class="num">$50.00' in receipt
    assert 'Credit on account</td><td class="num">$20.00' in receipt
    assert "credit on account $20.00" in receipt
    assert client_balance(setup["client"]) == D("-20.00")  # 200 charged - 220 paid


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"amount": "abc"}, "“abc” is not an amount: enter dollars and cents, e.g. 165.00."),
        ({"amount": "12.345"}, "“12.345” is not an amount"),
        ({"amount": ""}, "Enter the amount received, e.g. 165.00."),
        ({"amount": "0"}, "Enter the amount received, more than $0.00."),
        ({"amount": "20", "received_on": "2999-01-01"}, "A payment cannot be dated in the future"),
        ({"amount": "20", "received_on": "03/02"}, "Enter the date as month/day/year"),
        (
            {"amount": "20", "reference": "4242424242424242"},
            "enter only the last four digits of the card number (e.g. 4242)",
        ),
    ],
)
def test_bad_payment_input_is_refused_in_plain_words_and_changes_nothing(
    as_role, setup, users, data, words
):
    visit = self_pay(setup, users["therapist"])
    entries = Entry.objects.count()
    response = _pay(as_role("front_desk"), reverse("ledger:checkout", args=[visit.pk]), **data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Payment.objects.count() == 0 and Entry.objects.count() == entries


def test_a_refund_needs_a_reason_and_credit_and_prints_a_refund_receipt(as_role, setup, users):
    client = setup["client"]
    url = reverse("ledger:refund_new", args=[client.pk])
    owner = as_role("owner")
    nothing = owner.post(url, {"amount": "10.00", "reason": "Overpaid", "method": "cash",
                               "refunded_on": "2026-03-02"})  # fmt: skip
    assert nothing.status_code == 400
    assert "There is nothing to refund: the client has no credit on account" in (
        nothing.content.decode()
    )
    record_payment(client, amount=D("200.00"), method="card", kind="prepayment",
                   received_on=dt.date(2026, 3, 1), user=users["front_desk"])  # fmt: skip
    self_pay(setup, users["therapist"])  # $165.00 taken from the $200.00: $35.00 credit
    no_reason = owner.post(url, {"amount": "35.00", "reason": "", "method": "card",
                                 "refunded_on": "2026-03-02"})  # fmt: skip
    assert "Say why the money is refunded." in no_reason.content.decode()
    too_much = owner.post(url, {"amount": "50.00", "reason": "Overpaid", "method": "card",
                                "refunded_on": "2026-03-02"})  # fmt: skip
    assert "The client has $35.00 of credit on account; a refund of $50.00 would bill them." in (
        too_much.content.decode()
    )
    assert Payment.objects.filter(kind="refund").count() == 0
    done = owner.post(url, {"amount": "35.00", "reason": "Prepaid more than the visit",
                            "method": "card", "refunded_on": "2026-03-02"})  # fmt: skip
    receipt = owner.get(done["Location"]).content.decode()
    assert "Refund receipt" in receipt and "Prepaid more than the visit" in receipt
    assert "Balance after this refund: <strong>nothing owed</strong>" in receipt
    assert client_balance(client) == D("0.00")


def test_a_credit_reads_credit_on_account_never_an_amount_owed_below_zero(as_role, setup, users):
    record_payment(setup["client"], amount=D("165.00"), method="card", kind="prepayment",
                   received_on=dt.date(2026, 3, 1), user=users["front_desk"])  # fmt: skip
    html = as_role("front_desk").get(reverse("ledger:client", args=[setup["client"].pk]))
    text = html.content.decode()
    assert "credit on account $165.00" in text
    assert "-165" not in text and "−$165" not in text and "owes $-" not in text


def test_the_account_page_lists_the_clients_entries_with_the_insurance_balance_beside_them(
    as_role, setup, users
):
    self_pay(setup, users["therapist"])
    record_payment(setup["client"], amount=D("65.00"), method="cash",
                   received_on=dt.date(2026, 3, 2), user=users["front_desk"])  # fmt: skip
    html = as_role("biller").get(reverse("ledger:client", args=[setup["client"].pk]))
    text = html.content.decode()
    assert "(97124) × 4" in text  # the charge: the service, never a diagnosis
    assert "$100.00 owed" in text  # 165.00 - 65.00, the running balance
    assert "insurance still owes" in text
    assert "No payer owes anything on this client's visits." in text


def test_the_old_ledger_addresses_lead_to_the_account_page(as_role, setup, users):
    client = setup["client"]
    biller = as_role("biller")
    page = biller.get(reverse("remittance:ledger", args=[client.pk]))
    assert page["Location"] == reverse("ledger:client", args=[client.pk])
    posted = biller.post(reverse("remittance:payment_new", args=[client.pk]), {"amount": "1"})
    assert posted.status_code == 307
    assert posted["Location"] == reverse("ledger:payment_new", args=[client.pk])


def test_a_refunded_credit_never_pays_a_visit(setup, users):
    client = setup["client"]
    record_payment(client, amount=D("200.00"), method="cash", kind="prepayment",
                   received_on=dt.date(2026, 3, 1), user=users["front_desk"])  # fmt: skip
    refund(client, amount=D("50.00"), reason="Changed plans", method="cash",
           received_on=dt.date(2026, 3, 1), user=users["owner"])  # fmt: skip
    visit = self_pay(setup, users["therapist"])
    # $200 paid - $50 refunded = $150 on account, all of it to the $165 visit: $15 still owed.
    assert client_paid([visit]) == D("150.00")
    assert client_balance(client) == D("15.00")


def test_a_corrected_service_gives_its_payment_back_and_the_new_line_takes_it(setup, users):
    visit = self_pay(setup, users["therapist"])
    record_payment(setup["client"], amount=D("165.00"), method="card",
                   received_on=dt.date(2026, 3, 2), user=users["front_desk"])  # fmt: skip
    old = visit.lines.get()
    now = timezone.now()
    # As visits.corrections.correct_visit does: the correction first, then the lines.
    VisitCorrection.objects.create(
        visit=visit, author=users["therapist"], created=now, reason="45 minutes, not 60",
        original_date=visit.date, corrected_date=visit.date,
        original_diagnoses=visit.diagnoses, corrected_diagnoses=visit.diagnoses,
    )  # fmt: skip
    with correction_unlocked(visit.pk):
        old.replaced_at = now
        old.save(update_fields=["replaced_at"])
        ServiceLine.objects.create(
            visit=visit, position=2, code="97124", minutes=45, units=3, charge=D("120.00"),
            pointers=[1],
        )  # fmt: skip
    charge_visit(visit, user=users["therapist"])
    # The corrected visit costs $120.00, paid from the $165.00: $45.00 is credit on account.
    assert client_paid([visit]) == D("120.00")
    assert client_balance(setup["client"]) == D("-45.00")


def test_credit_on_account_is_applied_to_an_older_open_visit_when_the_desk_asks(
    as_role, setup, users
):
    visit = self_pay(setup, users["therapist"])  # $165.00
    client = setup["client"]
    record_payment(client, amount=D("105.00"), method="cash", received_on=dt.date(2026, 3, 2),
                   user=users["front_desk"])  # fmt: skip
    record_payment(client, amount=D("300.00"), method="card", kind="package",
                   received_on=dt.date(2026, 3, 9), user=users["front_desk"])  # fmt: skip
    page = as_role("front_desk").get(reverse("ledger:client", args=[client.pk])).content.decode()
    assert "$300.00 paid is not applied to any visit" in page
    response = as_role("front_desk").post(reverse("ledger:credit_apply", args=[client.pk]))
    assert response["Location"] == reverse("ledger:client", args=[client.pk])
    # $165.00 - $105.00 = $60.00 open, paid from the package; $240.00 stays on account.
    assert client_paid([visit]) == D("165.00")
    assert client_balance(client) == D("-240.00")
