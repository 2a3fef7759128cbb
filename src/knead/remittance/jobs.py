"""The remittance app's jobs: posting a registered 835 ("era_import")."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse

from knead.jobs.models import Job
from knead.jobs.registry import job_kind
from knead.jobs.runner import JobContext, JobFailed, RetryLater
from knead.remittance.imports import post_remittance, read, summary
from knead.remittance.models import JobStatus, Remittance


def _link(job: Job) -> str:
    return reverse("remittance:detail", args=[job.args["remittance"]])


def _failed(job: Job, message: str) -> None:
    Remittance.objects.filter(pk=job.args["remittance"]).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=f"Posting stopped, nothing was posted: {message}"
    )


@job_kind(
    "era_import",
    label="835 import",
    view="billing.view",
    retry="billing.edit",
    link=_link,
    on_failed=_failed,
)
def era_import(ctx: JobContext, remittance: int) -> str:
    """Post the registered remittance ``remittance`` (``imports.start_import`` queued it). Run
    again after a crash it posts nothing twice: the posting, the remittance's "posted" mark and
    the job's "done" mark commit together, and a remittance already posted is left alone."""
    record = Remittance.objects.filter(pk=remittance, practice=ctx.practice).first()
    if record is None:
        raise JobFailed("The 835 this job was to post has been removed.")
    if record.status == JobStatus.DONE:
        return summary(record)
    Remittance.objects.filter(pk=record.pk).exclude(status=JobStatus.DONE).update(
        status=JobStatus.RUNNING, error=""
    )
    ctx.progress(0, record.claim_count, "Reading the file")
    parsed = read(record.content)
    ctx.progress(0, note=f"Posting {record.claim_count:,} claims in one transaction")
    try:
        with transaction.atomic():
            posted = post_remittance(record, parsed, ctx.user, on_progress=ctx.progress)
            ctx.mark_done(summary(posted))
    except IntegrityError:
        raise RetryLater(
            "another import posted one of the same payments at the same moment"
        ) from None
    return summary(posted)
