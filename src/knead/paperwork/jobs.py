"""The paperwork app's jobs: the month-end superbill batch ("superbill_batch")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from knead.jobs.models import Job
from knead.jobs.registry import job_kind
from knead.jobs.runner import JobContext, JobFailed
from knead.paperwork.batch import run_batch
from knead.paperwork.models import BatchJob, JobStatus


def _link(job: Job) -> str | None:
    month = BatchJob.objects.filter(pk=job.args["batch"]).values_list("month", flat=True).first()
    return reverse("paperwork:month", args=[f"{month:%Y-%m}"]) if month else None


def _failed(job: Job, message: str) -> None:
    BatchJob.objects.filter(pk=job.args["batch"]).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=message[:300], finished_at=timezone.now()
    )


@job_kind(
    "superbill_batch",
    label="Month-end superbills",
    view="paperwork.batch",
    retry="paperwork.batch",
    link=_link,
    on_failed=_failed,
)
def superbill_batch(ctx: JobContext, batch: int, issued_on: str) -> str:
    """Make the batch's superbills (``batch.run_batch``): from the start on every run, so a run
    after a crash counts nothing twice."""
    if not BatchJob.objects.filter(pk=batch, practice=ctx.practice).exists():
        raise JobFailed("The batch this job was to make has been removed.")
    run_batch(batch, dt.date.fromisoformat(issued_on), progress=ctx.progress)
    job = BatchJob.objects.get(pk=batch)
    blocked = f", {len(job.problems)} blocked" if job.problems else ""
    return f"{job.issued} superbill{'s' if job.issued != 1 else ''} issued{blocked}."
