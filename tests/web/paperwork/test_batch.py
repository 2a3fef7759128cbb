"""Monthly superbill batches: their job runs inline in these tests (conftest.inline_jobs)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from knead.audit.models import Action, AuditEvent
from knead.clients.models import Client, Coverage
from knead.paperwork.models import BatchJob, JobStatus

from .conftest import add_visit, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(paper) -> dict:
    """Jordan: 2 signed March visits. Sam: 1 signed, 1 unsigned. One April visit (not in March).
    All are superbill visits: the client pays and claims it back."""
    sam = Client.objects.create(
        practice=paper["practice"], first_name="Sam", last_name="Sample",
        date_of_birth=dt.date(1990, 1, 1),
    )  # fmt: skip
    coverage = Coverage.objects.create(
        practice=paper["practice"], client=sam, payer=paper["payer"], member_id="SAM-1"
    )
    path = {"billing_path": "superbill"}
    add_visit(paper, dt.date(2026, 3, 2), **path)
    add_visit(paper, dt.date(2026, 3, 16), **path)
    add_visit(paper, dt.date(2026, 3, 3), client=sam, coverage=coverage, **path)
    unsigned = add_visit(
        paper, dt.date(2026, 3, 10), client=sam, coverage=coverage, sign=False, **path
    )
    add_visit(paper, dt.date(2026, 4, 1), **path)
    return {"sam": sam, "unsigned": unsigned}


def test_a_month_gives_one_superbill_per_client_and_lists_the_blocked(as_role, paper, march):
    client = as_role("biller")
    response = client.post(reverse("paperwork:months"), {"month": "2026-03"})
    assert response.status_code == 302
    assert response["Location"] == reverse("paperwork:month", args=["2026-03"])
    job = BatchJob.objects.get()
    assert (job.status, job.total, job.done, job.issued, job.visits) == (JobStatus.DONE, 2, 2, 1, 4)
    assert [p["client"] for p in job.problems] == ["Sam Sample"]
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "1 superbill issued, 1 blocked" in page
    assert reverse("visits:detail", args=[march["unsigned"].pk]) in page  # "Sign the note"
    assert "hx-get" not in page  # finished: no more polling

    download = client.get(reverse("paperwork:month_download", args=["2026-03"]))
    assert download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = sorted(archive.namelist())
    assert names[0] == "BLOCKED.txt"
    assert names[1].startswith("superbill-Example-Jordan-C") and len(names) == 2
    text = pdf_text(archive.read(names[1]))
    # March only: 03/02 and 03/16, 2 x $120.00, each visit's note after the superbill.
    assert "03/02/2026 11 97124" in text and "03/16/2026 11 97124" in text
    assert "04/01/2026" not in text
    assert "Total charges $240.00" in text
    assert text.count("SOAP Note (signed)") == 2
    assert "Sam Sample" in archive.read("BLOCKED.txt").decode()
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, object_type="paperwork.batchjob", object_id=str(job.pk)
    ).exists()


def test_progress_fragment_polls_while_the_job_runs(as_role, paper):
    job = BatchJob.objects.create(
        practice=paper["practice"], month=dt.date(2026, 3, 1), status=JobStatus.RUNNING,
        total=8, done=2,
    )  # fmt: skip
    fragment = as_role("owner").get(reverse("paperwork:month_progress", args=["2026-03"]))
    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'value="25"' in html  # 2 of 8
    assert "2 of 8 clients" in html
    assert job.percent == 25


def test_a_month_without_visits_finishes_with_nothing_to_download(as_role, paper):
    client = as_role("owner")
    client.post(reverse("paperwork:months"), {"month": "2026-01"})
    job = BatchJob.objects.get()
    assert (job.status, job.total, job.issued) == (JobStatus.DONE, 0, 0)
    page = client.get(reverse("paperwork:month", args=["2026-01"])).content.decode()
    assert "0 superbills issued" in page
    assert "Download the ZIP" not in page


def test_another_practices_batch_is_not_found(as_role, paper, march, other_records):
    from ..conftest import signed_in

    as_role("owner").post(reverse("paperwork:months"), {"month": "2026-03"})
    other = signed_in(other_records["owner"])
    for name in ("paperwork:month", "paperwork:month_progress", "paperwork:month_download"):
        response = other.get(reverse(name, args=["2026-03"]))
        assert response.status_code == 404, name
        assert b"Jordan" not in response.content


def test_the_batch_list_links_each_months_latest_run(as_role, paper, march):
    client = as_role("owner")
    for month in ("2026-03", "2026-04", "2026-03"):
        client.post(reverse("paperwork:months"), {"month": month})
    html = client.get(reverse("paperwork:months")).content.decode()
    assert html.count(reverse("paperwork:month_download", args=["2026-03"])) == 1
    assert html.count(reverse("paperwork:month_download", args=["2026-04"])) == 1
    assert "(earlier run)" in html


def test_a_failed_batch_says_why_and_a_retry_makes_the_month_again_from_the_start(
    as_role, paper, march
):
    from knead.jobs import registry
    from knead.jobs.models import Job, JobState

    client = as_role("owner")
    client.post(reverse("paperwork:months"), {"month": "2026-03"})
    batch = BatchJob.objects.get()
    first_run = (batch.status, batch.total, batch.done, batch.issued, len(batch.problems))
    job = Job.objects.get(kind="superbill_batch")
    # As when the job's workers kept dying midway: the runner fails the job and tells the batch.
    message = "Its worker stopped 3 times before it finished."
    BatchJob.objects.filter(pk=batch.pk).update(status=JobStatus.RUNNING, done=1)
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, error=message)
    registry.get("superbill_batch").on_failed(job, message)
    html = client.get(reverse("paperwork:month", args=["2026-03"])).content.decode()
    assert f"The batch stopped: {message}" in html and reverse("jobs:list") in html
    assert "hx-get" not in html
    client.post(reverse("jobs:retry", args=[job.pk]))  # the job runs inline in these tests
    batch.refresh_from_db()
    again = (batch.status, batch.total, batch.done, batch.issued, len(batch.problems))
    assert again == first_run and batch.status == JobStatus.DONE  # nothing counted twice
