"""The front desk's money pages: checkout for a visit, the client's account (payments,
refunds, statements), printable receipts, and the monthly statement run.

Every figure comes from the ledger (``accounts``, ``selectors``, ``checkout``); every write goes
through the ledger services, whose refusals are shown next to the field they are about and
change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from knead.accounts.once import once_per_form
from knead.accounts.roles import allowed, requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.clients.models import Client
from knead.jobs.models import Job
from knead.jobs.services import enqueue
from knead.ledger import accounts, selectors, statements
from knead.ledger.checkout import checkout as checkout_facts
from knead.ledger.forms import PaymentForm, RefundForm, StatementDateForm
from knead.ledger.models import Payment, Statement
from knead.ledger.services import LedgerRefused, apply_credit, on_account, record_payment, refund
from knead.practice import clock
from knead.visits.models import Visit
from knead.visits.to_claim import with_claim_facts

STATEMENT_RUN = "statement_run"


def _client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(Client.objects.for_practice(request.practice), pk=pk)


def _refused(form: Any, error: LedgerRefused) -> None:
    """Put a service's refusal next to its field (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "received_on" and "refunded_on" in form.fields:
        field = "refunded_on"
    form.add_error(field, str(error))


def _take_payment(request: HttpRequest, client: Client, form: PaymentForm) -> Payment | None:
    """Record the form's payment; None (with the form's errors set) when refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        payment = record_payment(
            client,
            amount=data["amount"],
            method=data["method"],
            received_on=data["received_on"],
            reference=data["reference"],
            kind=data["kind"],
            visits=form.picked_visits(),
            user=request.user,
        )
    except LedgerRefused as error:
        _refused(form, error)
        return None
    record(request, Action.CREATE, payment)
    return payment


def _account_context(request: HttpRequest, client: Client, **forms: Any) -> dict[str, Any]:
    open_visits = accounts.open_visits(client)
    balance = selectors.client_balance(client)
    day = clock.today(request.practice)
    return {
        "client": client,
        "open_visits": open_visits,
        "on_account": on_account(client),
        "account": accounts.account_number(client),
        "lines": accounts.client_account(client),
        "insurance": accounts.insurance_lines(client),
        "balance": balance,
        "balance_figure": abs(balance),
        "balance_words": accounts.balance_words(balance),
        "insurance_balance": selectors.insurance_balance(client),
        "payments": Payment.objects.for_practice(request.practice).filter(client=client)[:20],
        "statements": Statement.objects.for_practice(request.practice).filter(client=client)[:12],
        "payment_form": forms.get("payment_form")
        or PaymentForm(open_visits=open_visits, initial={"received_on": day}),
        "refund_form": forms.get("refund_form") or RefundForm(initial={"refunded_on": day}),
        "statement_form": forms.get("statement_form")
        or StatementDateForm(initial={"period_end": day}),
        "can_take": allowed(request, "payments.take"),
    }


@requires("billing.view")
def client_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's account: every entry of theirs with a running balance, what insurance
    still owes beside it, and the forms to take a payment, refund a credit or issue a
    statement."""
    client = _client(request, pk)
    record(request, Action.VIEW, client, detail="ledger")
    return render(request, "ledger/client.html", _account_context(request, client))


