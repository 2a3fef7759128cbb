"""``knead units [--method cms|ama] CODE=MINUTES ...``: print each code's units as JSON.

Stable contract used by other tools: one JSON object mapping each code to its units, e.g.
``{"97112": 2, "97110": 1}``, exit 0. Bad input (unknown code, negative minutes, malformed
argument) prints an error to stderr and exits 2.
"""

from __future__ import annotations

import argparse
import re
import sys

_ARG = re.compile(r"([0-9A-Za-z]{5})=(-?\d+)")


def _units(args: argparse.Namespace) -> int:
    import json

    from knead.billing.errors import InvalidCode
    from knead.billing.units import UnitRule, allocate_units

    minutes: dict[str, int] = {}
    for item in args.visits:
        match = _ARG.fullmatch(item.strip())
        if not match:
            print(f"knead units: {item!r} is not CODE=MINUTES (e.g. 97124=38).", file=sys.stderr)
            return 2
        code = match.group(1).upper()
        if code in minutes:
            print(f"knead units: {code} is given twice; add its minutes together.", file=sys.stderr)
            return 2
        minutes[code] = int(match.group(2))
    try:
        units = allocate_units(minutes, UnitRule(args.method))
    except InvalidCode as error:
        print(f"knead units: {error}", file=sys.stderr)
        return 2
    print(json.dumps(units))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "units", help="minutes to billable units (CMS 8-minute rule or AMA per code)"
    )
    parser.add_argument("--method", choices=("cms", "ama"), default="cms")
    parser.add_argument("visits", nargs="+", metavar="CODE=MINUTES")
    parser.set_defaults(handler=_units)
