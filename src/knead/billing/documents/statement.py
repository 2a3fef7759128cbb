"""The client statement: what changed on the account since the last statement, the balance
brought forward, aging, and a remit stub to tear off and send back with the payment.

Content follows practice-rules.md §8.1 (Knead's default): practice contact, the client
(guarantor), account number and statement date; per line the date, the service (never a
diagnosis), the charge, what insurance paid and adjusted, and the client's amount; the balance,
its aging (current, 31–60, 61–90, over 90 days), the due date, how to pay and a message that
escalates as the balance ages (past due from 31 days, firmer from 61). A negative balance is a
credit on account, never an amount owed.

A statement is built from a ``StatementDocument``; ``to_json``/``from_json`` keep every printed
word and figure, so a kept statement prints again exactly as it first did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from knead.billing.documents.pdf import (
    CONTENT_WIDTH,
    INK,
    RULE,
    Letterhead,
    build_pdf,
    data_table,
    field_grid,
    heading,
    money,
    text,
    us_date,
)
from knead.billing.ledger import BUCKETS

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One change on the account. ``amount`` is signed: + the client owes more, − paid or
    credited. ``charge``, ``insurance_paid`` and ``adjusted`` explain a share left by a payer."""

    day: dt.date
    description: str
    amount: Decimal
    charge: Decimal = ZERO
    insurance_paid: Decimal = ZERO
    adjusted: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class StatementDocument:
    """Everything a statement prints."""

    practice_name: str
    practice_lines: tuple[str, ...]  # address, phone: the letterhead and the remit-to address
    client_name: str
    client_lines: tuple[str, ...]  # the mailing address
    account: str
    number: str
    statement_date: dt.date
    period_start: dt.date
    due_on: dt.date
    brought_forward: Decimal
    lines: tuple[StatementLine, ...]
    aging: tuple[Decimal, Decimal, Decimal, Decimal]
    how_to_pay: str = ""

    @property
    def balance(self) -> Decimal:
        return self.brought_forward + sum((line.amount for line in self.lines), ZERO)

    @property
    def new_charges(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount > 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return -sum((line.amount for line in self.lines if line.amount < 0), ZERO)

    @property
    def amount_due(self) -> Decimal:
        return max(self.balance, ZERO)

    @property
    def message(self) -> str:
        return dunning_message(self.balance, self.aging)


def dunning_message(balance: Decimal, aging: Sequence[Decimal]) -> str:
    """The statement's message: thanks when nothing is past due, past due from 31 days, firmer
    from 61; for a credit, how it will be returned (practice-rules.md §8.1, §8.3)."""
    if balance < 0:
        return (
            f"You have a credit on account of {money(-balance)}. Nothing is due. Call us to "
            "have it refunded, or we will apply it to your next visit."
        )
    if balance == 0:
        return "Your account is paid in full. Thank you."
    if aging[2] > 0 or aging[3] > 0:
        return (
            "Part of this balance is more than 60 days past due. Please pay it now, or call us "
            "today to set up a payment plan."
        )
    if aging[1] > 0:
        return "Part of this balance is past due (over 30 days). Please pay it by the due date."
    return "Thank you. Please pay the amount due by the due date."


def _amount_words(balance: Decimal) -> str:
    if balance < 0:
        return f"Credit on account {money(-balance)}"
    return money(balance)


def statement_story(doc: StatementDocument) -> list[Flowable]:
    """The statement's flowables: heading facts, summary, lines, aging, message, remit stub."""
    period = f"{us_date(doc.period_start)} to {us_date(doc.statement_date)}"
    story: list[Flowable] = [
        text("Statement", "title"),
        text(f"Statement no. {doc.number}  |  Activity from {period}", "muted"),
        Spacer(1, 6),
        field_grid(
            [
                [
                    ("Statement for", "\n".join((doc.client_name, *doc.client_lines))),
                    ("Account number", doc.account),
                    ("Statement date", us_date(doc.statement_date)),
                ],
                [
                    ("", ""),
                    ("Amount due", money(doc.amount_due)),
                    ("Please pay by", us_date(doc.due_on) if doc.amount_due else "Nothing due"),
                ],
            ],
            [CONTENT_WIDTH * 0.44, CONTENT_WIDTH * 0.28, CONTENT_WIDTH * 0.28],
        ),
        heading("Account summary"),
        data_table(
            ["", "Amount"],
            [
                [
                    # The balance the day before this statement's activity, which a first
                    # statement has too (no "last statement" to name).
                    f"Balance brought forward from "
                    f"{us_date(doc.period_start - dt.timedelta(days=1))}",
                    _amount_words(doc.brought_forward),
                ],
                ["New charges and your share after insurance", money(doc.new_charges)],
                ["Payments and credits", money(doc.credits)],
            ],
            [CONTENT_WIDTH - 1.8 * inch, 1.8 * inch],
            right_columns=(1,),
            footer=[["Balance", _amount_words(doc.balance)]],
        ),
        heading("Since your last statement"),
        _lines_table(doc),
    ]
    if doc.amount_due:
        # What is owed, by age; with nothing owed (a credit) nothing ages.
        story += [
            heading("Aging of what you owe"),
            data_table(
                list(BUCKETS),
                [[money(amount) for amount in doc.aging]],
                [CONTENT_WIDTH / 4] * 4,
            ),
        ]
    story += [Spacer(1, 6), text(doc.message, "statement")]
    if doc.how_to_pay:
        story.append(text(doc.how_to_pay, "small"))
    story.append(KeepTogether(_remit_stub(doc)))
    return story


def _signed(amount: Decimal) -> str:
    if not amount:
        return ""
    return money(amount) if amount > 0 else f"-{money(-amount)}"


def _lines_table(doc: StatementDocument) -> Flowable:
    rows = [
        [
            us_date(line.day),
            line.description,
            money(line.charge) if line.charge else "",
            money(line.insurance_paid) if line.insurance_paid else "",
            money(line.adjusted) if line.adjusted else "",
            _signed(line.amount),
        ]
        for line in doc.lines
    ]
    if not rows:
        rows = [["", "No activity since the last statement.", "", "", "", ""]]
    widths = [0.8, 3.05, 0.8, 0.85, 0.85, 0.95]
    return data_table(
        ["Date", "Service or payment", "Charge", "Insurance paid", "Adjustment", "You"],
        rows,
        [w * inch for w in widths],
        right_columns=(2, 3, 4, 5),
    )


def _remit_stub(doc: StatementDocument) -> list[Flowable]:
    """The tear-off part: where to send the payment, the account, the amount due and a box for
    the amount enclosed."""
    remit = "\n".join((doc.practice_name, *doc.practice_lines))
    mail_from = "\n".join((doc.client_name, *doc.client_lines))
    cut = Table(
        [[text("Please detach and return this part with your payment.", "muted")]],
        colWidths=[CONTENT_WIDTH],
    )
    cut.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK, None, (3, 3)),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    enclosed = Table(
        [[text("Amount enclosed", "label")], [text("$", "body")]],
        colWidths=[1.8 * inch],
        rowHeights=[12, 24],
    )
    enclosed.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.3, RULE),
                ("VALIGN", (0, 1), (-1, 1), "MIDDLE"),
            ]
        )
    )
    facts = field_grid(
        [
            [("Account number", doc.account), ("Statement date", us_date(doc.statement_date))],
            [("Amount due", money(doc.amount_due)), ("Statement no.", doc.number)],
        ],
        [1.3 * inch, 1.3 * inch],
    )
    stub = Table(
        [
            [text("REMIT TO", "label"), text("FROM", "label"), facts],
            [text(remit, "cell"), text(mail_from, "cell"), ""],
            ["", "", enclosed],
        ],
        colWidths=[2.3 * inch, 2.0 * inch, CONTENT_WIDTH - 4.3 * inch],
        hAlign="LEFT",
    )
    stub.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("SPAN", (2, 0), (2, 1)),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [Spacer(1, 8), cut, stub]


