"""``knead worker``: run queued jobs (835 posting, month-end superbills …)."""

from __future__ import annotations

import argparse

from knead.commands import django_setup


def _worker(args: argparse.Namespace) -> int:
    django_setup()
    from knead.jobs.runner import run_worker

    return run_worker(
        interval=args.interval, batch=args.batch, worker_id=args.worker_id or "",
        max_tasks=args.max_jobs,
    )  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run queued jobs (835 posting, month-end superbills); run one or more beside the server",
        description="Run queued jobs until stopped. SIGTERM or Ctrl+C finish the job in hand "
        "first (a second one stops at once). Run as many workers as you like, on any machine "
        "that reaches the database; a job whose worker died is run again by another after "
        "KNEAD_JOB_LEASE_SECONDS (default 30).",
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, metavar="S",
        help="seconds between looks at the queue when it is empty (default 1)",
    )  # fmt: skip
    parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    parser.add_argument("--max-jobs", type=int, default=None, metavar="N",
                        help="exit after N jobs")  # fmt: skip
    parser.add_argument("--worker-id", default="", help="a name unique among the workers")
    parser.set_defaults(handler=_worker)
