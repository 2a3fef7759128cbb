"""The CPT/HCPCS procedures massage and physical-medicine practices bill.

The catalog is data (``data/procedures.json``) with its source and effective date. Descriptions
are Knead's own: AMA CPT descriptors are copyrighted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knead.billing.errors import InvalidCode


@dataclass(frozen=True, slots=True)
class Procedure:
    """One catalog entry. Timed codes are billed in 15-minute units; untimed, once a day."""

    code: str
    timed: bool
    group: str
    short: str


@dataclass(frozen=True, slots=True)
class Catalog:
    source: str
    effective: str
    procedures: dict[str, Procedure]

    def get(self, code: str) -> Procedure:
        try:
            return self.procedures[code]
        except KeyError:
            known = ", ".join(sorted(self.procedures))
            raise InvalidCode(
                f"{code!r} is not a procedure code Knead knows. Use one of: {known}."
            ) from None

    def __contains__(self, code: object) -> bool:
        return code in self.procedures


@cache
def catalog() -> Catalog:
    """Load the shipped procedure catalog once."""
    text = resources.files("knead.billing.codes").joinpath("data/procedures.json").read_text()
    raw = json.loads(text)
    procedures = {
        row["code"]: Procedure(row["code"], row["timed"], row["group"], row["short"])
        for row in raw["codes"]
    }
    return Catalog(raw["source"], raw["effective"], procedures)