def render_statement(doc: StatementDocument) -> bytes:
    """The statement PDF."""
    return build_pdf(
        statement_story(doc),
        title=f"Statement {doc.number}",
        letterhead=Letterhead(doc.practice_name, doc.practice_lines),
        footer=f"Statement {doc.number} - account {doc.account} - {us_date(doc.statement_date)}",
    )


# --- keeping a statement exactly ---------------------------------------------------------------


def to_json(doc: StatementDocument) -> dict[str, Any]:
    """Every printed fact as JSON values (amounts and dates as strings)."""
    return {
        "practice_name": doc.practice_name,
        "practice_lines": list(doc.practice_lines),
        "client_name": doc.client_name,
        "client_lines": list(doc.client_lines),
        "account": doc.account,
        "number": doc.number,
        "statement_date": doc.statement_date.isoformat(),
        "period_start": doc.period_start.isoformat(),
        "due_on": doc.due_on.isoformat(),
        "brought_forward": str(doc.brought_forward),
        "lines": [
            {
                "day": line.day.isoformat(),
                "description": line.description,
                "amount": str(line.amount),
                "charge": str(line.charge),
                "insurance_paid": str(line.insurance_paid),
                "adjusted": str(line.adjusted),
            }
            for line in doc.lines
        ],
        "aging": [str(amount) for amount in doc.aging],
        "how_to_pay": doc.how_to_pay,
    }


def from_json(data: Mapping[str, Any]) -> StatementDocument:
    """The document ``to_json`` kept."""
    day = dt.date.fromisoformat
    aging = tuple(Decimal(a) for a in data["aging"])
    return StatementDocument(
        practice_name=data["practice_name"],
        practice_lines=tuple(data["practice_lines"]),
        client_name=data["client_name"],
        client_lines=tuple(data["client_lines"]),
        account=data["account"],
        number=data["number"],
        statement_date=day(data["statement_date"]),
        period_start=day(data["period_start"]),
        due_on=day(data["due_on"]),
        brought_forward=Decimal(data["brought_forward"]),
        lines=tuple(
            StatementLine(
                day(line["day"]),
                line["description"],
                Decimal(line["amount"]),
                Decimal(line["charge"]),
                Decimal(line["insurance_paid"]),
                Decimal(line["adjusted"]),
            )
            for line in data["lines"]
        ),
        aging=(aging[0], aging[1], aging[2], aging[3]),
        how_to_pay=data.get("how_to_pay", ""),
    )
