"""``knead cms1500 CLAIMS.json -o FILE.pdf [--mode replica|data-only] [--offset-x MM --offset-y MM]``.

Prints CMS-1500 (02/12) forms for one claim or a list, several pages per claim when it has more
than 6 service lines or 12 diagnoses. ``replica`` draws the whole form on plain paper;
``data-only`` prints only the data, for red pre-printed forms, shifted by the offsets in
millimetres (+x right, +y down). Exit 0 when written, 2 for unreadable or malformed input.
"""

from __future__ import annotations

import argparse
import sys


def _cms1500(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from knead.billing.claim_json import ClaimFormatError, load_claims
    from knead.billing.forms.cms1500 import cms1500_boxes
    from knead.billing.forms.render import (
        FormMode,
        FormValueError,
        PrintOffset,
        form_text,
        render_cms1500,
    )

    try:
        signed_on = dt.date.fromisoformat(args.signed_on) if args.signed_on else None
    except ValueError:
        print(
            f"knead cms1500: --signed-on must be a date YYYY-MM-DD, not {args.signed_on!r}",
            file=sys.stderr,
        )
        return 2
    try:
        claims = load_claims(Path(args.claims))
        forms = [cms1500_boxes(claim, signed_on=signed_on) for claim in claims]
        pdf = render_cms1500(
            forms, mode=FormMode(args.mode), offset=PrintOffset(args.offset_x, args.offset_y)
        )
    except (ClaimFormatError, FormValueError) as error:
        print(f"knead cms1500: {error}", file=sys.stderr)
        return 2
    try:
        Path(args.output).write_bytes(pdf)
    except OSError as error:
        print(f"knead cms1500: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    if args.text:
        Path(args.text).write_text("\f\n".join(form_text(form) for form in forms), encoding="utf-8")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cms1500",
        help="print CMS-1500 (02/12) claim forms as PDF (replica or data-only for red forms)",
        description="Print CMS-1500 forms for one claim or a JSON list of claims.",
    )
    parser.add_argument("claims", help="claim JSON file (one claim or a list)")
    parser.add_argument("-o", "--output", required=True, help="PDF file to write")
    parser.add_argument(
        "--mode",
        choices=("replica", "data-only"),
        default="replica",
        help="replica: the whole form on plain paper; data-only: data for red pre-printed forms",
    )
    parser.add_argument(
        "--offset-x",
        type=float,
        default=0.0,
        metavar="MM",
        help="data-only: move the print right by MM millimetres (negative: left)",
    )
    parser.add_argument(
        "--offset-y",
        type=float,
        default=0.0,
        metavar="MM",
        help="data-only: move the print down by MM millimetres (negative: up)",
    )
    parser.add_argument("--signed-on", help="date for Box 31 next to the signature, YYYY-MM-DD")
    parser.add_argument("--text", metavar="FILE", help="also write the form data as a text grid")
    parser.set_defaults(handler=_cms1500)
