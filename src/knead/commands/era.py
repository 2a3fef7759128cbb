"""``knead era import``: import and post an 835 as the web upload does.

Posts in the foreground; ``--queue`` queues the job and prints its id instead. Exit codes:
0 posted (or queued), 3 the file was already imported (the message
names that import), 2 a malformed file or an unknown practice or user (nothing changed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knead.commands import django_setup


def _import(args: argparse.Namespace) -> int:
    try:
        text = Path(args.file).read_bytes().decode("latin-1")
    except OSError as error:
        print(f"knead era import: cannot read {args.file}: {error.strerror}.", file=sys.stderr)
        return 2
    django_setup()
    from knead.audit.models import Action
    from knead.audit.services import record
    from knead.claims.services import BillingRefused
    from knead.practice.models import Membership, Practice
    from knead.remittance.imports import start_import

    key = "pk" if args.practice.isdigit() else "name"
    practice = Practice.objects.filter(**{key: args.practice}).first()
    if practice is None:
        print(f"knead era import: no practice {args.practice!r}.", file=sys.stderr)
        return 2
    user = None
    if args.user:
        membership = Membership.objects.filter(
            practice=practice, user__username=args.user, is_active=True
        ).first()
        if membership is None:
            print(
                f"knead era import: {args.user!r} is not a member of {practice.name}.",
                file=sys.stderr,
            )
            return 2
        user = membership.user
    try:
        result = start_import(
            text, name=Path(args.file).name, user=user, practice=practice,
            queue=args.queue,
        )  # fmt: skip
    except BillingRefused as error:
        print(f"knead era import: {error} Nothing was changed.", file=sys.stderr)
        return 2
    if result.already:
        print(f"knead era import: {result.message}", file=sys.stderr)
        return 3
    record(None, Action.CREATE, result.remittance, user=user, practice=practice)
    if result.job is not None:
        record(None, Action.CREATE, result.job, user=user, practice=practice)
        print(result.job.pk)
        return 0
    r = result.remittance
    print(
        f"Posted {r.file_name}: {r.processed} claims ({r.matched} matched, {r.unmatched} not "
        f"found, {r.repeats} already posted and queued for review), ${r.amount} paid."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("era", help="import and post 835 remittances")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="import and post an 835 as the web upload does",
        description="Import and post an 835 for a practice, in the foreground (or with --queue "
        "by a worker). Exit 0 when posted, 3 when the file was already imported (its bytes or "
        "its content; the message names that import), 2 when it is malformed (the message "
        "names the segment; nothing changed).",
    )
    imp.add_argument("file")
    imp.add_argument("--practice", required=True, help="the practice's name or id")
    imp.add_argument("--user", help="post as this member of the practice (for the audit trail)")
    imp.add_argument(
        "--queue", action="store_true", help="queue the job for a worker and print its id"
    )
    imp.set_defaults(handler=_import)