@require_POST
@requires("payments.take")
@once_per_form
def payment_new(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = PaymentForm(request.POST, open_visits=accounts.open_visits(client))
    payment = _take_payment(request, client, form)
    if payment is None:
        context = _account_context(request, client, payment_form=form)
        return render(request, "ledger/client.html", context, status=400)
    messages.success(request, f"Payment of ${payment.amount:,.2f} recorded.")
    return redirect(payment)


@require_POST
@requires("payments.take")
@once_per_form
def refund_new(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = refund(
                client,
                amount=data["amount"],
                reason=data["reason"],
                method=data["method"],
                received_on=data["refunded_on"],
                user=request.user,
            )
        except LedgerRefused as error:
            _refused(form, error)
        else:
            record(request, Action.CREATE, payment, detail="refund")
            messages.success(request, f"Refund of ${payment.amount:,.2f} recorded.")
            return redirect(payment)
    context = _account_context(request, client, refund_form=form)
    return render(request, "ledger/client.html", context, status=400)


@require_POST
@requires("payments.take")
def credit_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the client's credit on account to their open visits, oldest first."""
    client = _client(request, pk)
    applied = apply_credit(client, user=request.user)
    if applied:
        record(request, Action.UPDATE, client, detail="credit applied to visits")
        messages.success(request, f"${applied:,.2f} of credit on account applied to visits.")
    else:
        messages.info(request, "There was no credit on account to apply to an open visit.")
    return redirect("ledger:client", pk=client.pk)


@requires("payments.take")
@once_per_form
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit at checkout: its charge from the ledger, the estimated client share with its
    working, and the payment."""
    visits = with_claim_facts(Visit.objects.for_practice(request.practice))
    visit = get_object_or_404(visits, pk=pk)
    client = visit.client
    open_visits = accounts.open_visits(client)
    facts = checkout_facts(visit)
    if request.method == "POST":
        form = PaymentForm(request.POST, open_visits=open_visits)
        payment = _take_payment(request, client, form)
        if payment is not None:
            messages.success(request, f"Payment of ${payment.amount:,.2f} recorded.")
            return redirect(payment)
        status = 400
    else:
        form = PaymentForm(
            open_visits=open_visits,
            initial={
                "amount": f"{facts.suggested:.2f}" if facts.suggested else "",
                "received_on": clock.today(request.practice),
            },
        )
        status = 200
    record(request, Action.VIEW, visit, detail="checkout")
    balance = selectors.client_balance(client)
    return render(
        request,
        "ledger/checkout.html",
        {
            "visit": visit,
            "facts": facts,
            "form": form,
            "balance": balance,
            "balance_words": accounts.balance_words(balance),
        },
        status=status,
    )


@requires("billing.view")
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable receipt: as recorded, with the visits it paid and the balance after it."""
    payment = get_object_or_404(
        Payment.objects.for_practice(request.practice).select_related("client", "created_by"),
        pk=pk,
    )
    record(request, Action.VIEW, payment)
    found = accounts.receipt(payment)
    return render(
        request,
        "ledger/receipt.html",
        {
            "payment": payment,
            "receipt": found,
            "practice": request.practice,
            "account": accounts.account_number(payment.client),
            "balance_words": accounts.balance_words(found.balance_after),
        },
    )


# --- statements ---------------------------------------------------------------------------------


@require_POST
@requires("payments.take")
def statement_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue one client's statement now (outside the monthly run)."""
    client = _client(request, pk)
    form = StatementDateForm(request.POST)
    if form.is_valid():
        try:
            statement = statements.issue_statement(
                client, period_end=form.cleaned_data["period_end"], user=request.user
            )
        except LedgerRefused as error:
            _refused(form, error)
        else:
            record(request, Action.CREATE, statement)
            messages.success(request, f"Statement {statement.number} issued.")
            return redirect(statement)
    context = _account_context(request, client, statement_form=form)
    return render(request, "ledger/client.html", context, status=400)


def _statement(request: HttpRequest, pk: int) -> Statement:
    kept = Statement.objects.for_practice(request.practice).select_related("client")
    return get_object_or_404(kept, pk=pk)


@requires("billing.view")
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept statement, as it was printed."""
    kept = _statement(request, pk)
    record(request, Action.VIEW, kept)
    return render(
        request,
        "ledger/statement.html",
        {"statement": kept, "doc": statements.statement_document(kept)},
    )


@requires("billing.view")
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    kept = _statement(request, pk)
    download = request.GET.get("download") == "1"
    record(
        request, Action.EXPORT, kept, detail=f"statement ({'download' if download else 'preview'})"
    )
    response = HttpResponse(statements.statement_pdf(kept), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="statement-{kept.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@requires("payments.take")
def statement_runs(request: HttpRequest) -> HttpResponse:
    """The monthly run: a statement to every client with a balance, as a job with progress;
    and the statements kept, newest first."""
    form = StatementDateForm(
        request.POST or None, initial={"period_end": clock.today(request.practice)}
    )
    if request.method == "POST" and form.is_valid():
        day: dt.date = form.cleaned_data["period_end"]
        if day > clock.today(request.practice):
            form.add_error(
                "period_end",
                f"A statement cannot be dated after today ({clock.today(request.practice):%m/%d/%Y}).",
            )
        else:
            with transaction.atomic():
                job = enqueue(STATEMENT_RUN, request.practice, request.user,
                              period_end=day.isoformat())  # fmt: skip
            record(request, Action.CREATE, job, detail="statement run")
            messages.success(request, f"Statements dated {day:%m/%d/%Y} are being issued.")
            return redirect("ledger:statements")
    record(request, Action.LIST, object_type="ledger.statement")
    jobs = Job.objects.for_practice(request.practice).filter(kind=STATEMENT_RUN)[:6]
    kept = (
        Statement.objects.for_practice(request.practice)
        .select_related("client")
        .order_by("-period_end", "client__last_name", "client__first_name")[:100]
    )
    rows = [
        {
            "job": job,
            "label": "Client statements",
            "link": reverse("ledger:statements"),
            "can_retry": job.state == "failed",
        }
        for job in jobs
    ]
    return render(
        request,
        "ledger/statements.html",
        {"form": form, "rows": rows, "statements": kept},
        status=400 if form.errors else 200,
    )
