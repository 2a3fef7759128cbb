"""Provider and tax identifiers: NPI (with its Luhn check digit), EIN and SSN.

Rules and worked examples: billing-rules.md §5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knead.billing.errors import InvalidCode

# Luhn over the 9 base digits plus this constant equals Luhn with the 80840 prefix.
_NPI_PREFIX_CONSTANT = 24

_EIN_PREFIXES_NEVER_VALID = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89"}
    | {"96", "97"}
)


def npi_check_digit(base9: str) -> int:
    """Return the check digit for the 9 base digits of an NPI (CMS NPI check-digit spec)."""
    total = _NPI_PREFIX_CONSTANT
    for position, char in enumerate(reversed(base9)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


@dataclass(frozen=True, slots=True)
class Npi:
    """A National Provider Identifier whose length, first digit and check digit are valid."""

    value: str

    def __post_init__(self) -> None:
        problem = npi_problem(self.value)
        if problem:
            raise InvalidCode(problem)

    def __str__(self) -> str:
        return self.value


def npi_problem(value: str) -> str | None:
    """Say in plain words what is wrong with an NPI, or return None when it is valid."""
    if not re.fullmatch(r"\d{10}", value or ""):
        return f"An NPI is exactly 10 digits; {value!r} is not."
    if value[0] not in "12":
        return (
            f"An NPI starts with 1 (individual) or 2 (organization); "
            f"{value} starts with {value[0]}."
        )
    expected = npi_check_digit(value[:9])
    if int(value[9]) != expected:
        return (
            f"NPI {value} fails its check digit: the last digit should be {expected}. "
            "Check for a typo."
        )
    return None


class TaxIdKind(StrEnum):
    EIN = "EIN"
    SSN = "SSN"


@dataclass(frozen=True, slots=True)
class TaxId:
    """An EIN or SSN, stored as 9 digits without hyphens."""

    kind: TaxIdKind
    digits: str

    def __post_init__(self) -> None:
        problem = tax_id_problem(self.kind, self.digits)
        if problem:
            raise InvalidCode(problem)

    @classmethod
    def parse(cls, kind: TaxIdKind | str, value: str) -> TaxId:
        """Accept ``12-3456789`` or ``123456789`` (EIN) and ``123-45-6789`` (SSN)."""
        return cls(TaxIdKind(kind), re.sub(r"[\s-]", "", value or ""))

    def formatted(self) -> str:
        d = self.digits
        return f"{d[:2]}-{d[2:]}" if self.kind is TaxIdKind.EIN else f"{d[:3]}-{d[3:5]}-{d[5:]}"

    def __str__(self) -> str:
        return self.formatted()


def tax_id_problem(kind: TaxIdKind | str, value: str) -> str | None:
    """Say in plain words what is wrong with an EIN or SSN, or return None when it is valid."""
    digits = re.sub(r"[\s-]", "", value or "")
    kind = TaxIdKind(kind)
    if not re.fullmatch(r"\d{9}", digits):
        example = "12-3456789" if kind is TaxIdKind.EIN else "123-45-6789"
        return f"An {kind} has 9 digits, like {example}; {value!r} does not."
    if kind is TaxIdKind.EIN:
        if digits[:2] in _EIN_PREFIXES_NEVER_VALID:
            return f"No EIN starts with {digits[:2]}; the IRS never assigns that prefix."
        return None
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area >= "900":
        return f"No SSN starts with {area}."
    if group == "00":
        return "The middle two digits of an SSN are never 00."
    if serial == "0000":
        return "The last four digits of an SSN are never 0000."
    return None
