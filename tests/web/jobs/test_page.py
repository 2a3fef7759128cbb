"""The Jobs page (kind, state, progress bar, error, Retry), its polled rows, who sees what, and
``knead jobs`` and ``knead era import`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.audit.models import Action, AuditEvent
from knead.cli import main
from knead.jobs import services
from knead.jobs.models import Job, JobState
from knead.remittance.models import Remittance

from ..billing.test_era_duplicates import _clp, _era
from ..conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(practice, users) -> dict[str, Job]:
    """A running 835 import (250 of 1,000 claims) and a failed month of superbills."""
    remittance = Remittance.objects.create(
        practice=practice, file_name="big.835", sha256="a" * 64, content="", claim_count=1000
    )
    running = services.enqueue("era_import", practice, users["biller"], remittance=remittance.pk)
    Job.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, done=250, total=1000, note="Posting 1,000 claims",
        started_at=timezone.now(), heartbeat_at=timezone.now(),
    )  # fmt: skip
    failed = services.enqueue("superbill_batch", practice, users["owner"], batch=0,
                              issued_on="2026-04-01")  # fmt: skip
    Job.objects.filter(pk=failed.pk).update(
        state=JobState.FAILED, error="The batch this job was to make has been removed.",
        finished_at=timezone.now(),
    )  # fmt: skip
    return {"running": running, "failed": failed}


def test_the_jobs_page_shows_kind_state_progress_and_error(as_role, jobs):
    page = as_role("owner").get(reverse("jobs:list")).content.decode()
    assert "835 import" in page and "Month-end superbills" in page
    assert 'value="25"' in page and "250 of 1,000" in page  # 250 of 1,000 = 25 %
    assert "Posting 1,000 claims" in page
    assert "The batch this job was to make has been removed." in page
    running, failed = jobs["running"], jobs["failed"]
    # The running job's row polls its fragment; the finished one does not.
    assert f'hx-get="{reverse("jobs:row", args=[running.pk])}"' in page
    assert reverse("jobs:row", args=[failed.pk]) not in page
    assert page.count(">Retry</button>") == 1  # only the failed job
    assert "<script>" not in page  # no inline script: the CSP forbids it
    assert AuditEvent.objects.filter(action=Action.LIST, object_type="jobs.job").exists()


def test_a_polled_row_shows_the_progress_the_worker_wrote(as_role, jobs):
    running = jobs["running"]
    Job.objects.filter(pk=running.pk).update(done=750)
    row = as_role("biller").get(reverse("jobs:row", args=[running.pk])).content.decode()
    assert 'value="75"' in row and "750 of 1,000" in row and 'hx-trigger="every 2s"' in row


def test_retrying_a_failed_job_queues_it_again_and_is_audited(as_role, jobs):
    failed = jobs["failed"]
    response = as_role("owner").post(reverse("jobs:retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.error, failed.note) == ("queued", "", "Queued again.")
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="jobs.job", object_id=str(failed.pk), detail="retry"
    ).exists()


def test_each_role_sees_and_retries_only_the_jobs_its_role_may(as_role, jobs):
    # The front desk makes month-end superbills but may not post 835s: it sees the 835 import,
    # retries only the superbills.
    desk = as_role("front_desk")
    page = desk.get(reverse("jobs:list")).content.decode()
    assert "835 import" in page and page.count(">Retry</button>") == 1
    Job.objects.filter(pk=jobs["running"].pk).update(state=JobState.FAILED)
    assert desk.post(reverse("jobs:retry", args=[jobs["running"].pk])).status_code == 403
    # A therapist has no kind of job to see.
    assert as_role("therapist").get(reverse("jobs:list")).status_code == 403


def test_another_practices_jobs_are_not_found(jobs, other_records):
    other = signed_in(other_records["owner"])
    assert b"835 import" not in other.get(reverse("jobs:list")).content
    for name in ("jobs:row", "jobs:retry"):
        method = other.post if name == "jobs:retry" else other.get
        assert method(reverse(name, args=[jobs["failed"].pk])).status_code == 404


def test_knead_jobs_lists_kind_state_progress_and_error(jobs, capsys):
    assert main(["jobs", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    running, failed = rows[jobs["running"].pk], rows[jobs["failed"].pk]
    assert (running["kind"], running["state"], running["percent"], running["done"]) == (
        "era_import",
        "running",
        25,
        250,
    )
    assert (failed["label"], failed["state"]) == ("Month-end superbills", "failed")
    assert failed["error"] == "The batch this job was to make has been removed."
    assert main(["jobs", "--state", "failed"]) == 0
    text = capsys.readouterr().out
    assert "Month-end superbills" in text and "835 import" not in text
    assert main(["jobs", "--state", "stuck"]) == 2


@pytest.fixture
def era_file(tmp_path, practice, users) -> Path:
    import datetime as dt

    from knead.claims.models import Claim
    from knead.claims.services import create_claims

    from ..billing.factories import billing_setup, signed_visit

    setup = billing_setup(practice, users["therapist"])
    visit = signed_visit(setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])],
                         users["biller"])  # fmt: skip
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    Claim.objects.filter(pk=claim.pk).update(status="accepted")
    path = tmp_path / "era.835"
    path.write_text(_era("EFT0800", "41.60", [_clp(claim.claim_id, "PCN1", "20260302")]))
    return path


def test_era_import_posts_then_refuses_the_same_file_and_a_malformed_one(
    era_file, practice, capsys
):
    assert main(["era", "import", str(era_file), "--practice", practice.name]) == 0
    out = capsys.readouterr().out
    assert "Posted era.835: 1 claims (1 matched, 0 not found" in out
    resend = era_file.with_name("resend.835")
    resend.write_text(era_file.read_text().replace("~", "~\n"))
    assert main(["era", "import", str(resend), "--practice", str(practice.pk)]) == 3
    assert "already imported as era.835" in capsys.readouterr().err
    bad = era_file.with_name("bad.835")
    bad.write_text("ISA*00*bad~")
    assert main(["era", "import", str(bad), "--practice", practice.name]) == 2
    err = capsys.readouterr().err
    assert "could not be read" in err and "segment" in err and "Nothing was changed" in err
    assert Remittance.objects.count() == 1
    assert main(["era", "import", str(era_file), "--practice", "No Such Practice"]) == 2


def test_era_import_queue_prints_the_job_id_and_leaves_the_posting_to_a_worker(
    era_file, practice, capsys
):
    assert main(["era", "import", str(era_file), "--practice", practice.name, "--queue"]) == 0
    job = Job.objects.get(pk=int(capsys.readouterr().out.strip()))
    assert (job.kind, job.state, job.created_by) == ("era_import", "queued", None)
    remittance = Remittance.objects.get()
    assert remittance.status == "queued" and not remittance.postings.exists()


def test_an_upload_over_the_threshold_is_queued_and_its_page_waits_for_a_worker(
    as_role, era_file, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knead.remittance import imports

    monkeypatch.setattr(imports, "BACKGROUND_CLAIMS", 0)  # this 1-claim file counts as large
    client = as_role("biller")
    upload = SimpleUploadedFile("era.835", era_file.read_bytes())
    response = client.post(reverse("remittance:upload"), {"file": upload}, follow=True)
    job = Job.objects.get(kind="era_import")
    page = response.content.decode()
    assert f"Waiting for a worker (job {job.pk})" in page
    assert reverse("remittance:progress", args=[Remittance.objects.get().pk]) in page  # polls
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="jobs.job").exists()
    jobs_page = client.get(reverse("jobs:list")).content.decode()
    assert reverse("remittance:detail", args=[Remittance.objects.get().pk]) in jobs_page
