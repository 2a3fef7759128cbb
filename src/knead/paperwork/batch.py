"""Monthly superbill batches: one superbill packet per client seen in the month, in one ZIP.

A ``BatchJob`` record carries the progress (the page polls it with htmx) and, at the end, the
ZIP. The work is a job of the job runner ("superbill_batch", in ``paperwork.jobs``), run by a
``knead worker``; a worker that dies midway leaves it to another, which makes the month again
from the start (``run_batch`` starts from zero and writes the ZIP at the end).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable
from itertools import groupby
from typing import Any

from django.db import transaction
from django.utils import timezone

from knead.billing.paths import BillingPath
from knead.paperwork.models import BatchJob, JobStatus
from knead.paperwork.services import (
    check_superbill,
    payments_for,
    superbill_groups,
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
    """Create the batch for a month and queue the job that makes it."""
    from knead.jobs.services import enqueue

    with transaction.atomic():
        job = BatchJob(practice=practice, month=month.replace(day=1))
        job.stamp(user)
        job.save()
        enqueue("superbill_batch", practice, user, batch=job.pk, issued_on=issued_on.isoformat())
    job.refresh_from_db()
    return job


def _file_name(visits: list[Visit], number: str) -> str:
    client = visits[0].client
    name = re.sub(r"[^A-Za-z0-9]+", "-", f"{client.last_name}-{client.first_name}").strip("-")
    return f"superbill-{name}-{number}.pdf"


def run_batch(
    job_id: int, issued_on: dt.date, progress: Callable[[int, int], None] | None = None
) -> None:
    """Issue every client's superbill packet for the job's month, from the start (a run after
    a crash counts nothing twice); blocked ones are listed with their reasons in the job and in
    BLOCKED.txt inside the ZIP. ``progress(done, total)`` hears of each client done.

    Only visits the client pays for (self-pay and superbill visits) get superbills: a visit
    billed directly to a payer is on the practice's claim, and a superbill would invite the
    client to claim it again. Each client gets one superbill per payer or case billed (a PIP
    or workers' comp visit never shares the health plan's), and what each says was paid comes
    from the ledger."""
    job = BatchJob.objects.select_related("practice").get(pk=job_id)
    job.done = job.issued = 0
    job.problems, job.error, job.result = [], "", None
    try:
        first, last = month_bounds(job.month)
        visits = list(
            visits_for_paperwork(
                Visit.objects.for_practice(job.practice)
                .filter(date__gte=first, date__lte=last)
                .exclude(billing_path=BillingPath.DIRECT)
            ).order_by("client_id", "date", "id")
        )
        # A solo practice bills under each therapist's own NPI: one superbill per NPI.
        per_provider = not job.practice.npi
        groups = [
            list(payer_group.visits)
            for _, group in groupby(
                visits, key=lambda v: (v.client_id, v.provider_id if per_provider else 0)
            )
            for payer_group in superbill_groups(list(group))
        ]
        job.status, job.total, job.visits = JobStatus.RUNNING, len(groups), len(visits)
        job.save(
            update_fields=[
                "status",
                "total",
                "visits",
                "done",
                "issued",
                "problems",
                "error",
                "updated",
            ]
        )
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
                if progress:
                    progress(job.done, job.total)
            if problems:
                archive.writestr("BLOCKED.txt", _blocked_text(problems))
        job.result = buffer.getvalue()
        job.status = JobStatus.DONE
    except Exception as error:
        # The batch records the failure for the user, the job runner for the Jobs page; the
        # log names the kind of error only (its text could carry PHI).
        log.error("Superbill batch %s failed: %s", job_id, type(error).__name__)
        job.status, job.error = JobStatus.FAILED, f"{type(error).__name__}: {error}"[:300]
        job.finished_at = timezone.now()
        job.save()
        raise
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
