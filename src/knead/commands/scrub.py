"""``knead scrub CLAIM.json [--as-of YYYY-MM-DD]``: print the findings as a JSON array.

Contract: each finding has ``rule``, ``severity``, ``message`` and ``line`` (null for the
claim), plus ``fix``, ``box`` and ``loop``. Exit 1 if any finding is an error, 0 otherwise;
2 for unreadable or malformed input (message on stderr naming the JSON field path). A file
holding a list of claims prints one array per claim inside an outer array.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt


def parse_as_of(value: str | None, command: str) -> dt.date | None:
    """``--as-of``: the date given, or today when none is; None (after a plain message on
    stderr naming the command) when it is not a date YYYY-MM-DD."""
    import datetime as dt

    from knead.practice import clock

    if not value:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        print(
            f"knead {command}: --as-of must be a date YYYY-MM-DD, not {value!r}; nothing done",
            file=sys.stderr,
        )
        return None


def _scrub(args: argparse.Namespace) -> int:
    import json

    from knead.billing.claim_json import ClaimFormatError, load_claims
    from knead.billing.errors import InvalidCode
    from knead.billing.rules import load_rules
    from knead.billing.scrub import Purpose, has_errors, scrub

    as_of = parse_as_of(args.as_of, "scrub")
    if as_of is None:
        return 2
    try:
        if args.claim == "-":
            text = sys.stdin.read()
        else:
            with open(args.claim, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        print(f"knead scrub: cannot read {args.claim}: {error.strerror}", file=sys.stderr)
        return 2
    single = text.lstrip().startswith("{")
    if not single and not text.lstrip().startswith("["):
        print("knead scrub: (claim): not valid JSON: expected an object or a list", file=sys.stderr)
        return 2
    try:
        claims = load_claims(text)
        rules = load_rules(args.data_dir)
    except (ClaimFormatError, InvalidCode) as error:
        print(f"knead scrub: {error}", file=sys.stderr)
        return 2
    purpose = Purpose(args.purpose)
    results = [scrub(claim, rules, as_of, purpose) for claim in claims]
    payload = [[f.to_dict() for f in findings] for findings in results]
    print(json.dumps(payload[0] if single else payload, indent=2, ensure_ascii=False))
    return 1 if any(has_errors(findings) for findings in results) else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scrub", help="check a claim JSON file before sending; prints findings as JSON"
    )
    parser.add_argument("claim", help="claim JSON file (one claim or a list), or - for stdin")
    parser.add_argument("--as-of", help="scrub as of this date (default today), YYYY-MM-DD")
    parser.add_argument(
        "--purpose",
        choices=("claim", "superbill"),
        default="claim",
        help="superbill runs only the rules that matter for a superbill",
    )
    parser.add_argument("--data-dir", help="rules data directory (default $KNEAD_DATA_DIR/rules)")
    parser.set_defaults(handler=_scrub)
