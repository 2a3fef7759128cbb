"""The ``knead`` command.

Each module in ``knead.commands`` adds its own subcommands through ``register(subparsers)``.
Billing commands (units, scrub, x12 …) must not import Django: they start in milliseconds and
are used by other tools. Commands that need the database call ``knead.commands.django_setup()``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

from knead import __version__, commands

if TYPE_CHECKING:
    import argparse


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or only for ``only`` when a module of that name adds it
    (so ``knead x12 …`` starts without importing the other commands)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="knead",
        description="Knead: insurance billing and clinical documentation for massage therapists.",
    )
    parser.add_argument("--version", action="version", version=f"knead {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    # A plain directory listing: pkgutil.iter_modules would import inspect (≈ 8 ms of start-up).
    folder = os.path.dirname(commands.__file__)
    names = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f != "__init__.py")
    for name in [only] if only in names else names:
        importlib.import_module(f"{commands.__name__}.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; a configuration error (SECRET_KEY missing …) is printed plainly, exit 2."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        return _run(argv)
    except Exception as error:
        # Imported only on an error: importing Django would slow every billing command's start.
        from django.core.exceptions import ImproperlyConfigured

        if not isinstance(error, ImproperlyConfigured):
            raise
        print(f"knead: {error}", file=sys.stderr)
        return 2


def _run(argv: list[str]) -> int:
    if argv[:1] == ["x12"]:
        from knead.commands.x12 import run_reader

        code = run_reader(argv[1:])
        if code is not None:
            return code
    from knead.commands.app import PASSTHROUGH, run_passthrough

    if (
        argv
        and argv[0] in PASSTHROUGH
        and not (argv[0] != "manage" and argv[1:2] in (["-h"], ["--help"]))
    ):
        return run_passthrough(argv)
    parser = build_parser(only=argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
