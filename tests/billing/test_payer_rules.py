"""Payer rules are data with effective dates; layers merge default → kind → payer."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from knead.billing.claim import PayerKind
from knead.billing.errors import InvalidCode
from knead.billing.payer_rules import ComboPolicy, load_payer_rules
from knead.billing.rules import load_rules
from knead.billing.units import UnitRule

BOOK = {
    "entries": [
        {"match": "default", "effective": "2000-01-01", "rules": {"timely_filing_days": 90}},
        {"match": "kind:medicare", "effective": "2000-01-01", "rules": {"gp_required": True}},
        {"match": "payer:ACME", "effective": "2026-01-01", "expires": "2026-12-31",
         "rules": {"unit_rule": "ama", "visits_per_year": 20}},
        {"match": "payer:ACME", "effective": "2027-01-01",
         "rules": {"unit_rule": "cms", "visits_per_year": 12,
                   "massage_with_manual_therapy": "error"}},
    ]
}  # fmt: skip


def book():
    return load_payer_rules(json.dumps(BOOK))


def test_next_years_contract_is_a_data_change():
    rules_2026 = book().rules_for("ACME", PayerKind.COMMERCIAL, dt.date(2026, 6, 1))
    rules_2027 = book().rules_for("ACME", PayerKind.COMMERCIAL, dt.date(2027, 6, 1))
    assert (rules_2026.unit_rule, rules_2026.visits_per_year) == (UnitRule.AMA, 20)
    assert (rules_2027.unit_rule, rules_2027.visits_per_year) == (UnitRule.CMS, 12)
    assert rules_2027.massage_with_manual_therapy is ComboPolicy.ERROR


def test_before_a_payer_entry_takes_effect_the_defaults_apply():
    rules = book().rules_for("ACME", PayerKind.COMMERCIAL, dt.date(2025, 12, 31))
    assert rules.unit_rule is UnitRule.CMS  # dataclass default
    assert rules.visits_per_year is None
    assert rules.timely_filing_days == 90


def test_kind_layer_applies_to_every_payer_of_that_kind():
    rules = book().rules_for("OTHER", PayerKind.MEDICARE, dt.date(2026, 1, 1))
    assert rules.gp_required is True
    assert book().rules_for("OTHER", PayerKind.COMMERCIAL, dt.date(2026, 1, 1)).gp_required is False


def test_each_result_says_which_entries_it_came_from():
    sources = book().rules_for("ACME", PayerKind.MEDICARE, dt.date(2026, 6, 1)).sources
    assert [s.split(" from ")[0] for s in sources] == ["default", "kind:medicare", "payer:ACME"]


def test_shipped_defaults_follow_the_rule_book():
    payers = load_rules().payers
    default = payers.rules_for("ANY", PayerKind.COMMERCIAL, dt.date(2026, 1, 1))
    # §1.3: 97124 + 97140 is a soft warning by default.
    assert default.massage_with_manual_therapy is ComboPolicy.WARNING
    medicare = payers.rules_for("MCR", PayerKind.MEDICARE, dt.date(2026, 1, 1))
    # §4.1 GP on therapy codes; §11.1 12 months (calendar months, not 365 days).
    assert (medicare.gp_required, medicare.timely_filing_months, medicare.unit_rule) == (
        True,
        12,
        UnitRule.CMS,
    )
    # §1.3: Regence WA 4 units a day.
    regence = payers.rules_for("REGWA", PayerKind.COMMERCIAL, dt.date(2026, 1, 1))
    assert regence.max_units_per_day == 4


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"match": "default", "effective": "2026-01-01", "rules": {"gp": True}},
         r"entries\[0\]\.rules\.gp: 'gp' is not a payer rule"),
        ({"match": "default", "effective": "2026-01-01", "rules": {"gp_required": "yes"}},
         r"entries\[0\]\.rules\.gp_required: must be true or false"),
        ({"match": "default", "effective": "2026-01-01", "rules": {"unit_rule": "rounded"}},
         r"unit_rule: must be one of cms, ama"),
        ({"match": "everyone", "effective": "2026-01-01", "rules": {}}, r"entries\[0\]\.match"),
        ({"match": "kind:dental", "effective": "2026-01-01", "rules": {}}, "not a payer kind"),
        ({"match": "default", "effective": "Jan 2026", "rules": {}}, r"entries\[0\]\.effective"),
    ],
)  # fmt: skip
def test_bad_payer_rules_name_the_entry(entry, message):
    with pytest.raises(InvalidCode, match=message):
        load_payer_rules(json.dumps({"entries": [entry]}))
