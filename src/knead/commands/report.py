"""``knead report NAME --practice PRACTICE [--csv]``: a billing report from the database,
with the same rows as its page under /billing/reports/ (``--csv``: the same bytes as the page's
CSV download)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knead.commands import django_setup

# ``knead report`` names → the report's key in knead.remittance.reports.REPORTS (the URL name).
NAMES = {
    "ar-aging": "aging",
    "denial-rate": "denials",
    "days-to-payment": "days",
    "collections": "collections",
    "write-offs": "write_offs",
    "visits-left": "visits",
}


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """Plain columns for a terminal: text left-aligned, numbers right-aligned."""
    cells = [[str(v) for v in header]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [
        all(r[i] is None or not isinstance(r[i], str) for r in rows) for i in range(len(header))
    ]
    lines = []
    for row in cells:
        lines.append(
            "  ".join(
                cell.rjust(width) if right else cell.ljust(width)
                for cell, width, right in zip(row, widths, numeric, strict=True)
            ).rstrip()
        )
    return "\n".join(lines) + "\n"


def _report(args: argparse.Namespace) -> int:
    django_setup()
    from django.db import DatabaseError

    from knead.practice import clock
    from knead.practice.models import Practice
    from knead.remittance import reports

    name = NAMES[args.name]
    spec = reports.REPORTS[name]
    if spec.filter is not reports.Filter.PERIOD and (args.start or args.end):
        print(f"knead report: {args.name} takes no --from/--to", file=sys.stderr)
        return 2
    if spec.filter is not reports.Filter.AS_OF and args.as_of:
        print(f"knead report: {args.name} takes no --as-of", file=sys.stderr)
        return 2
    lookup = {"pk": int(args.practice)} if args.practice.isdigit() else {"name": args.practice}
    try:
        practice = Practice.objects.filter(**lookup).first()
    except DatabaseError as error:
        print(
            f"knead report: cannot read the database ({error}); run `knead migrate` first?",
            file=sys.stderr,
        )
        return 2
    if practice is None:
        print(f"knead report: no practice named {args.practice!r}", file=sys.stderr)
        return 2
    today = clock.today(practice)
    try:
        query = reports.report_query(start=args.start, end=args.end, as_of=args.as_of, today=today)
    except reports.ReportInputError as error:
        print(f"knead report: {error}", file=sys.stderr)
        return 2
    data = reports.build_report(practice, name, query, today)
    text = reports.report_csv(data) if args.csv else _table(data.header, data.rows)
    if args.output:
        Path(args.output).write_bytes(text.encode("utf-8"))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
    for flag in data.flags:
        print(f"knead report: {flag}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="a billing report (A/R aging, denial rate …) as CSV or a table",
        description="Print a billing report of one practice with the rows its web page shows. "
        "--csv prints exactly the page's CSV download. Period reports (denial-rate, "
        "days-to-payment, collections, write-offs) cover --from/--to, by default the last 12 "
        "months; ar-aging is --as-of a day, by default today. Claims the report cannot count "
        "(e.g. paid before they were sent) are named on standard error.",
    )
    parser.add_argument("name", choices=sorted(NAMES), metavar="NAME", help=", ".join(NAMES))
    parser.add_argument("--practice", required=True, help="the practice's name or id")
    parser.add_argument("--csv", action="store_true", help="CSV, as the web page's download")
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day (YYYY-MM-DD)")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", help="A/R as of (YYYY-MM-DD)")
    parser.add_argument("-o", "--output", help="write to this file instead of standard output")
    parser.set_defaults(handler=_report)
