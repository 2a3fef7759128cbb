"""``knead unlock USERNAME``: let a username locked by too many wrong passwords sign in again."""

from __future__ import annotations

import argparse

from knead.commands import django_setup


def _unlock(args: argparse.Namespace) -> int:
    django_setup()
    from knead.accounts.throttle import unlock

    if unlock(args.username):
        print(f"{args.username} can sign in again.")
    else:
        print(f"{args.username} was not locked.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "unlock", help="clear a username's failed sign-ins so it can sign in at once"
    )
    parser.add_argument("username")
    parser.set_defaults(handler=_unlock)
