"""Starting, retrying and recovering jobs.

    job = enqueue("era_import", practice, user, remittance=remittance.pk)

creates the ``Job`` (queued) and its task in one transaction: call it inside your own
transaction and the job exists exactly when your records do. A worker then runs it
(``runner.execute``). With an inline task backend (``TASKS`` set to django-tasks'
ImmediateBackend, as some tests do) the job runs before ``enqueue`` returns.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from knead.jobs import registry
from knead.jobs.models import Job, JobState

log = logging.getLogger(__name__)


class JobRefused(Exception):
    """The job cannot be started or retried; the message says why."""


def _token() -> str:
    return get_random_string(32)


def _dispatch(job: Job, delay: float = 0) -> None:
    """Queue a task that runs the job's current attempt (``job.token``)."""
    from knead.jobs.tasks import run_job

    task = run_job
    if delay > 0 and run_job.get_backend().supports_defer:
        task = run_job.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    result = task.enqueue(job.pk, job.token)
    Job.objects.filter(pk=job.pk, token=job.token).update(task_id=str(result.id))


def enqueue(kind: str, practice: Any, user: Any, **args: Any) -> Job:
    """Queue a job of a registered ``kind`` for ``practice``, started by ``user`` (None from
    the command line), with JSON-serialisable ``args`` (passed to the job function as keyword
    arguments). Raises ``JobRefused`` for an unknown kind or arguments JSON cannot carry."""
    spec = registry.get(kind)
    if spec is None:
        raise JobRefused(f"No such kind of job: {kind}.")
    try:
        json.dumps(args)
    except TypeError as error:
        raise JobRefused(f"The job's arguments must be JSON values: {error}.") from None
    with transaction.atomic():
        job = Job(practice=practice, kind=kind, args=args, token=_token())
        job.stamp(user)
        job.save()
        _dispatch(job)
    job.refresh_from_db()
    return job


def requeue(job: Job, *, note: str, delay: float = 0) -> bool:
    """Queue a running job's next attempt (a new token); False when the attempt had ended."""
    token = _token()
    with transaction.atomic():
        moved = Job.objects.filter(pk=job.pk, token=job.token, state=JobState.RUNNING).update(
            state=JobState.QUEUED, token=token, worker_id="", note=note[:200]
        )
        if moved:
            job.token, job.state = token, JobState.QUEUED
            _dispatch(job, delay)
    return bool(moved)


def retry(job: Job, *, user: Any) -> Job:
    """Run a failed job again, from the start. Raises ``JobRefused`` unless it failed."""
    token = _token()
    with transaction.atomic():
        moved = Job.objects.filter(pk=job.pk, state=JobState.FAILED).update(
            state=JobState.QUEUED,
            token=token,
            worker_id="",
            attempts=0,
            error="",
            note="Queued again.",
            finished_at=None,
            updated_by=user,
            updated=timezone.now(),
        )
        if not moved:
            raise JobRefused("Only a failed job can be retried.")
        job.token, job.state = token, JobState.QUEUED
        _dispatch(job)
    job.refresh_from_db()
    return job


def _fail_task(task_id: str, why: str) -> None:
    """Mark the queue's record of an abandoned attempt failed (it would say "running" forever)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    try:
        uuid.UUID(task_id)
    except ValueError:
        return
    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="knead.jobs.runner.WorkerLost",
        traceback=why,
    )


def _task_stuck(task_id: str, cutoff: dt.datetime) -> bool:
    """The job's task left the queue (a worker took it) before ``cutoff`` but never started
    the job: that worker died between the two."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    try:
        row = DBTaskResult.objects.filter(id=task_id).values("status", "started_at").first()
    except ValidationError:
        return False
    if row is None:
        return True
    if row["status"] == TaskResultStatus.READY:
        return False
    return row["status"] != TaskResultStatus.RUNNING or (
        row["started_at"] is not None and row["started_at"] < cutoff
    )


def reap(*, exclude_worker: str = "", now: dt.datetime | None = None) -> list[int]:
    """Queue again every running job whose lease ran out (its worker died), and every queued
    job whose task a worker took and never started; fail a job whose workers died
    ``settings.JOB_MAX_ATTEMPTS`` times. Skips the jobs of ``exclude_worker`` (the caller's
    own). Returns the ids of the jobs queued again or failed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    touched: list[int] = []
    stale = (
        Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff)
        .exclude(worker_id=exclude_worker)
        .select_related("practice")
    )
    for job in stale:
        kind = registry.get(job.kind)
        with transaction.atomic():
            still = Job.objects.filter(
                pk=job.pk, token=job.token, state=JobState.RUNNING, heartbeat_at__lt=cutoff
            )
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                message = (
                    f"Its worker stopped {job.attempts} times before it finished (the process "
                    "was killed or the machine restarted). Retry it once the workers are healthy."
                )
                if not still.update(
                    state=JobState.FAILED, error=message, finished_at=now, worker_id=""
                ):
                    continue
                if kind is not None and kind.on_failed is not None:
                    kind.on_failed(job, message)
            else:
                token = _token()
                if not still.update(
                    state=JobState.QUEUED,
                    token=token,
                    worker_id="",
                    note="Its worker stopped; queued to run again.",
                ):
                    continue
                _fail_task(
                    job.task_id, f"Worker {job.worker_id} stopped while running job {job.pk}."
                )
                job.token, job.state = token, JobState.QUEUED
                _dispatch(job)
        log.warning("Job %s (%s): worker %s stopped; reaped", job.pk, job.kind, job.worker_id)
        touched.append(job.pk)
    for job in Job.objects.filter(state=JobState.QUEUED, updated__lt=cutoff).exclude(task_id=""):
        if not _task_stuck(job.task_id, cutoff):
            continue
        with transaction.atomic():
            token = _token()
            if Job.objects.filter(pk=job.pk, token=job.token, state=JobState.QUEUED).update(
                token=token, updated=now
            ):
                _fail_task(job.task_id, f"A worker took job {job.pk} and stopped before it.")
                job.token = token
                _dispatch(job)
                touched.append(job.pk)
    return touched


def visible_kinds(allowed: Any) -> list[str]:
    """The kinds whose jobs a user may see; ``allowed(permission) -> bool``."""
    return [name for name, kind in registry.kinds().items() if allowed(kind.view)]


def jobs_for(practice: Any, kinds: list[str]) -> Any:
    """The practice's jobs of those kinds, newest first."""
    return (
        Job.objects.for_practice(practice)
        .filter(kind__in=kinds)
        .select_related("created_by")
        .order_by("-created", "-id")
    )
