"""The Jobs page: the practice's long jobs with their progress (polled with htmx), errors and
a Retry button for failed ones."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from knead.accounts.roles import allowed
from knead.audit.models import Action
from knead.audit.services import record
from knead.jobs import registry, services
from knead.jobs.models import Job, JobState


def _kinds(request: HttpRequest) -> list[str]:
    kinds = services.visible_kinds(lambda permission: allowed(request, permission))
    if not kinds:
        raise PermissionDenied("Your role sees no kind of job.")
    return kinds


def _row(request: HttpRequest, job: Job) -> dict[str, Any]:
    kind = registry.get(job.kind)
    return {
        "job": job,
        "label": kind.label if kind else job.kind,
        "link": kind.link(job) if kind and kind.link else None,
        "can_retry": bool(kind and job.state == JobState.FAILED and allowed(request, kind.retry)),
    }


def _job(request: HttpRequest, pk: int) -> Job:
    job = services.jobs_for(request.practice, _kinds(request)).filter(pk=pk).first()
    if job is None:
        raise Http404("No such job.")
    return job


def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.jobs_for(request.practice, _kinds(request)), 50).get_page(
        request.GET.get("page")
    )
    record(request, Action.LIST, object_type="jobs.job")
    return render(
        request, "jobs/list.html", {"page_obj": page, "rows": [_row(request, j) for j in page]}
    )


def job_row(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: one job's row, polled until the job is finished."""
    return render(request, "jobs/_row.html", {"row": _row(request, _job(request, pk))})


@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    kind = registry.get(job.kind)
    if kind is None or not allowed(request, kind.retry):
        raise PermissionDenied("Your role cannot retry this job.")
    try:
        services.retry(job, user=request.user)
    except services.JobRefused as error:
        messages.error(request, str(error))
    else:
        record(request, Action.UPDATE, job, detail="retry")
        messages.success(request, f"{kind.label} queued again (job {job.pk}).")
    return redirect("jobs:list")
