"""Running the practice app: serve, demo, migrate, createsuperuser, check and manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from knead.commands import django_setup


def _manage(*argv: str) -> int:
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["knead", *argv])
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve; in demo mode (DEBUG) with one ``knead worker`` process beside the server, stopped
    with it, so that ``make demo`` is one command. Production runs its workers on their own."""
    port = args.port or os.environ.get("PORT", "8000")
    django_setup()
    from django.conf import settings

    if not settings.DEBUG:
        return _manage("runserver", f"{args.host}:{port}", "--noreload")
    worker = subprocess.Popen([sys.executable, "-m", "knead.cli", "worker"])
    # SIGTERM ends the server through SystemExit, so the worker is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        return _manage("runserver", f"{args.host}:{port}", "--noreload")
    finally:
        worker.terminate()  # the worker finishes the job in hand; a killed one is run again
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


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
    serve = subparsers.add_parser(
        "serve",
        help="serve the web app (http://127.0.0.1:8000; PORT or --port override)",
        description="Serve the practice web app. For production, run knead.wsgi under a WSGI "
        "server behind TLS; this command is for a single machine.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port")
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
