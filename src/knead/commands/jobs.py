"""``knead jobs``: list the jobs (kind, state, progress, error)."""

from __future__ import annotations

import argparse
import json
import sys

from knead.commands import django_setup


def _jobs(args: argparse.Namespace) -> int:
    django_setup()
    from knead.jobs.models import Job, JobState
    from knead.jobs.runner import describe

    jobs = Job.objects.filter(deleted_at__isnull=True).select_related("practice", "created_by")
    if args.practice:
        key = "practice__pk" if args.practice.isdigit() else "practice__name"
        jobs = jobs.filter(**{key: args.practice})
    if args.state:
        if args.state not in JobState.values:
            print(f"knead jobs: --state is one of {', '.join(JobState.values)}.", file=sys.stderr)
            return 2
        jobs = jobs.filter(state=args.state)
    rows = [describe(job) for job in jobs.order_by("-created", "-id")[: args.limit]]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No jobs.")
        return 0
    for row in rows:
        progress = f"{row['percent']}%" if row["percent"] is not None else "-"
        if row["total"]:
            progress += f" ({row['done']}/{row['total']})"
        words = row["error"] if row["state"] == JobState.FAILED else row["note"]
        print(
            f"{row['id']:>6}  {row['label'][:22]:22}  {row['state']:8}  {progress:18}  "
            f"{row['practice'][:24]:24}  {words}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="list jobs with kind, state, progress and error",
        description="List the most recent jobs, newest first.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--practice", help="only this practice (name or id)")
    parser.add_argument("--state", help="only jobs in this state (queued, running, done, failed)")
    parser.add_argument("--limit", type=int, default=50, help="at most N jobs (default 50)")
    parser.set_defaults(handler=_jobs)
