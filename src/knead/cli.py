"""The ``knead`` command.

Each module in ``knead.commands`` adds its own subcommands through ``register(subparsers)``.
Billing commands (units, scrub, x12 …) must not import Django: they start in milliseconds and
are used by other tools. Commands that need the database call ``knead.commands.django_setup()``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from knead import __version__, commands
from knead.commands.app import PASSTHROUGH, run_passthrough


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knead",
        description="Knead: insurance billing and clinical documentation for massage therapists.",
    )
    parser.add_argument("--version", action="version", version=f"knead {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if (
        argv
        and argv[0] in PASSTHROUGH
        and not (argv[0] != "manage" and argv[1:2] in (["-h"], ["--help"]))
    ):
        return run_passthrough(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
