"""Running the practice app: serve, demo, migrate, createsuperuser, check and manage."""

from __future__ import annotations

import argparse
import os

from knead.commands import django_setup


def _manage(*argv: str) -> int:
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["knead", *argv])
    return 0


def _serve(args: argparse.Namespace) -> int:
    port = args.port or os.environ.get("PORT", "8000")
    django_setup()
    from django.conf import settings

    from knead.ops.server import serve

    return serve(
        host=args.host, port=port, workers=args.workers, threads=args.threads, dev=args.dev,
        demo=settings.DEBUG,
    )  # fmt: skip


def _demo(args: argparse.Namespace) -> int:
    django_setup()
    from knead.demo.seed import seed_demo

    seed_demo(visits=args.scale, out=print)
    return 0


# Django's own commands, handed their arguments untouched (``knead migrate --plan``).
PASSTHROUGH = {
    "migrate": "create or upgrade the database tables",
    "createsuperuser": "create a site administrator (Django admin access)",
    "check": "check the configuration; add --deploy before going live",
    "manage": "run any Django management command: knead manage COMMAND ...",
}


def run_passthrough(argv: list[str]) -> int:
    """Run ``knead NAME ARGS...`` for a pass-through command; ``manage`` takes the command name."""
    name, rest = argv[0], argv[1:]
    return _manage(*rest) if name == "manage" else _manage(name, *rest)


def register(subparsers: argparse._SubParsersAction) -> None:
    from knead.ops.server import default_workers

    serve = subparsers.add_parser(
        "serve",
        help="serve the web app with gunicorn (http://127.0.0.1:8000; PORT or --port override)",
        description="Serve the practice web app with gunicorn (threaded workers, static files "
        "through WhiteNoise), behind a reverse proxy that terminates TLS (docs/deploy.md). With "
        "DEBUG=1 (make demo) one knead worker runs beside it and stops with it.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", help="port (default PORT or 8000)")
    serve.add_argument(
        "--workers", type=int, default=default_workers(), metavar="N",
        help="server processes (default WEB_CONCURRENCY, else 2 per core + 1, at most 8)",
    )  # fmt: skip
    serve.add_argument(
        "--threads", type=int, default=4, metavar="N", help="threads per process (default 4)"
    )
    serve.add_argument(
        "--dev", action="store_true",
        help="Django's development server instead, reloading on code changes",
    )  # fmt: skip
    serve.set_defaults(handler=_serve)

    demo = subparsers.add_parser(
        "demo",
        help="seed a synthetic demo practice and print its logins (safe to run again)",
        description="Seed the demo practice with Faker data (fixed seed): providers, payers, "
        "clients, coverages, injury cases, referrals, authorizations and signed visits. Running it "
        "again changes nothing. All names and numbers are synthetic.",
    )
    demo.add_argument(
        "--scale", type=int, default=400, metavar="N", help="number of visits (default 400)"
    )
    demo.set_defaults(handler=_demo)

    for name, text in PASSTHROUGH.items():
        subparsers.add_parser(
            name, help=text, description=f"{text}. Arguments go to Django unchanged."
        )
