"""The small code lists a claim uses: place of service, modifiers, NUCC taxonomy, SBR09 indicators.

Each list is a data file under ``data/`` naming its source and effective date. The types below
accept only codes on their list, so a claim cannot carry a made-up place of service or modifier.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knead.billing.errors import InvalidCode


@dataclass(frozen=True, slots=True)
class CodeList:
    """A loaded code list: its source, effective date and ``code → row`` entries."""

    name: str
    source: str
    effective: str
    rows: dict[str, dict[str, str]]

    def __contains__(self, code: object) -> bool:
        return code in self.rows

    def name_of(self, code: str) -> str:
        return self.rows[code]["name"]


@cache
def code_list(name: str) -> CodeList:
    """Load ``data/<name>.json`` once (place_of_service, modifiers, taxonomy, filing_indicators)."""
    text = resources.files("knead.billing.codes").joinpath(f"data/{name}.json").read_text()
    raw = json.loads(text)
    return CodeList(name, raw["source"], raw["effective"], {r["code"]: r for r in raw["codes"]})


def _check(list_name: str, what: str, value: str) -> str:
    codes = code_list(list_name)
    if value not in codes:
        known = ", ".join(sorted(codes.rows))
        raise InvalidCode(f"{value!r} is not a {what} Knead knows. Use one of: {known}.")
    return value


@dataclass(frozen=True, slots=True)
class PlaceOfService:
    """A 2-digit CMS place-of-service code (11 office, 12 home, 02/10 telehealth …)."""

    code: str

    def __post_init__(self) -> None:
        _check("place_of_service", "place-of-service code", self.code)

    @property
    def name(self) -> str:
        return code_list("place_of_service").name_of(self.code)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Modifier:
    """A procedure modifier from Knead's list (GP, 59, XS, KX, 76 …)."""

    code: str

    def __post_init__(self) -> None:
        _check("modifiers", "modifier", self.code)

    @property
    def kind(self) -> str:
        """discipline, distinct, x_distinct, threshold, assistant, repeat, anatomic or other."""
        return code_list("modifiers").rows[self.code]["kind"]

    def __str__(self) -> str:
        return self.code


_TAXONOMY_SHAPE = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")


@dataclass(frozen=True, slots=True)
class TaxonomyCode:
    """A NUCC provider taxonomy code, 10 characters ending in X (225700000X = massage therapist).

    Any well-shaped code is accepted, since the shipped list is a subset of NUCC's;
    ``known`` says whether it is on that list.
    """

    code: str

    def __post_init__(self) -> None:
        if not _TAXONOMY_SHAPE.fullmatch(self.code):
            raise InvalidCode(
                f"{self.code!r} is not shaped like a NUCC taxonomy code "
                "(3 digits, 6 letters or digits, then X, like 225700000X)."
            )

    @property
    def known(self) -> bool:
        return self.code in code_list("taxonomy")

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class ClaimFilingIndicator:
    """The 837P SBR09 claim filing indicator (CI commercial, AM auto, WC workers' comp …)."""

    code: str

    def __post_init__(self) -> None:
        _check("filing_indicators", "claim filing indicator (837P SBR09)", self.code)

    @property
    def name(self) -> str:
        return code_list("filing_indicators").name_of(self.code)

    def __str__(self) -> str:
        return self.code
