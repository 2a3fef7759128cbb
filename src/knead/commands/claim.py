"""``knead claim from-visit``: export a visit from the database as claim JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knead.commands import django_setup


def _from_visit(args: argparse.Namespace) -> int:
    django_setup()
    from django.db import DatabaseError

    from knead.billing.claim import BillingMode
    from knead.billing.claim_json import dump_claims
    from knead.visits.models import Visit
    from knead.visits.to_claim import claim_for_visit, with_claim_facts

    query = with_claim_facts(Visit.objects.filter(pk__in=args.visit_ids, deleted_at__isnull=True))
    try:
        visits = list(query)
    except DatabaseError as error:
        print(
            f"knead claim: cannot read the database ({error}); run `knead migrate` first?",
            file=sys.stderr,
        )
        return 2
    missing = sorted(set(args.visit_ids) - {v.pk for v in visits})
    if missing:
        print(f"knead claim: no visit with id {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    mode = BillingMode.SUPERBILL if args.superbill else BillingMode.DIRECT
    claims = [claim_for_visit(visit, billing_mode=mode) for visit in visits]
    text = dump_claims(claims[0] if len(claims) == 1 else claims)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    claim = subparsers.add_parser("claim", help="export visits from the database as claim JSON")
    actions = claim.add_subparsers(dest="action", metavar="ACTION", required=True)
    from_visit = actions.add_parser(
        "from-visit",
        help="write the claim JSON for one or more visits (docs/claim-json.md)",
        description="Export visits as claim JSON, the format `knead scrub`, `knead x12 837`, "
        "`knead superbill` and `knead cms1500` read. Several ids give a list.",
    )
    from_visit.add_argument("visit_ids", nargs="+", type=int, metavar="VISIT_ID")
    from_visit.add_argument(
        "--superbill", action="store_true", help="the client pays and claims it back"
    )
    from_visit.add_argument("-o", "--output", help="write to this file instead of standard output")
    from_visit.set_defaults(handler=_from_visit)
