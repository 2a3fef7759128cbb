"""The job runner in one process: attempts named by tokens, leases reaped, retries, failures in
plain words, progress and the heartbeat. Real worker processes: test_workers.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from knead.claims.models import Claim
from knead.claims.services import create_claims
from knead.jobs import services
from knead.jobs.models import Job, JobState, Worker
from knead.jobs.runner import JobContext, JobLost, WorkerSession, execute
from knead.remittance.imports import start_import
from knead.remittance.models import Posting, Remittance

from ..billing.factories import billing_setup, signed_visit
from ..billing.test_era_duplicates import _clp, _era

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(practice, users):
    """An 835 paying one claim ($41.60), registered and queued for a worker."""
    setup = billing_setup(practice, users["therapist"])
    visit = signed_visit(setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])],
                         users["biller"])  # fmt: skip
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    Claim.objects.filter(pk=claim.pk).update(status="accepted")
    result = start_import(_era("EFT0700", "41.60", [_clp(claim.claim_id, "PCN1", "20260302")]),
                          name="era.835", user=users["biller"], practice=practice, queue=True)  # fmt: skip
    return {"job": result.job, "remittance": result.remittance, "claim": claim}


def _stale(job: Job, *, attempts: int = 1, worker: str = "dead-worker") -> None:
    """As if ``worker`` had started the job and died a minute ago."""
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, worker_id=worker, attempts=attempts,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip


def test_enqueue_refuses_an_unknown_kind_and_arguments_json_cannot_carry(practice, users):
    with pytest.raises(services.JobRefused, match="No such kind of job: nope"):
        services.enqueue("nope", practice, users["biller"])
    with pytest.raises(services.JobRefused, match="JSON values"):
        services.enqueue("era_import", practice, users["biller"], remittance=object())
    assert not Job.objects.exists()


def test_a_queued_job_and_its_task_are_made_together(queued):
    job = queued["job"]
    task = DBTaskResult.objects.get(id=job.task_id)
    assert (task.status, task.task_path) == ("READY", "knead.jobs.tasks.run_job")
    assert task.args_kwargs["args"] == [job.pk, job.token]
    assert (job.kind, job.args, job.state) == ("era_import", {"remittance": queued["remittance"].pk},
                                               "queued")  # fmt: skip


def test_a_job_whose_lease_ran_out_is_queued_again_and_posts_once(queued):
    job = queued["job"]
    old_token, old_task = job.token, job.task_id
    _stale(job)
    DBTaskResult.objects.filter(id=old_task).update(status="RUNNING", started_at=timezone.now())
    assert services.reap() == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.worker_id, job.attempts) == ("queued", "", 1)
    assert job.token != old_token and job.note == "Its worker stopped; queued to run again."
    # The dead attempt's task is marked failed; the new attempt has a task of its own.
    assert DBTaskResult.objects.get(id=old_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"
    assert execute(job.pk, old_token) == "skipped"  # the dead attempt cannot come back
    assert execute(job.pk, job.token) == "done"
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2)
    claim = Claim.objects.get(pk=queued["claim"].pk)
    assert str(claim.paid) == "41.60"
    assert Posting.objects.filter(remittance=queued["remittance"]).count() == 3  # SVC, CO-45, PR-2


def test_a_worker_does_not_reap_its_own_job_and_a_live_lease_is_left_alone(queued):
    job = queued["job"]
    _stale(job, worker="me")
    assert services.reap(exclude_worker="me") == []
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert services.reap() == []
    job.refresh_from_db()
    assert (job.state, job.worker_id) == ("running", "me")


@override_settings(JOB_MAX_ATTEMPTS=3)
def test_a_job_whose_workers_died_three_times_fails_and_can_be_retried(queued, users):
    job, remittance = queued["job"], queued["remittance"]
    _stale(job, attempts=3)
    assert services.reap() == [job.pk]
    job.refresh_from_db()
    remittance.refresh_from_db()
    assert job.state == "failed"
    assert job.error.startswith("Its worker stopped 3 times before it finished")
    assert remittance.status == "failed" and "Its worker stopped 3 times" in remittance.error
    retried = services.retry(job, user=users["biller"])
    assert (retried.state, retried.attempts, retried.error) == ("queued", 0, "")
    assert execute(retried.pk, retried.token) == "done"
    remittance.refresh_from_db()
    assert remittance.status == "done"
    with pytest.raises(services.JobRefused, match="Only a failed job"):
        services.retry(retried, user=users["biller"])


def test_a_task_taken_by_a_worker_that_died_before_starting_the_job_is_queued_again(queued):
    job = queued["job"]
    old_token, old_task = job.token, job.task_id
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    DBTaskResult.objects.filter(id=old_task).update(status="RUNNING", started_at=long_ago)
    Job.objects.filter(pk=job.pk).update(updated=long_ago)
    assert services.reap() == [job.pk]
    job.refresh_from_db()
    assert job.state == "queued" and job.token != old_token
    assert DBTaskResult.objects.get(id=old_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"


def test_a_busy_database_queues_the_job_again_then_it_posts(queued, monkeypatch):
    from knead.remittance import jobs as remittance_jobs

    original = remittance_jobs.post_remittance
    calls = []

    def busy_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return original(*args, **kwargs)

    monkeypatch.setattr(remittance_jobs, "post_remittance", busy_once)
    job = queued["job"]
    assert execute(job.pk, job.token) == "retry"
    job.refresh_from_db()
    assert (job.state, job.note) == ("queued", "Waiting to try again: the database was busy.")
    assert DBTaskResult.objects.get(id=job.task_id).run_after > timezone.now()  # a little later
    assert execute(job.pk, job.token) == "done"
    assert Remittance.objects.get(pk=queued["remittance"].pk).status == "done"


def test_a_job_that_fails_says_why_in_plain_words(practice, users):
    job = services.enqueue("superbill_batch", practice, users["biller"], batch=999999,
                           issued_on="2026-04-01")  # fmt: skip
    assert execute(job.pk, job.token) == "failed"
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", "The batch this job was to make has been removed.")
    assert job.finished_at is not None


def test_an_unexpected_error_fails_the_job_and_marks_its_remittance(queued, monkeypatch):
    from knead.remittance import jobs as remittance_jobs

    def broken(*args, **kwargs):
        raise ValueError("a segment Knead cannot post")

    monkeypatch.setattr(remittance_jobs, "post_remittance", broken)
    job = queued["job"]
    assert execute(job.pk, job.token) == "failed"
    job.refresh_from_db()
    assert job.error == "It stopped on an unexpected error: ValueError: a segment Knead cannot post"
    remittance = Remittance.objects.get(pk=queued["remittance"].pk)
    assert remittance.status == "failed" and "a segment Knead cannot post" in remittance.error
    assert not Posting.objects.filter(remittance=remittance).exists()


def test_the_heartbeat_writes_progress_renews_the_lease_and_notices_a_takeover(queued):
    job = queued["job"]
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker_id="w1",
                                         heartbeat_at=timezone.now() - dt.timedelta(seconds=20))  # fmt: skip
    job.refresh_from_db()
    then = job.heartbeat_at
    Worker.objects.create(worker_id="w1", hostname="h", pid=1, started_at=then, seen_at=then)
    session = WorkerSession("w1")
    ctx = JobContext(job, session)
    session.current = ctx
    ctx.progress(250, 1000, "Posting 1,000 claims")
    session.beat()  # what the heartbeat thread does every third of the lease
    job.refresh_from_db()
    assert (job.done, job.total, job.note, job.percent) == (250, 1000, "Posting 1,000 claims", 25)
    assert job.heartbeat_at > then and Worker.objects.get().seen_at > then
    # Another worker took the job over (a new token): this attempt must stop.
    Job.objects.filter(pk=job.pk).update(token="taken-over", state=JobState.QUEUED)
    session.beat()
    with pytest.raises(JobLost):
        ctx.progress(300)
