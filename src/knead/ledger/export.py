"""``knead ledger export``: one CSV row per entry, signed so that the rows of one
responsibility sum to what it owes."""

from __future__ import annotations

from typing import Any

from knead.csv_export import csv_text
from knead.ledger.models import Entry

COLUMNS = (
    "date",
    "client_id",
    "visit_id",
    "claim_id",
    "claim_line",
    "responsibility",
    "kind",
    "amount",
    "source",
)


def _line(entry: Entry) -> str:
    line = entry.claim_line or entry.service_line
    if line is None:
        return ""
    mods = ":".join(line.modifiers)
    day = entry.claim_line.service_date if entry.claim_line else entry.visit.date  # type: ignore[union-attr]
    return f"{line.code}{':' + mods if mods else ''} {day.isoformat()}"


def export_rows(practice: Any) -> list[list[object]]:
    """The practice's entries in the order they were made, as CSV rows (COLUMNS); the amount
    is a Decimal, so the CSV writes it as a number."""
    entries = (
        Entry.objects.filter(practice=practice)
        .select_related("claim", "claim_line", "service_line", "visit", "payer")
        .order_by("id")
    )
    return [
        [
            e.posted_on.isoformat(),
            str(e.client_id or ""),
            str(e.visit_id or ""),
            e.claim.claim_id if e.claim_id else "",  # type: ignore[union-attr]
            _line(e),
            e.responsibility,
            e.kind,
            e.amount,
            e.source,
        ]
        for e in entries.iterator(chunk_size=5000)
    ]


def export_csv(practice: Any) -> str:
    """The export as CSV, through the formula-safe writer every Knead CSV uses."""
    return csv_text(COLUMNS, export_rows(practice))
