"""Running jobs: one attempt of a job (``execute``), its progress (``JobContext``) and the worker
process (``run_worker``: django-tasks-db's worker loop plus a heartbeat thread).

How a job survives its worker dying:

- ``execute`` starts an attempt only by moving the job from queued to running with the
  attempt's token (a compare-and-set UPDATE), so two workers never start the same attempt.
- While the attempt runs, the worker's heartbeat thread writes the job's progress and renews
  its lease (``heartbeat_at``) every third of ``settings.JOB_LEASE_SECONDS``, from its own
  database connection: the job's own transaction may be open for minutes, and what it writes
  stays invisible until it commits. Other workers reap a job whose lease ran out and queue it
  again (``services.reap``).
- Safety does not rest on the lease: each job is idempotent. An 835 import posts in one
  transaction that also marks the remittance and the job done, after locking the remittance
  and checking it is not done yet; a second run of the same job waits for that lock, then
  finds it done.

On SQLite the database has one writer at a time: while a job's transaction holds the write
lock, the heartbeat thread's writes wait (and time out). Its progress then shows the last
figure written before the transaction, and its lease may run out, but no other worker can
take the job over either: reaping is a write too, and when the lock is released the job is
done. A worker killed inside the transaction releases the lock with its death, its
transaction rolls back, and the job is reaped and run again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, close_old_connections, connection
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import get_random_string

from knead.jobs import registry
from knead.jobs.models import Job, JobState, Worker

if TYPE_CHECKING:
    from knead.jobs.registry import JobKind

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """Raise from a job with a message in plain words: the job ends failed and says why."""


class RetryLater(Exception):
    """Raise from a job when a passing condition stopped it (the database busy, a concurrent
    import): it is queued again, up to ``settings.JOB_MAX_ATTEMPTS`` attempts."""


class JobLost(BaseException):
    """Raised in a job whose attempt was taken over (its lease ran out): it stops at once, and
    its open transaction rolls back. A BaseException so that a job's ``except Exception`` does
    not swallow it."""


class JobContext:
    """What a job function gets: its ``job`` record, ``practice``, ``user`` (who started it),
    ``progress()`` to report how far it got, and ``mark_done()`` to mark it done inside its own
    final transaction."""

    def __init__(self, job: Job, session: WorkerSession | None) -> None:
        self.job = job
        self.practice = job.practice
        self.user = job.created_by
        self.lost = False
        self.marked_done = False
        self._session = session
        self._lock = threading.Lock()
        self._done = job.done
        self._total = job.total
        self._note = job.note
        self._flushed_at = time.monotonic()

    def progress(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """Report progress: ``done`` of ``total`` (None keeps the total given before), and what
        it is doing in words. Cheap: a worker writes it out from its heartbeat thread (inline,
        at most once a second). Raises ``JobLost`` when another worker took the job over."""
        if self.lost:
            raise JobLost
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if note is not None:
                self._note = note[:200]
        if self._session is None and time.monotonic() - self._flushed_at >= 1:
            self.flush()

    def flush(self) -> int:
        """Write the progress and renew the lease; the number of rows written (0: the attempt
        is no longer running)."""
        with self._lock:
            done, total, note = self._done, self._total, self._note
        self._flushed_at = time.monotonic()
        return Job.objects.filter(
            pk=self.job.pk, token=self.job.token, state=JobState.RUNNING
        ).update(done=done, total=total, note=note, heartbeat_at=timezone.now())

    def mark_done(self, summary: str) -> None:
        """Mark the job done; call it inside the transaction that makes the job's work final,
        so the work and the mark commit together (a re-run then finds the job done)."""
        with self._lock:
            done, total = self._done, self._total
        Job.objects.filter(pk=self.job.pk, token=self.job.token, state=JobState.RUNNING).update(
            state=JobState.DONE,
            note=summary[:200],
            done=total if total is not None else done,
            total=total,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        self.marked_done = True


# The worker session of this process, when it is a ``knead worker``; None elsewhere (a job run
# by an inline task backend, e.g. in tests).
session: WorkerSession | None = None


def execute(job_id: int, token: str) -> str:
    """Run one attempt of a job: the attempt named ``token``, if the job is still queued for it.
    Returns what happened, in a word, for the task's result."""
    worker_id = session.worker_id if session else "inline"
    now = timezone.now()
    started = Job.objects.filter(pk=job_id, token=token, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        worker_id=worker_id,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
        error="",
    )
    if not started:
        return "skipped"
    job = Job.objects.select_related("practice", "created_by").get(pk=job_id)
    kind = registry.get(job.kind)
    if kind is None:
        _end_failed(job, None, f"Knead no longer knows this kind of job ({job.kind}).")
        return "failed"
    ctx = JobContext(job, session)
    if session is not None:
        session.current = ctx
    began = time.monotonic()
    try:
        summary = kind.run(ctx, **job.args)
    except JobLost:
        log.warning("Job %s (%s): taken over by another worker; stopped", job.pk, job.kind)
        return "lost"
    except (RetryLater, OperationalError) as error:
        reason = str(error) if isinstance(error, RetryLater) else "the database was busy"
        return _retry_or_fail(job, kind, reason)
    except JobFailed as error:
        _end_failed(job, kind, str(error))
        return "failed"
    except Exception as error:
        # The log names the kind of error only: its text could carry PHI.
        log.error("Job %s (%s) failed: %s", job.pk, job.kind, type(error).__name__)
        _end_failed(
            job, kind, f"It stopped on an unexpected error: {type(error).__name__}: {error}"
        )
        return "failed"
    finally:
        if session is not None:
            session.current = None
    ctx_done, ctx_total = ctx._done, ctx._total
    Job.objects.filter(pk=job.pk, token=job.token, state=JobState.RUNNING).update(
        state=JobState.DONE,
        note=summary[:200],
        done=ctx_total if ctx_total is not None else ctx_done,
        total=ctx_total,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    log.info("Job %s (%s) done in %.1f s", job.pk, job.kind, time.monotonic() - began)
    return "done"


def _usable() -> None:
    """After an error the connection may be broken (a lost server): start a new one."""
    if connection.in_atomic_block:
        return
    try:
        connection.close_if_unusable_or_obsolete()
    except DatabaseError:
        connection.close()


def _end_failed(job: Job, kind: JobKind | None, message: str) -> None:
    _usable()
    ended = Job.objects.filter(pk=job.pk, token=job.token, state=JobState.RUNNING).update(
        state=JobState.FAILED, error=message, finished_at=timezone.now()
    )
    if ended and kind is not None and kind.on_failed is not None:
        kind.on_failed(job, message)


def _retry_or_fail(job: Job, kind: JobKind, reason: str) -> str:
    from knead.jobs.services import requeue

    _usable()
    attempts = Job.objects.filter(pk=job.pk).values_list("attempts", flat=True).first() or 0
    if attempts >= settings.JOB_MAX_ATTEMPTS:
        _end_failed(job, kind, f"It stopped {attempts} times: {reason}.")
        return "failed"
    requeue(job, note=f"Waiting to try again: {reason}.", delay=2.0 * attempts)
    return "retry"


class WorkerSession:
    """The worker process's heartbeat thread: every third of the lease it renews the worker's
    ``Worker`` row and the running job's lease and progress, and reaps jobs whose lease ran
    out. It has its own database connection (Django's are per thread)."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.current: JobContext | None = None
        self.interval = max(0.2, settings.JOB_LEASE_SECONDS / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="knead-heartbeat", daemon=True)

    def start(self) -> None:
        now = timezone.now()
        Worker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:100],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
                "stopped_at": None,
            },
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 2)
        try:
            Worker.objects.filter(worker_id=self.worker_id).update(stopped_at=timezone.now())
        except DatabaseError:
            log.warning("Worker %s: could not record its stop", self.worker_id)

    def beat(self) -> None:
        """Renew the worker's and its job's heartbeat; flag the job lost when another worker
        took it over."""
        from knead.jobs.services import reap

        Worker.objects.filter(worker_id=self.worker_id).update(seen_at=timezone.now())
        ctx = self.current
        if ctx is not None and not ctx.flush():
            # Not running under this attempt any more: done (fine) or taken over (stop).
            taken = not Job.objects.filter(pk=ctx.job.pk, token=ctx.job.token).exists()
            ctx.lost = ctx.lost or taken
        reap(exclude_worker=self.worker_id)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except DatabaseError as error:
                # SQLite: another connection holds the write lock; PostgreSQL: a passing error.
                log.debug("Worker %s heartbeat skipped: %s", self.worker_id, type(error).__name__)
                connection.close()
            finally:
                close_old_connections()


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


def run_worker(
    *, interval: float = 1.0, batch: bool = False, worker_id: str = "", max_tasks: int | None = None
) -> int:
    """Run jobs until stopped (SIGTERM or SIGINT finish the job in hand first; a second one
    stops at once), or with ``batch`` until none is waiting."""
    global session
    from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

    for name in ("django_tasks", "django_tasks_db"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not logger.handlers:
            logger.addHandler(logging.StreamHandler())
    session = WorkerSession(worker_id or new_worker_id())
    session.start()
    log.info("Worker %s started (lease %.0f s)", session.worker_id, settings.JOB_LEASE_SECONDS)
    worker = TaskWorker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=session.worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        session.stop()
        session = None
    return 0


def describe(job: Job) -> dict[str, Any]:
    """A job as JSON-ready values (``knead jobs --json``)."""
    kind = registry.get(job.kind)
    return {
        "id": job.pk,
        "practice": job.practice.name,
        "kind": job.kind,
        "label": kind.label if kind else job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "note": job.note,
        "error": job.error,
        "attempts": job.attempts,
        "started_by": job.created_by.get_username() if job.created_by else None,
        "created": job.created.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "worker": job.worker_id or None,
    }
