"""``knead ledger check [--practice NAME]`` and ``knead ledger export --practice NAME``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from knead.commands import django_setup


def _practices(name: str | None) -> list[Any]:
    from knead.practice.models import Practice

    qs = Practice.objects.order_by("id")
    if name:
        qs = qs.filter(pk=int(name)) if name.isdigit() else qs.filter(name=name)
    return list(qs)


def _check(args: argparse.Namespace) -> int:
    django_setup()
    from knead.ledger.checks import check_practice

    practices = _practices(args.practice)
    if not practices:
        print(f"knead ledger check: no practice named {args.practice!r}.", file=sys.stderr)
        return 2
    failed = 0
    for practice in practices:
        report = check_practice(practice)
        print(
            f"{report.practice}: {report.entries} entries, {report.clients} clients, "
            f"{report.payers} payers, {report.claims} claims: "
            + ("OK" if not report.failures else f"{len(report.failures)} failures")
        )
        for failure in report.failures:
            print(f"  FAIL {failure}")
        failed += len(report.failures)
    return 1 if failed else 0


def _export(args: argparse.Namespace) -> int:
    django_setup()
    from knead.ledger.export import export_csv

    practices = _practices(args.practice)
    if len(practices) != 1:
        print(f"knead ledger export: no practice named {args.practice!r}.", file=sys.stderr)
        return 2
    text = export_csv(practices[0])
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ledger", help="check or export the money ledger")
    sub = parser.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="check every ledger invariant; exit 1 naming failures")
    check.add_argument("--practice", help="practice name or ID (default: every practice)")
    check.set_defaults(handler=_check)
    export = sub.add_parser("export", help="one CSV row per ledger entry")
    export.add_argument("--practice", required=True, help="practice name or ID")
    export.add_argument("-o", "--output", help="write to FILE instead of standard output")
    export.set_defaults(handler=_export)
