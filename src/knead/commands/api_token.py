"""``knead api-token``: make and revoke API tokens."""

from __future__ import annotations

import argparse
import sys

from knead.commands import django_setup


def _create(args: argparse.Namespace) -> int:
    django_setup()
    from knead.accounts.models import User
    from knead.api.models import ApiToken
    from knead.practice.models import Membership

    practice = (
        {"practice__pk": int(args.practice)}
        if args.practice.isdigit()
        else {"practice__name": args.practice}
    )
    membership = (
        Membership.objects.filter(user__username=args.username, is_active=True, **practice)
        .select_related("user", "practice")
        .first()
    )
    if membership is None:
        known = User.objects.filter(username=args.username).exists()
        reason = "is not a member of that practice" if known else "does not exist"
        print(f"knead api-token: user {args.username!r} {reason}.", file=sys.stderr)
        return 2
    _token, text = ApiToken.issue(
        user=membership.user, practice=membership.practice, name=args.name
    )
    print(
        f"Token for {membership.user} at {membership.practice} ({membership.get_role_display()}):"
    )
    print(text)
    print("Store it now: Knead keeps only a hash and cannot show it again.")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    django_setup()
    from knead.api.models import TOKEN_PREFIX, ApiToken

    key = args.token.removeprefix(TOKEN_PREFIX).split("_")[0]
    token = ApiToken.objects.live().filter(key=key).first()
    if token is None:
        print(f"knead api-token: no live token {args.token!r}.", file=sys.stderr)
        return 2
    token.revoke()
    print(f"Revoked {token}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("api-token", help="make or revoke REST API tokens")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="make a token for a user in one practice (shown once)"
    )
    create.add_argument("username")
    create.add_argument("--practice", required=True, help="the practice's name or id")
    create.add_argument("--name", default="API token", help="what the token is for")
    create.set_defaults(handler=_create)
    revoke = actions.add_parser(
        "revoke", help="revoke a token (the whole token, or its kn_xxxx prefix)"
    )
    revoke.add_argument("token")
    revoke.set_defaults(handler=_revoke)
