"""CARC and RARC descriptions, with the typical fix for the codes that matter in therapy billing.

Data: data/carc.json and data/rarc.json, each naming its source and effective date
(billing-rules.md §8.2). The RARC texts are marked unverified in their file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class CodeText:
    """A reason or remark code, its description and, for CARCs, the typical fix for a group."""

    code: str
    description: str
    fix: str | None
    verified: bool


@cache
def _table(name: str) -> dict[str, object]:
    table: dict[str, object] = json.loads((_DATA / name).read_text())
    return table


def table_source(name: str) -> tuple[str, str | None]:
    """(source, effective date) of ``carc.json`` or ``rarc.json``."""
    table = _table(name)
    return str(table["source"]), table["effective"]  # type: ignore[return-value]


def carc(group: str, reason: str) -> CodeText | None:
    """Describe CAS reason ``reason`` under group ``group`` (CO, PR, OA, PI); None if unlisted."""
    entry = _table("carc.json")["codes"].get(reason)  # type: ignore[attr-defined]
    if entry is None:
        return None
    fixes: dict[str, str] = entry["fix"]
    return CodeText(reason, entry["description"], fixes.get(group) or fixes.get("*"), True)


def rarc(code: str) -> CodeText | None:
    """Describe a remark code (LQ*HE, MOA, MIA); None if unlisted."""
    table = _table("rarc.json")
    entry = table["codes"].get(code)  # type: ignore[attr-defined]
    if entry is None:
        return None
    return CodeText(code, entry["description"], None, bool(table.get("verified", False)))
