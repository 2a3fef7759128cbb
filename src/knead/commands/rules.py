"""``knead rules import-ptp|import-mue|where``: load the CMS quarterly NCCI files into the rules
data directory (``--data-dir``, else ``$KNEAD_DATA_DIR/rules``), which scrubs then prefer."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _rules_dir(args: argparse.Namespace) -> Path | None:
    from knead.billing.rules import default_rules_dir

    rules_dir = Path(args.data_dir) if args.data_dir else default_rules_dir()
    if rules_dir is None:
        print("knead rules: give --data-dir or set KNEAD_DATA_DIR.", file=sys.stderr)
    return rules_dir


def _import_ptp(args: argparse.Namespace) -> int:
    from knead.billing.errors import InvalidCode
    from knead.billing.ncci import import_ptp_file

    rules_dir = _rules_dir(args)
    if rules_dir is None:
        return 2
    try:
        count = import_ptp_file(Path(args.file), rules_dir)
    except (InvalidCode, OSError) as error:
        print(f"knead rules import-ptp: {error}", file=sys.stderr)
        return 2
    print(f"Imported {count} PTP edits from {Path(args.file).name} into {rules_dir / 'ptp.csv'}.")
    return 0


def _import_mue(args: argparse.Namespace) -> int:
    from knead.billing.errors import InvalidCode
    from knead.billing.ncci import import_mue_file

    rules_dir = _rules_dir(args)
    if rules_dir is None:
        return 2
    try:
        effective = dt.date.fromisoformat(args.effective) if args.effective else None
        count = import_mue_file(Path(args.file), rules_dir, effective)
    except (InvalidCode, OSError, ValueError) as error:
        print(f"knead rules import-mue: {error}", file=sys.stderr)
        return 2
    print(f"Imported {count} MUE limits from {Path(args.file).name} into {rules_dir / 'mue.csv'}.")
    return 0


def _where(args: argparse.Namespace) -> int:
    import json

    from knead.billing.errors import InvalidCode
    from knead.billing.rules import load_rules

    try:
        rules = load_rules(args.data_dir)
    except InvalidCode as error:
        print(f"knead rules where: {error}", file=sys.stderr)
        return 2
    print(json.dumps(rules.origins, indent=2))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rules", help="import CMS NCCI PTP/MUE files; show rule sources")
    actions = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    ptp = actions.add_parser("import-ptp", help="merge a CMS practitioner PTP .TXT (tab-separated)")
    ptp.add_argument("file")
    ptp.set_defaults(handler=_import_ptp)
    mue = actions.add_parser("import-mue", help="merge a CMS practitioner MUE .csv")
    mue.add_argument("file")
    mue.add_argument(
        "--effective", help="YYYY-MM-DD; default: from the file name (…_Eff_MM-DD-YYYY)"
    )
    mue.set_defaults(handler=_import_mue)
    where = actions.add_parser("where", help="print where each rule table is loaded from")
    where.set_defaults(handler=_where)
    for sub in (ptp, mue, where):
        sub.add_argument("--data-dir", help="rules data directory (default $KNEAD_DATA_DIR/rules)")
