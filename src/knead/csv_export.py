"""Every CSV Knead hands out (report downloads, ``knead report``) is written here, so that a
spreadsheet opening it never runs a formula hidden in the data.

A text cell (a client's name, a note, a payer) that starts with ``=``, ``+``, ``-`` or ``@``,
or with a tab or carriage return (OWASP's list for CSV injection), is written with a leading
``'``: the spreadsheet shows it as text. Numbers (``int``, ``Decimal``) are written as plain
numbers, negative amounts included (``-12.50`` stays ``-12.50``). Dates are written as
YYYY-MM-DD and ``None`` as an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: object) -> object:
    """One cell as the CSV writer should see it: numbers untouched, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, Decimal)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The CSV file: a header row, then one row per item, lines ending in CRLF (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def csv_response(text: str, filename: str) -> HttpResponse:
    """A download of ``text`` (from ``csv_text``) as ``filename``, never cached."""
    response = HttpResponse(text.encode("utf-8"), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
