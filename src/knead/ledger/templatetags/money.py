"""Money as the front desk reads it: ``{{ amount|balance }}`` says "$40.00 owed", "credit on
account $165.00" or "nothing owed" (a credit is never a negative amount owed)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from knead.ledger.accounts import balance_words

register = template.Library()


@register.filter
def balance(amount: Decimal) -> str:
    return balance_words(amount)


@register.filter
def dollars(amount: Decimal) -> str:
    """$1,234.50; a negative amount as −$1,234.50 (for entries, never for a balance)."""
    if amount < 0:
        return f"−${-amount:,.2f}"
    return f"${amount:,.2f}"
