"""What ``/healthz`` reports: can this server reach the database, and is a worker alive?"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from knead.jobs.models import Worker

OK = "ok"


def live_workers() -> int:
    """Workers that renewed their heartbeat within one job lease and have not stopped."""
    since = timezone.now() - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return Worker.objects.filter(stopped_at__isnull=True, seen_at__gte=since).count()


def check() -> tuple[bool, dict[str, Any]]:
    """Whether all is well, and a report: ``database`` and ``worker`` are ``"ok"`` or say what
    is wrong in words; ``workers`` counts the live ones. Names no record and no error text (a
    database error's text can name hosts and users)."""
    report: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"] = OK
    except DatabaseError as error:
        report["database"] = f"unreachable ({type(error).__name__})"
        report["worker"] = "unknown: the database is unreachable"
        return False, report
    try:
        workers = live_workers()
    except DatabaseError as error:
        report["worker"] = f"unknown ({type(error).__name__})"
        return False, report
    report["workers"] = workers
    if workers:
        report["worker"] = OK
    else:
        report["worker"] = (
            f"no worker has sent a heartbeat in the last {settings.JOB_LEASE_SECONDS:g} s: "
            "start `knead worker`"
        )
    return bool(workers), report
