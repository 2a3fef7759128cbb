"""The one django-tasks task: run an attempt of a Knead job (``runner.execute``)."""

from __future__ import annotations

from django_tasks import task

from knead.jobs import runner


@task()
def run_job(job_id: int, token: str) -> str:
    return runner.execute(job_id, token)
