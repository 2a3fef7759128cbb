"""Monthly superbill batches: one superbill packet per client seen in the month, in one ZIP.

A job record carries the progress (the page polls it with htmx) and, at the end, the ZIP. The
work runs in a background thread; with ``settings.KNEAD_PAPERWORK_INLINE`` (the tests) it runs
before the request returns, so results are deterministic.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading
import zipfile
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from knead.paperwork.models import BatchJob, JobStatus
from knead.paperwork.services import (
    check_superbill,
    payments_for,
    superbill_packet,
    visits_for_paperwork,
)
from knead.visits.models import Visit

log = logging.getLogger(__name__)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def start_batch(practice: Any, month: dt.date, *, user: Any, issued_on: dt.date) -> BatchJob:
    """Create the job for a month and start it (in the background unless configured inline)."""
    job = BatchJob(practice=practice, month=month.replace(day=1))
    job.stamp(user)
    job.save()
    if getattr(settings, "KNEAD_PAPERWORK_INLINE", False):
        run_batch(job.pk, issued_on)
    else:
        threading.Thread(target=_run_in_thread, args=(job.pk, issued_on), daemon=True).start()
    return job


def _run_in_thread(job_id: int, issued_on: dt.date) -> None:
    try:
        run_batch(job_id, issued_on)
    finally:
        connection.close()


def _file_name(visits: list[Visit], number: str) -> str:
    client = visits[0].client
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{client.last_name}-{client.first_name}").strip("-")
    return f"superbill-{name}-{number}.pdf"


def run_batch(job_id: int, issued_on: dt.date) -> None:
    """Issue every client's superbill packet for the job's month; blocked ones are listed with
    their reasons in the job and in BLOCKED.txt inside the ZIP. Payments: paid in full, by card."""
    job = BatchJob.objects.select_related("practice").get(pk=job_id)
    try:
        first, last = month_bounds(job.month)
        visits = list(
            visits_for_paperwork(
                Visit.objects.for_practice(job.practice).filter(date__gte=first, date__lte=last)
            ).order_by("client_id", "date", "id")
        )
        # A solo practice bills under each therapist's own NPI: one superbill per NPI.
        per_provider = not job.practice.npi
        groups = [
            list(group)
            for _, group in groupby(
                visits, key=lambda v: (v.client_id, v.provider_id if per_provider else 0)
            )
        ]
        job.status, job.total, job.visits = JobStatus.RUNNING, len(groups), len(visits)
        job.save(update_fields=["status", "total", "visits", "updated"])
        buffer = io.BytesIO()
        problems: list[dict[str, Any]] = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for group in groups:
                try:
                    check = check_superbill(
                        group, issued_on=issued_on, payments=payments_for(group)
                    )
                except ValueError as error:  # a record the core cannot use, e.g. a bad code
                    problems.append(_refused(group, str(error)))
                else:
                    if check.can_issue:
                        number = check.superbill.number or ""
                        archive.writestr(_file_name(group, number), superbill_packet(check))
                        job.issued += 1
                    else:
                        problems.append(_blocked(group, check.errors))
                job.done += 1
                job.problems = problems
                job.save(update_fields=["done", "issued", "problems", "updated"])
            if problems:
                archive.writestr("BLOCKED.txt", _blocked_text(problems))
        job.result = buffer.getvalue()
        job.status = JobStatus.DONE
    except Exception as error:  # the job records the failure for the user
        log.exception("Superbill batch %s failed", job_id)
        job.status, job.error = JobStatus.FAILED, f"{type(error).__name__}: {error}"[:300]
    job.finished_at = timezone.now()
    job.save()


def _blocked(visits: list[Visit], errors: tuple) -> dict[str, Any]:
    client = visits[0].client
    return {
        "client": client.full_name,
        "client_id": client.pk,
        "reasons": [
            {
                "visit": p.visit.pk,
                "date": p.visit.date.isoformat(),
                "message": p.finding.message,
                "fix": p.finding.fix,
                "url": p.fix_url,
                "label": p.fix_label,
            }
            for p in errors
        ],
    }


def _refused(visits: list[Visit], message: str) -> dict[str, Any]:
    client, visit = visits[0].client, visits[0]
    return {
        "client": client.full_name,
        "client_id": client.pk,
        "reasons": [
            {
                "visit": visit.pk,
                "date": visit.date.isoformat(),
                "message": message,
                "fix": "",
                "url": visit.get_absolute_url(),
                "label": "Open the visit",
            }
        ],
    }


def _blocked_text(problems: list[dict[str, Any]]) -> str:
    lines = ["Superbills not issued: fix these, then run the month again.", ""]
    for problem in problems:
        lines.append(problem["client"])
        lines += [f"  {r['date']}: {r['message']} {r['fix']}" for r in problem["reasons"]]
        lines.append("")
    return "\n".join(lines)
