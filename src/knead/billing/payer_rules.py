"""Payer rules as data with effective dates: a rule change next year is a data change.

Rules come in layers, each picked by date: ``default``, then ``kind:<payer kind>`` (medicare,
auto …), then ``payer:<payer ID>``, then ``practice:<payer ID>`` (what a practice set on its own
payer record, which it knows best from its contract). Within a layer the entry with the latest effective date on
or before the date of service (and not expired) applies; later layers override only the rules
they name. Shipped entries: ``data/payer_rules.json``; a practice's own contracts go in
``payer_rules.json`` in the rules data directory, which replaces the shipped file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from knead.billing.claim import PayerKind
from knead.billing.errors import InvalidCode
from knead.billing.units import UnitRule


class ComboPolicy(StrEnum):
    """How to treat a code pair that is not an NCCI edit but that payers often refuse."""

    ALLOWED = "allowed"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PayerRules:
    """The rules one payer applies on one date of service."""

    unit_rule: UnitRule = UnitRule.CMS
    gp_required: bool = False
    massage_with_manual_therapy: ComboPolicy = ComboPolicy.WARNING  # 97124 + 97140 same day
    max_units_per_day: int | None = None  # all timed and untimed units together
    referral_required: bool = False
    authorization_required: bool = False
    authorization_after_visits: int | None = None  # needed once this many visits are used
    visits_per_year: int | None = None
    timely_filing_days: int = 90
    # Some payers count calendar months instead (Medicare: 12 months after the date of
    # service, 42 CFR 424.44); when set, the days are not used.
    timely_filing_months: int | None = None
    credentialing_required: bool = True  # direct billing needs the provider credentialed
    paper_claims: bool = False  # the payer takes paper CMS-1500s only (6 lines a form)
    sources: tuple[str, ...] = ()


_RULE_TYPES: dict[str, Any] = {
    "unit_rule": UnitRule,
    "gp_required": bool,
    "massage_with_manual_therapy": ComboPolicy,
    "max_units_per_day": int,
    "referral_required": bool,
    "authorization_required": bool,
    "authorization_after_visits": int,
    "visits_per_year": int,
    "timely_filing_days": int,
    "timely_filing_months": int,
    "credentialing_required": bool,
    "paper_claims": bool,
}
_NULLABLE = {
    "max_units_per_day",
    "visits_per_year",
    "authorization_after_visits",
    "timely_filing_months",
}


@dataclass(frozen=True, slots=True)
class PayerRuleEntry:
    match: str  # "default", "kind:<PayerKind>", "payer:<payer ID>" or "practice:<payer ID>"
    effective: dt.date
    expires: dt.date | None
    rules: tuple[tuple[str, Any], ...]
    source: str

    def applies(self, on: dt.date) -> bool:
        return self.effective <= on and (self.expires is None or on <= self.expires)


@dataclass(frozen=True)
class PayerRuleBook:
    """All entries; ``rules_for`` merges the layers for one payer and date (memoized)."""

    entries: tuple[PayerRuleEntry, ...]
    _memo: dict[tuple[str | None, str | None, dt.date], PayerRules] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rules_for(self, payer_id: str | None, kind: PayerKind | None, on: dt.date) -> PayerRules:
        key = (payer_id, kind.value if kind else None, on)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._merge(key[0], key[1], on)
        return found

    def _merge(self, payer_id: str | None, kind: str | None, on: dt.date) -> PayerRules:
        values: dict[str, Any] = {}
        sources: list[str] = []
        for match in ("default", f"kind:{kind}", f"payer:{payer_id}", f"practice:{payer_id}"):
            chosen = max(
                (e for e in self.entries if e.match == match and e.applies(on)),
                key=lambda e: e.effective,
                default=None,
            )
            if chosen:
                values.update(chosen.rules)
                sources.append(f"{chosen.match} from {chosen.effective}: {chosen.source}")
        return PayerRules(**values, sources=tuple(sources))


def _rule_value(name: str, value: Any, where: str) -> Any:
    kind = _RULE_TYPES.get(name)
    if kind is None:
        raise InvalidCode(
            f"{where}: {name!r} is not a payer rule; known: {', '.join(_RULE_TYPES)}."
        )
    if value is None and name in _NULLABLE:
        return None
    if kind in (bool, int):
        if type(value) is not kind or (kind is int and value < 0):
            raise InvalidCode(
                f"{where}: must be {'true or false' if kind is bool else 'a whole number ≥ 0'}."
            )
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidCode(f"{where}: must be one of {allowed}; got {value!r}.") from None


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidCode(f"{where}: must be a date YYYY-MM-DD; got {value!r}.") from None


def parse_payer_rules(data: Mapping[str, Any], name: str = "payer_rules.json") -> PayerRuleBook:
    """Build the rule book from parsed JSON; InvalidCode names the entry and rule at fault."""
    entries = []
    for i, raw in enumerate(data.get("entries", [])):
        where = f"{name} entries[{i}]"
        match = raw.get("match", "")
        if not (match == "default" or match.startswith(("kind:", "payer:"))):
            raise InvalidCode(f"{where}.match: use default, kind:<kind> or payer:<payer ID>.")
        if match.startswith("kind:") and match[5:] not in {k.value for k in PayerKind}:
            raise InvalidCode(f"{where}.match: {match[5:]!r} is not a payer kind.")
        rules = tuple(
            (key, _rule_value(key, value, f"{where}.rules.{key}"))
            for key, value in raw.get("rules", {}).items()
        )
        expires = raw.get("expires")
        entries.append(
            PayerRuleEntry(
                match,
                _date(raw.get("effective"), f"{where}.effective"),
                _date(expires, f"{where}.expires") if expires else None,
                rules,
                raw.get("source", ""),
            )
        )
    return PayerRuleBook(tuple(entries))


def load_payer_rules(text: str, name: str = "payer_rules.json") -> PayerRuleBook:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidCode(f"{name}: not valid JSON ({error.msg}, line {error.lineno}).") from None
    return parse_payer_rules(data, name)
