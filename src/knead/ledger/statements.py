"""Monthly client statements: issued one at a time or for every client with a balance, each
kept exactly as printed.

Which entries a statement prints: each statement covers the client's entries posted up to its
date (``period_end``) that exist when it is issued (up to ``through_entry``). Both only grow
from one statement to the next, so each statement's coverage contains the last one's, and a
statement prints exactly the entries its coverage adds: an entry is printed once, on the first
statement that covers it, even one entered late with an earlier date. The balance brought
forward is the last statement's balance (for a client's first statement, the balance before
its monthly cycle), and the new balance is that plus the lines, which is the sum of every entry
covered. Aging dates each visit's open amount from the day it became the client's (the charge
of a self-pay visit, the share a payer left), as of the statement date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q, Sum

from knead.billing import ledger as core
from knead.billing.documents.statement import (
    StatementDocument,
    StatementLine,
    from_json,
    render_statement,
    to_json,
)
from knead.clients.models import Client
from knead.ledger.accounts import account_lines, account_number
from knead.ledger.models import Entry, Statement
from knead.ledger.services import LedgerRefused
from knead.practice import clock

ZERO = Decimal("0.00")
DUE_DAYS = 30


def month_before(day: dt.date) -> dt.date:
    """The same day a month earlier (the month's last day when it has no such day)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def _client_entries(client: Any) -> Any:
    return Entry.objects.filter(client=client, payer__isnull=True)


def _covered(client: Any, period_end: dt.date, through: int) -> Any:
    return _client_entries(client).filter(posted_on__lte=period_end, pk__lte=through)


def _sum(qs: Any) -> Decimal:
    return (qs.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(core.CENT)


def last_statement(client: Any) -> Statement | None:
    return Statement.objects.for_practice(client.practice).filter(client=client).first()


def _aging(client: Any, period_end: dt.date, through: int) -> tuple[Decimal, ...]:
    """The covered balance in the four buckets: per visit, its open amount dated by the first
    day it became the client's; money not on a visit (credit on account) as one item."""
    covered = _covered(client, period_end, through)
    items: list[tuple[dt.date, Decimal]] = []
    rows = (
        covered.filter(visit__isnull=False)
        .values_list("visit_id")
        .annotate(
            total=Sum("amount"),
            since=Min("posted_on", filter=Q(amount__gt=0)),
            last=Max("posted_on"),
        )
    )
    for _visit, total, since, last in rows:
        if total:
            items.append((since or last, (total or ZERO).quantize(core.CENT)))
    loose = covered.filter(visit__isnull=True).aggregate(total=Sum("amount"), last=Max("posted_on"))
    if loose["total"]:
        items.append((loose["last"], loose["total"].quantize(core.CENT)))
    return core.aging(items, period_end)


def _address(record: Any) -> tuple[str, ...]:
    city = f"{record.city}, {record.state} {record.zip_code}".strip(", ")
    return tuple(
        line for line in (record.address_line1, record.address_line2, city) if line.strip()
    )


def _document(
    statement: Statement, client: Client, lines: list[StatementLine], aging: tuple[Decimal, ...]
) -> StatementDocument:
    practice = client.practice
    practice_lines = _address(practice) + ((practice.phone,) if practice.phone else ())
    ways = "Pay at the front desk by card, cash, check or HSA/FSA card, or mail a check payable "
    ways += f"to {practice.name} with the part below."
    if practice.phone:
        ways += f" Questions about your bill: call {practice.phone}."
    return StatementDocument(
        practice_name=practice.name,
        practice_lines=practice_lines,
        client_name=client.full_name,
        client_lines=_address(client),
        account=account_number(client),
        number=statement.number,
        statement_date=statement.period_end,
        period_start=statement.period_start,
        due_on=statement.period_end + dt.timedelta(days=DUE_DAYS),
        brought_forward=statement.brought_forward,
        lines=tuple(lines),
        aging=(aging[0], aging[1], aging[2], aging[3]),
        how_to_pay=ways,
    )


def issue_statement(client: Client, *, period_end: dt.date, user: Any) -> Statement:
    """Issue and keep the client's statement dated ``period_end``: what changed since the last
    statement, the balance brought forward, aging and the remit stub. Refused (plain words) for
    a date in the future or not after the client's last statement."""
    today = clock.today(client.practice)
    if period_end > today:
        raise LedgerRefused(
            f"A statement cannot be dated after today ({today:%m/%d/%Y}).", field="period_end"
        )
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        previous = last_statement(client)
        if previous is not None and period_end <= previous.period_end:
            raise LedgerRefused(
                f"{client.full_name} already has a statement dated "
                f"{previous.period_end:%m/%d/%Y}; a new one must be dated after it.",
                field="period_end",
            )
        newest = _client_entries(client).aggregate(last=Max("pk"))["last"] or 0
        if previous is not None:
            start = previous.period_end + dt.timedelta(days=1)
            before = (previous.period_end, previous.through_entry)
            brought = previous.balance
        else:
            start = month_before(period_end) + dt.timedelta(days=1)
            before = (start - dt.timedelta(days=1), newest)
            brought = _sum(_covered(client, *before))
        through = max(newest, before[1])
        printed = (
            _covered(client, period_end, through)
            .exclude(posted_on__lte=before[0], pk__lte=before[1])
            .select_related("visit", "service_line", "payment", "claim")
            .order_by("pk")
        )
        account = account_lines(printed, opening=brought)
        lines = [
            StatementLine(
                line.day,
                line.description,
                line.amount,
                line.charge,
                line.insurance_paid,
                line.adjusted,
            )
            for line in account
        ]
        balance = brought + sum((line.amount for line in lines), ZERO)
        statement = Statement(
            practice=client.practice,
            client=client,
            period_start=start,
            period_end=period_end,
            through_entry=through,
            brought_forward=brought,
            balance=balance,
            due_on=period_end + dt.timedelta(days=DUE_DAYS),
        )
        statement.stamp(user)
        statement.save()
        aging = _aging(client, period_end, through)
        statement.content = to_json(_document(statement, client, lines, aging))
        statement.save(update_fields=["content"])
    return statement


def statement_pdf(statement: Statement) -> bytes:
    """The kept statement, printed again from what was kept (never recomputed)."""
    return render_statement(from_json(statement.content))


def statement_document(statement: Statement) -> StatementDocument:
    return from_json(statement.content)


# --- the monthly run ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a statement run did: statements issued, and clients that already had one."""

    issued: int
    already: int

    @property
    def summary(self) -> str:
        issued = f"{self.issued} statement{'s' if self.issued != 1 else ''} issued"
        if self.already:
            return f"{issued}; {self.already} client(s) already had one for this date."
        return f"{issued}."


def clients_with_balance(practice: Any, period_end: dt.date) -> list[int]:
    """The clients whose own balance up to ``period_end`` is not zero (owing, or a credit to
    refund), in name order."""
    rows = (
        Entry.objects.filter(
            practice=practice,
            payer__isnull=True,
            client__isnull=False,
            client__deleted_at__isnull=True,
            posted_on__lte=period_end,
        )
        .values_list("client_id", "client__last_name", "client__first_name")
        .annotate(total=Sum("amount"))
    )
    # SQLite sums decimals as floats: -1.8e-15 is $0.00.
    found = [
        (last, first, pk)
        for pk, last, first, total in rows
        if (total or ZERO).quantize(core.CENT) != 0
    ]
    return [pk for _last, _first, pk in sorted(found)]


def run_statements(
    practice: Any,
    period_end: dt.date,
    user: Any,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Issue a statement dated ``period_end`` to every client with a balance. Safe to run again
    (after a crash, or twice): a client who already has a statement for this date or later is
    counted, not billed twice. ``on_progress(done, total)`` hears of each client."""
    ids = clients_with_balance(practice, period_end)
    issued = already = 0
    for done, pk in enumerate(ids, start=1):
        client = Client.objects.get(pk=pk)
        previous = last_statement(client)
        if previous is not None and previous.period_end >= period_end:
            already += 1
        else:
            issue_statement(client, period_end=period_end, user=user)
            issued += 1
        if on_progress is not None:
            on_progress(done, len(ids))
    return RunResult(issued, already)
