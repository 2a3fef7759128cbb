"""ICD-10-CM diagnosis codes, checked against the April 2026 code set shipped by simple-icd-10-cm.

Only billable (leaf) codes are accepted. Headers such as M54.5 are rejected, and injury
codes that need a 7th character (S16.1 → S16.1XXA) say so. Rules: billing-rules.md §10.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import ModuleType

from knead.billing.errors import InvalidCode

CODE_SET = "ICD-10-CM April 1, 2026 (CMS/NCHS, via simple-icd-10-cm)"

_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?")


@cache
def _library() -> ModuleType:
    # Imported on first use: parsing the code set takes over a second, and most
    # commands (units, X12 reading) never need it.
    import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


def normalize(value: str) -> str:
    """Upper-case, trim and remove the decimal point: ``m54.50`` → ``M5450``."""
    return (value or "").strip().upper().replace(".", "")


def with_dot(wire: str) -> str:
    """Put the decimal point back after the category: ``M5450`` → ``M54.50``."""
    return wire if len(wire) <= 3 else f"{wire[:3]}.{wire[3:]}"


class IcdIssue(StrEnum):
    """Why a code cannot go on a claim."""

    INVALID = "invalid"  # not shaped like a code, or not in the code set
    NOT_BILLABLE = "not_billable"  # a heading with more specific codes below it
    SEVENTH_CHARACTER = "seventh_character"  # needs a 7th character (S16.1 → S16.1XXA)


@cache
def icd10_issue(value: str) -> tuple[IcdIssue, str] | None:
    """Classify what is wrong with a diagnosis code and say it in plain words, or return None."""
    wire = normalize(value)
    if not _SHAPE.fullmatch(wire):
        return IcdIssue.INVALID, (
            f"{value!r} is not shaped like an ICD-10-CM code "
            "(a letter, two characters, then up to four more)."
        )
    lib = _library()
    if not lib.is_valid_item(wire):
        return IcdIssue.INVALID, f"{with_dot(wire)} is not in the ICD-10-CM code set (April 2026)."
    if lib.is_leaf(wire):
        return None
    seventh = lib.get_seven_chr_def(wire, search_in_ancestors=True)
    padded = wire.ljust(6, "X") + "A"
    if seventh and lib.is_valid_item(padded):
        meanings = ", ".join(f"{k} = {v}" for k, v in seventh.items())
        return IcdIssue.SEVENTH_CHARACTER, (
            f"{with_dot(wire)} needs a 7th character ({meanings}); "
            f"pad with X, for example {with_dot(padded)}."
        )
    children = ", ".join(with_dot(lib.remove_dot(c)) for c in lib.get_children(wire)[:4])
    return IcdIssue.NOT_BILLABLE, (
        f"{with_dot(wire)} is a heading, not a billable code. "
        f"Pick a more specific code such as {children}."
    )


def icd10_problem(value: str) -> str | None:
    """Say in plain words why a diagnosis code cannot go on a claim, or return None."""
    issue = icd10_issue(value)
    return issue[1] if issue else None


@cache
def describe(value: str) -> str:
    """Return the code set's description of a valid code."""
    return str(_library().get_description(normalize(value)))


@dataclass(frozen=True, slots=True)
class IcdCode:
    """A billable ICD-10-CM code, stored in wire form (no decimal point)."""

    wire: str

    def __post_init__(self) -> None:
        problem = icd10_problem(self.wire)
        if problem:
            raise InvalidCode(problem)
        if self.wire != normalize(self.wire):
            object.__setattr__(self, "wire", normalize(self.wire))

    @classmethod
    def parse(cls, value: str) -> IcdCode:
        return cls(normalize(value))

    @property
    def dotted(self) -> str:
        return with_dot(self.wire)

    @property
    def description(self) -> str:
        return describe(self.wire)

    @property
    def is_injury(self) -> bool:
        """Chapter 19 codes (S and T) describe injuries and call for accident details."""
        return self.wire[0] in "ST"

    def __str__(self) -> str:
        return self.dotted
