"""A record per long job (an 835 to post, a month of superbills …) and per worker process.

The queue itself is django-tasks-db's table; a ``Job`` is what Knead shows and guards: who
started what, for which practice, how far it got, and why it failed. A running job holds a
lease: its worker renews ``heartbeat_at`` while it runs, and a job whose heartbeat is older
than ``settings.JOB_LEASE_SECONDS`` belongs to a worker that died, so another worker runs it
again (``services.reap``). ``token`` names the current attempt: a task carrying an older token
does nothing.
"""

from __future__ import annotations

from django.db import models

from knead.practice.scoping import PracticeScoped


class JobState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(PracticeScoped):
    kind = models.CharField(max_length=40, help_text="A kind registered in knead.jobs.registry.")
    args = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: not known yet.")
    note = models.CharField(
        max_length=200, blank=True, help_text="What it is doing, or what it did, in plain words."
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    token = models.CharField(max_length=32)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["practice", "-created"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.kind})"

    @property
    def percent(self) -> int | None:
        """How far it got, 0–100 (100 only once done: the last step may still be running);
        None while the amount of work is not known."""
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return None
        return min(99, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class Worker(models.Model):
    """One ``knead worker`` process: it renews ``seen_at`` while it lives."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=100)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.hostname} (pid {self.pid})"
