"""``knead superbill CLAIM.json -o FILE.pdf``: a superbill from one claim (or a list of one client's
visits, e.g. a month), scrubbed first.

Exit 0 when the PDF is written; 1 when the superbill scrub finds errors (they are printed, one a
line, and no file is written); 2 for unreadable or malformed input (message names the JSON field
path). Scrub warnings are printed to stderr and do not block.
"""

from __future__ import annotations

import argparse
import sys


def _superbill(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from knead.billing.claim_json import ClaimFormatError, load_claims
    from knead.billing.documents.errors import DocumentError
    from knead.billing.documents.superbill import (
        Superbill,
        SuperbillBlocked,
        issue_superbill,
        superbill_findings,
    )
    from knead.billing.errors import InvalidCode
    from knead.billing.rules import load_rules
    from knead.billing.scrub import Severity
    from knead.practice import clock

    try:
        issued = dt.date.fromisoformat(args.issued) if args.issued else clock.today()
    except ValueError:
        print(
            f"knead superbill: --issued must be a date YYYY-MM-DD, not {args.issued!r}",
            file=sys.stderr,
        )
        return 2
    try:
        claims = load_claims(Path(args.claim))
        rules = load_rules(args.data_dir)
        superbill = Superbill(tuple(claims), issued, args.number)
    except (ClaimFormatError, InvalidCode, DocumentError) as error:
        print(f"knead superbill: {error}", file=sys.stderr)
        return 2
    for item in superbill_findings(superbill, rules):
        if item.finding.severity is Severity.WARNING:
            print(f"warning: {item}", file=sys.stderr)
    try:
        pdf = issue_superbill(superbill, rules)
    except SuperbillBlocked as blocked:
        print("The superbill cannot be issued:")
        for error in blocked.errors:
            print(f"error: {error}")
        return 1
    try:
        Path(args.output).write_bytes(pdf)
    except OSError as error:
        print(f"knead superbill: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "superbill",
        help="build a superbill PDF from a claim JSON file (scrubbed first)",
        description="Build a superbill from one claim, or from a list of one client's visits. "
        "The superbill scrub runs first: errors are printed, the exit status is 1 and no file "
        "is written. Malformed input exits 2.",
    )
    parser.add_argument(
        "claim", help="claim JSON file (one claim or a list of one client's visits)"
    )
    parser.add_argument("-o", "--output", required=True, help="PDF file to write")
    parser.add_argument(
        "--issued", help="issue date YYYY-MM-DD (default today); the scrub runs as of it"
    )
    parser.add_argument("--number", help="superbill number printed on it")
    parser.add_argument("--data-dir", help="rules data directory (default $KNEAD_DATA_DIR/rules)")
    parser.set_defaults(handler=_superbill)
