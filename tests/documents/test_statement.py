"""The client statement document: summary, lines, aging, a message that escalates with age
(practice-rules.md §8.1), the remit stub, and a JSON round trip that reprints exactly."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from knead.billing.documents.statement import (
    StatementDocument,
    StatementLine,
    dunning_message,
    from_json,
    render_statement,
    to_json,
)

D = Decimal
ZERO = D("0.00")


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def document(**changes) -> StatementDocument:
    facts = dict(
        practice_name="Fernwood Bodywork PLLC",
        practice_lines=("410 Fern St", "Olympia, WA 98501", "360-555-0101"),
        client_name="Robin K. Testperson",
        client_lines=("77 Alder Way", "Lacey, WA 98503"),
        account="000042",
        number="S0000007",
        statement_date=dt.date(2026, 10, 31),
        period_start=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 11, 30),
        brought_forward=D("40.00"),
        lines=(
            StatementLine(
                dt.date(2026, 10, 6),
                "Massage therapy (97124) × 4",
                D("24.00"),
                D("120.00"),
                D("80.00"),
                D("16.00"),
            ),
            StatementLine(dt.date(2026, 10, 20), "Payment R0000003 by card ····4242", D("-30.00")),
        ),
        aging=(D("24.00"), D("10.00"), ZERO, ZERO),
    )
    facts.update(changes)
    return StatementDocument(**facts)


def test_the_statement_adds_what_changed_to_the_balance_brought_forward():
    doc = document()
    # 40.00 brought forward + 24.00 share - 30.00 paid = 34.00.
    assert (doc.new_charges, doc.credits, doc.balance, doc.amount_due) == (
        D("24.00"), D("30.00"), D("34.00"), D("34.00"))  # fmt: skip
    text = text_of(render_statement(doc))
    for fact in (
        "Statement no. S0000007 | Activity from 10/01/2026 to 10/31/2026",
        "Balance brought forward from 09/30/2026 $40.00",
        "New charges and your share after insurance $24.00",
        "Payments and credits $30.00",
        "Balance $34.00",
        # The share left by the payer, with how it got there: charge, paid, adjusted.
        "10/06/2026 Massage therapy (97124) × 4 $120.00 $80.00 $16.00 $24.00",
        "10/20/2026 Payment R0000003 by card ····4242 -$30.00",
        "CURRENT 31–60 DAYS 61–90 DAYS OVER 90 DAYS $24.00 $10.00 $0.00 $0.00",
        "Part of this balance is past due (over 30 days).",
        "Please detach and return this part with your payment.",
        "REMIT TO FROM ACCOUNT NUMBER 000042 STATEMENT DATE 10/31/2026",
        "AMOUNT DUE $34.00 STATEMENT NO. S0000007",
        "Fernwood Bodywork PLLC 410 Fern St Olympia, WA 98501 360-555-0101",
        "Robin K. Testperson 77 Alder Way Lacey, WA 98503",
        "Amount enclosed $",
    ):
        assert fact in text, fact


@pytest.mark.parametrize(
    ("balance", "aging", "words"),
    [
        (D("50.00"), (D("50.00"), ZERO, ZERO, ZERO), "Thank you. Please pay the amount due"),
        (D("50.00"), (D("20.00"), D("30.00"), ZERO, ZERO), "past due (over 30 days)"),
        (D("50.00"), (ZERO, ZERO, D("50.00"), ZERO), "more than 60 days past due"),
        (D("50.00"), (ZERO, ZERO, ZERO, D("50.00")), "more than 60 days past due"),
        (ZERO, (ZERO, ZERO, ZERO, ZERO), "paid in full"),
        (D("-35.00"), (D("-35.00"), ZERO, ZERO, ZERO), "credit on account of $35.00"),
    ],
)
def test_the_message_escalates_past_30_and_past_60_days(balance, aging, words):
    assert words in dunning_message(balance, aging)


def test_a_credit_is_credit_on_account_with_nothing_due_and_no_aging():
    doc = document(brought_forward=D("-65.00"))  # -65.00 + 24.00 - 30.00 = -71.00
    text = text_of(render_statement(doc))
    assert "Balance Credit on account $71.00" in text
    assert "AMOUNT DUE $0.00" in text and "Nothing due" in text
    assert "Aging of what you owe" not in text
    assert "$-71" not in text and "-$71" not in text


def test_a_kept_statement_prints_again_exactly_from_its_json():
    doc = document()
    again = from_json(to_json(doc))
    assert again == doc
    assert text_of(render_statement(again)) == text_of(render_statement(doc))
