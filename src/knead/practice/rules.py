"""The billing rules a practice's claims are scrubbed against: the shipped (or imported) tables,
plus what the practice set on each payer record (unit rule, GP, timely filing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache
from typing import Any

from knead.billing.payer_rules import PayerRuleBook, PayerRuleEntry
from knead.billing.rules import Rules, load_rules
from knead.billing.units import UnitRule
from knead.practice.models import Payer


@cache
def base_rules() -> Rules:
    """The rule tables, loaded once per process (``knead rules import-*`` needs a restart)."""
    return load_rules()


def practice_payer_entry(payer: Payer) -> PayerRuleEntry:
    return PayerRuleEntry(
        match=f"practice:{payer.payer_id}",
        effective=dt.date.min,
        expires=None,
        rules=(
            ("unit_rule", UnitRule(payer.unit_rule)),
            ("gp_required", payer.gp_required),
            ("timely_filing_days", payer.timely_filing_days),
            # Only when set: a Medicare payer made outside the form keeps the shipped 12 months.
            *(
                [("timely_filing_months", payer.timely_filing_months)]
                if payer.timely_filing_months
                else []
            ),
        ),
        source=f"the practice's settings for {payer.name}",
    )


def rules_for_practice(practice: Any) -> Rules:
    """Shipped rules with the practice's own payer settings layered on top."""
    base = base_rules()
    entries = tuple(practice_payer_entry(payer) for payer in Payer.objects.for_practice(practice))
    return replace(base, payers=PayerRuleBook(base.payers.entries + entries))
