"""Monthly statements: what changed since the last statement plus the balance brought forward,
aging, a remit stub; each kept and reprinted exactly; a run for every client with a balance as
a job. Figures worked by hand in each test."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from knead.clients.models import Client
from knead.jobs.models import Job
from knead.ledger.models import Statement
from knead.ledger.services import LedgerRefused, record_payment
from knead.ledger.statements import issue_statement, run_statements, statement_pdf
from knead.visits.models import ServiceLine, Visit
from knead.visits.services import sign_visit

from ..billing.factories import billing_setup, ready_practice

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(practice, users):
    ready_practice(practice)
    return billing_setup(practice, users["therapist"])


def visit(setup, therapist, day: dt.date, charge: str = "165.00", client=None) -> Visit:
    """A signed self-pay visit of 97124 x 4 at ``charge``."""
    made = Visit.objects.create(
        practice=setup["client"].practice, client=client or setup["client"],
        provider=setup["provider"], date=day, billing_path="self_pay", subjective="Sore.",
        objective="Tight.", assessment="Better.", plan="Weekly.", diagnoses=["M545"],
    )  # fmt: skip
    ServiceLine.objects.create(
        visit=made, position=1, code="97124", minutes=60, units=4, charge=D(charge), pointers=[1]
    )
    return sign_visit(made, user=therapist)


def pay(client, users, amount: str, day: dt.date, kind: str = "payment") -> None:
    record_payment(client, amount=D(amount), method="card", received_on=day, kind=kind,
                   user=users["front_desk"])  # fmt: skip


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_a_statement_lists_what_changed_since_the_last_with_the_balance_brought_forward(
    setup, users
):
    client = setup["client"]
    visit(setup, users["therapist"], dt.date(2026, 2, 10))  # $165.00
    pay(client, users, "100.00", dt.date(2026, 2, 10))
    february = issue_statement(client, period_end=dt.date(2026, 2, 28), user=users["owner"])
    # First statement: its cycle runs from 01/29 (a month before 02/28, plus a day); nothing
    # before it, so $0.00 brought forward; $165.00 - $100.00 = $65.00.
    assert (february.period_start, february.brought_forward, february.balance) == (
        dt.date(2026, 1, 29), D("0.00"), D("65.00"))  # fmt: skip
    visit(setup, users["therapist"], dt.date(2026, 3, 15))  # $165.00 more
    pay(client, users, "50.00", dt.date(2026, 3, 20))  # pays the February visit first
    march = issue_statement(client, period_end=dt.date(2026, 3, 31), user=users["owner"])
    doc = march.content
    assert [(line["day"], line["amount"]) for line in doc["lines"]] == [
        ("2026-03-15", "165.00"),
        ("2026-03-20", "-50.00"),
    ]  # only March: the February charge and payment are not printed again
    assert (march.period_start, march.brought_forward, march.balance) == (
        dt.date(2026, 3, 1), D("65.00"), D("180.00"))  # 65.00 + 165.00 - 50.00  # fmt: skip
    # Aging on 03/31: $15.00 of the February visit is 49 days old (31-60), the March visit's
    # $165.00 is current.
    assert doc["aging"] == ["165.00", "15.00", "0.00", "0.00"]
    text = pdf_text(statement_pdf(march))
    for fact in (
        "Statement no. S",
        f"ACCOUNT NUMBER {client.pk:06d}",
        "Balance brought forward from 02/28/2026 $65.00",  # the February statement's date
        "Payments and credits $50.00",
        "Balance $180.00",
        "past due (over 30 days)",
        "Please detach and return this part with your payment.",
        "REMIT TO",
        "100 Cedar Lane",
        "Amount enclosed",
        "AMOUNT DUE $180.00",
        "PLEASE PAY BY 04/30/2026",  # 30 days after the statement
    ):
        assert fact in text, fact
    assert "M545" not in text and "M54.5" not in text  # never a diagnosis


def test_an_entry_dated_before_a_statement_but_entered_after_it_goes_on_the_next(setup, users):
    client = setup["client"]
    visit(setup, users["therapist"], dt.date(2026, 3, 2))  # $165.00
    march = issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    pay(client, users, "40.00", dt.date(2026, 3, 30))  # a check dated 03/30, entered later
    april = issue_statement(client, period_end=dt.date(2026, 4, 30), user=None)
    assert march.balance == D("165.00")
    assert april.brought_forward == D("165.00")
    assert [line["amount"] for line in april.content["lines"]] == ["-40.00"]
    assert april.balance == D("125.00")


def test_a_kept_statement_reprints_exactly_after_the_account_and_the_practice_change(setup, users):
    client = setup["client"]
    visit(setup, users["therapist"], dt.date(2026, 3, 2))
    kept = issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    first = pdf_text(statement_pdf(kept))
    pay(client, users, "165.00", dt.date(2026, 3, 31))
    practice = client.practice
    practice.address_line1 = "9 New Street"
    practice.save()
    again = pdf_text(statement_pdf(Statement.objects.get(pk=kept.pk)))
    assert again == first
    assert "100 Cedar Lane" in again and "9 New Street" not in again


def test_a_credit_statement_says_credit_on_account_and_asks_for_nothing(setup, users):
    pay(setup["client"], users, "200.00", dt.date(2026, 3, 1), kind="prepayment")
    visit(setup, users["therapist"], dt.date(2026, 3, 2))  # $165.00 of the $200.00
    kept = issue_statement(setup["client"], period_end=dt.date(2026, 3, 31), user=None)
    text = pdf_text(statement_pdf(kept))
    assert kept.balance == D("-35.00")
    assert "Balance Credit on account $35.00" in text
    assert "AMOUNT DUE $0.00" in text
    assert "You have a credit on account of $35.00. Nothing is due." in text
    assert "-$35" not in text and "$-35" not in text


def test_a_statement_must_be_dated_after_the_last_and_not_in_the_future(setup, users):
    client = setup["client"]
    issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    with pytest.raises(LedgerRefused, match="already has a statement dated 03/31/2026"):
        issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    with pytest.raises(LedgerRefused, match="cannot be dated after today"):
        issue_statement(client, period_end=dt.date(2999, 1, 1), user=None)
    assert Statement.objects.count() == 1


def test_the_run_issues_one_statement_to_each_client_with_a_balance_and_never_twice(setup, users):
    practice = setup["client"].practice
    owes = setup["client"]
    visit(setup, users["therapist"], dt.date(2026, 3, 2))  # owes $165.00
    credit = Client.objects.create(practice=practice, first_name="Casey", last_name="Credit",
                                   date_of_birth=dt.date(1990, 1, 1))  # fmt: skip
    pay(credit, users, "50.00", dt.date(2026, 3, 3), kind="prepayment")  # $50.00 credit
    settled = Client.objects.create(practice=practice, first_name="Pat", last_name="Paid",
                                    date_of_birth=dt.date(1990, 1, 1))  # fmt: skip
    visit(setup, users["therapist"], dt.date(2026, 3, 4), client=settled)
    pay(settled, users, "165.00", dt.date(2026, 3, 4))  # balance $0.00: no statement
    heard: list[tuple[int, int]] = []
    result = run_statements(practice, dt.date(2026, 3, 31), users["owner"],
                            on_progress=lambda done, total: heard.append((done, total)))  # fmt: skip
    assert (result.issued, result.already) == (2, 0)
    assert heard == [(1, 2), (2, 2)]
    assert set(Statement.objects.values_list("client_id", flat=True)) == {owes.pk, credit.pk}
    again = run_statements(practice, dt.date(2026, 3, 31), users["owner"])
    assert (again.issued, again.already) == (0, 2)
    assert again.summary == "0 statements issued; 2 client(s) already had one for this date."


def test_the_statement_run_is_a_job_with_progress_from_the_statements_page(
    as_role, setup, users, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    visit(setup, users["therapist"], dt.date(2026, 3, 2))
    desk = as_role("front_desk")
    response = desk.post(reverse("ledger:statements"), {"period_end": "2026-03-31"})
    assert response.status_code == 302
    job = Job.objects.get(kind="statement_run")
    assert (job.state, job.done, job.total, job.note) == ("done", 1, 1, "1 statement issued.")
    page = desk.get(reverse("ledger:statements")).content.decode()
    assert "Client statements" in page and "1 statement issued." in page
    kept = Statement.objects.get()
    assert kept.get_absolute_url() in page
    future = desk.post(reverse("ledger:statements"), {"period_end": "2999-01-01"})
    assert future.status_code == 400
    assert "A statement cannot be dated after today" in future.content.decode()
    assert as_role("therapist").get(reverse("ledger:statements")).status_code == 403


def test_the_statement_page_reprints_the_kept_pdf_and_audits_the_download(as_role, setup, users):
    from knead.audit.models import AuditEvent

    client = setup["client"]
    visit(setup, users["therapist"], dt.date(2026, 3, 2))
    kept = issue_statement(client, period_end=dt.date(2026, 3, 31), user=None)
    pay(client, users, "165.00", dt.date(2026, 3, 31))  # after the statement: not on it
    desk = as_role("front_desk")
    url = reverse("ledger:statement_pdf", args=[kept.pk])
    response = desk.get(url + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-{kept.number}.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "AMOUNT DUE $165.00" in text and re.search(r"Payment R\d+", text) is None
    assert AuditEvent.objects.filter(detail="statement (download)").count() == 1
    assert as_role("therapist").get(url).status_code == 403
