"""The ledger's jobs: the monthly statement run ("statement_run")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from knead.jobs.models import Job
from knead.jobs.registry import job_kind
from knead.jobs.runner import JobContext
from knead.ledger.statements import run_statements


def _link(job: Job) -> str | None:
    return reverse("ledger:statements")


@job_kind(
    "statement_run",
    label="Client statements",
    view="payments.take",
    retry="payments.take",
    link=_link,
)
def statement_run(ctx: JobContext, period_end: str) -> str:
    """Issue the statements dated ``period_end`` to every client with a balance
    (``statements.run_statements``, which skips the clients a crashed run already did)."""
    result = run_statements(
        ctx.practice, dt.date.fromisoformat(period_end), ctx.user, on_progress=ctx.progress
    )
    return result.summary
