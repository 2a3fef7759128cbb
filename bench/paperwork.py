"""Monthly superbill batch through the web layer: POST the month, the job runs, GET the ZIP.

Seeds the demo practice (N visits) into a throw-away SQLite database, takes the month with the
most signed visits (signed notes are locked, so none is moved), then times the whole request path (view → job → claims from the database →
scrub → superbill + SOAP note packets → ZIP) and the download. Prints visits, clients
(superbills), seconds, ms per visit and per superbill, and the ZIP size.
Usage: ``python bench/paperwork.py [--visits 1000] [--quick]`` (--quick: 200 visits).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 visits")
    args = parser.parse_args()
    visits_wanted = 200 if args.quick else args.visits
    data_dir = tempfile.mkdtemp(prefix="knead-bench-paperwork-")
    try:
        return run(visits_wanted, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(visits_wanted: int, data_dir: str) -> int:
    os.environ.update(KNEAD_DATA_DIR=data_dir, DEBUG="1", DJANGO_SETTINGS_MODULE="knead.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    from knead.accounts.models import User
    from knead.demo.seed import seed_demo
    from knead.paperwork.models import BatchJob
    from knead.visits.models import Visit

    # The batch job runs inside the request (django-tasks' inline backend), as a worker would.
    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ).enable()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_demo(visits=visits_wanted, out=lambda _line: None)
    print(f"seeded {visits_wanted} demo visits in {time.perf_counter() - started:.1f} s")
    owner = User.objects.get(username="owner")
    # The month with the most signed visits (signed notes are locked, so none is moved).
    months = Counter(
        f"{day:%Y-%m}"
        for day in Visit.objects.filter(signed_at__isnull=False).values_list("date", flat=True)
    )
    month = months.most_common(1)[0][0]
    print(f"month {month}: {months[month]} signed visits")
    client = HttpClient()
    client.force_login(owner)
    started = time.perf_counter()
    response = client.post("/paperwork/", {"month": month})
    elapsed = time.perf_counter() - started
    if response.status_code != 302:
        print(f"unexpected status {response.status_code}", file=sys.stderr)
        return 1
    job = BatchJob.objects.get()
    started = time.perf_counter()
    download = client.get(f"/paperwork/superbills/{month}/download/")
    fetched = time.perf_counter() - started
    print(
        f"batch: {job.visits} visits, {job.total} superbills ({job.issued} issued, "
        f"{len(job.problems)} blocked), status {job.status}"
    )
    print(
        f"  {elapsed:.1f} s in all (includes the one-off ICD-10-CM load), "
        f"{1000 * elapsed / max(job.visits, 1):.1f} ms per visit, "
        f"{1000 * elapsed / max(job.total, 1):.0f} ms per superbill packet"
    )
    print(f"  ZIP {len(download.content) / 1e6:.1f} MB, download {1000 * fetched:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
