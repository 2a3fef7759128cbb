"""The front desk's forms: a payment (at checkout or on the ledger page), a refund, a statement
date. They read what was typed; the ledger services decide what is allowed and say why not, and
the views put those refusals next to the field they are about."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from knead.ledger.models import PaymentKind, PaymentMethod

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_DATE_ERRORS = {"invalid": "Enter the date as month/day/year, e.g. 03/02/2026."}


class MoneyField(forms.Field):
    """Dollars and cents as typed at a desk: "165", "165.00", "$1,650.50"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "20"})

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        if not _AMOUNT.match(text):
            raise forms.ValidationError(
                f"“{text}” is not an amount: enter dollars and cents, e.g. 165.00."
            )
        try:
            return Decimal(text.replace("$", "").replace(",", "").strip()).quantize(Decimal("0.01"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise forms.ValidationError("Enter dollars and cents, e.g. 165.00.") from None


class PaymentForm(forms.Form):
    """Money taken from the client. With no visit ticked it pays the oldest open visits first."""

    amount = MoneyField(
        label="Amount ($)", error_messages={"required": "Enter the amount received, e.g. 165.00."}
    )
    method = forms.ChoiceField(
        label="Paid by", choices=PaymentMethod.choices, initial=PaymentMethod.CARD
    )
    reference = forms.CharField(
        label="Card's last 4 digits or check number",
        max_length=40,
        required=False,
        help_text="Never the whole card number: the terminal keeps that.",
    )
    received_on = forms.DateField(label="Received on", widget=_DATE, error_messages=_DATE_ERRORS)
    kind = forms.ChoiceField(
        label="What it is",
        choices=[
            (PaymentKind.PAYMENT, "A payment for visits"),
            (PaymentKind.PREPAYMENT, "A prepayment (credit for visits to come)"),
            (PaymentKind.PACKAGE, "A package credit"),
        ],
        initial=PaymentKind.PAYMENT,
    )
    visits = forms.MultipleChoiceField(
        label="Apply to",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none to pay the oldest open visits first.",
    )

    def __init__(
        self, *args: Any, open_visits: list[tuple[int, dt.date, Decimal]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visits"].choices = [
            (str(pk), f"Visit of {day:%m/%d/%Y}: ${owed:,.2f} open")
            for pk, day, owed in open_visits
        ]

    def picked_visits(self) -> list[int] | None:
        """The visits ticked, or None: oldest first."""
        picked = [int(pk) for pk in self.cleaned_data.get("visits") or []]
        return picked or None


class RefundForm(forms.Form):
    """Money given back from the client's credit on account, with the reason."""

    amount = MoneyField(
        label="Amount ($)", error_messages={"required": "Enter the amount refunded, e.g. 35.00."}
    )
    reason = forms.CharField(
        label="Why",
        max_length=200,
        error_messages={"required": "Say why the money is refunded."},
        help_text="e.g. Overpaid after the insurer paid; moved away.",
    )
    method = forms.ChoiceField(
        label="Refunded by", choices=PaymentMethod.choices, initial=PaymentMethod.CARD
    )
    refunded_on = forms.DateField(label="Refunded on", widget=_DATE, error_messages=_DATE_ERRORS)


class StatementDateForm(forms.Form):
    """The date of a statement (or of a run for every client with a balance)."""

    period_end = forms.DateField(label="Statement date", widget=_DATE, error_messages=_DATE_ERRORS)
