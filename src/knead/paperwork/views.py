"""Paperwork pages: the documents of a visit, of a client (a date range, the reimbursement kit),
monthly superbill batches and the printer offsets. Every PDF is previewed inline or downloaded,
with ``Cache-Control: no-store`` and an EXPORT audit entry."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from knead.accounts.roles import allowed, requires
from knead.audit.models import Action
from knead.audit.services import changed_fields_detail, record
from knead.billing.documents.superbill import SuperbillBlocked
from knead.billing.forms.render import FormMode
from knead.claims.services import visit_claim
from knead.clients.models import Client, Coverage
from knead.paperwork import services
from knead.paperwork.batch import month_bounds, start_batch
from knead.paperwork.forms import (
    CallAnswersForm,
    Cms1500Form,
    MonthForm,
    NecessityForm,
    PrintSettingsForm,
    RangeForm,
)
from knead.paperwork.models import BatchJob
from knead.practice import clock
from knead.practice.services import save_record
from knead.visits.models import Visit
from knead.visits.to_claim import claim_id_for_visit


def pdf_response(
    request: HttpRequest, data: bytes, *, name: str, obj: models.Model | None, what: str
) -> HttpResponse:
    """A PDF shown in the browser (default) or downloaded (``?download=1``), never cached, and
    audited as an export. The file name carries record numbers only, never a client's name."""
    download = request.GET.get("download") == "1" or request.POST.get("download") == "1"
    record(
        request,
        Action.EXPORT,
        obj,
        object_type="" if obj else "paperwork.batchjob",
        detail=f"{what} ({'download' if download else 'preview'})",
    )
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _visit(request: HttpRequest, pk: int) -> Visit:
    visits = services.visits_for_paperwork(Visit.objects.for_practice(request.practice))
    return get_object_or_404(visits, pk=pk)


def _check(
    request: HttpRequest, visits: list[Visit], payments: dict[int, services.Payment]
) -> tuple[services.SuperbillCheck | None, str]:
    """The superbill check as of the practice's today, or why no superbill can be made of these
    visits at all."""
    try:
        return services.check_superbill(
            visits, issued_on=clock.today(request.practice), payments=payments
        ), ""
    except ValueError as error:
        return None, str(error)


def _blocked(request: HttpRequest, check: services.SuperbillCheck, back: str) -> HttpResponse:
    return render(request, "paperwork/blocked.html", {"check": check, "back": back}, status=409)


# ---------------------------------------------------------------------------- one visit


@requires("paperwork.print")
def visit_paperwork(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    payments = services.payments_for([visit])
    check, refusal = _check(request, [visit], payments)
    record(request, Action.VIEW, visit, detail="paperwork")
    return render(
        request,
        "paperwork/visit.html",
        {
            "visit": visit,
            "check": check,
            "refusal": refusal,
            "paid": payments[visit.pk],
            "cms_form": Cms1500Form(),
            "billed_directly": services.billed_directly(visit),
            "visit_claim": visit_claim(visit),
            "charge": services.visit_charge(visit),
            "offset": services.print_settings(request.practice),
        },
    )


@requires("paperwork.print")
def visit_superbill(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    payments = services.payments_for([visit])
    try:
        check = services.check_superbill(
            [visit], issued_on=clock.today(request.practice), payments=payments
        )
        data = services.superbill_packet(check)
    except SuperbillBlocked:
        return _blocked(request, check, back=visit.get_absolute_url())
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("paperwork:visit", pk=pk)
    return pdf_response(
        request, data, name=f"superbill-{claim_id_for_visit(visit)}", obj=visit, what="superbill"
    )


@requires("paperwork.print")
def visit_soap_note(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    try:
        data = services.soap_note_pdf(visit)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("paperwork:visit", pk=pk)
    return pdf_response(
        request, data, name=f"soap-note-{claim_id_for_visit(visit)}", obj=visit, what="SOAP note"
    )


def _cms1500(
    request: HttpRequest, visits: list[Visit], name: str, obj: models.Model
) -> HttpResponse:
    form = Cms1500Form(request.GET or None)
    mode = FormMode.REPLICA
    if form.is_valid() and form.cleaned_data["mode"]:
        mode = FormMode(form.cleaned_data["mode"])
    try:
        data = services.cms1500_pdf(visits, mode=mode, signed_on=clock.today(request.practice))
    except ValueError as error:
        messages.error(request, f"The CMS-1500 cannot be printed: {error}")
        return redirect(obj)
    return pdf_response(request, data, name=f"cms1500-{name}", obj=obj, what=f"CMS-1500 {mode}")


@requires("paperwork.print")
def visit_cms1500(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    return _cms1500(request, [visit], claim_id_for_visit(visit), visit)


@requires("paperwork.print")
def visit_necessity(request: HttpRequest, pk: int) -> HttpResponse:
    """The LMN: facts pre-filled from the case, the text regenerated from them on request,
    then edited and printed."""
    visit = _visit(request, pk)
    if request.method == "POST":
        form = NecessityForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"].strip()
            printing = request.POST.get("action") == "print" or "download" in request.POST
            if printing and text:
                return pdf_response(
                    request,
                    services.necessity_letter_pdf(text),
                    name=f"medical-necessity-{claim_id_for_visit(visit)}",
                    obj=visit,
                    what="letter of medical necessity",
                )
            data = form.data.copy()
            data["text"] = services.necessity_letter_text(
                visit, form.draft(), written_on=clock.today(request.practice)
            )
            form = NecessityForm(data)
            form.is_valid()
    else:
        draft = services.necessity_draft(visit)
        form = NecessityForm(initial=NecessityForm.initial_from(draft))
        form.initial["text"] = services.necessity_letter_text(
            visit, draft, written_on=clock.today(request.practice)
        )
    record(request, Action.VIEW, visit, detail="letter of medical necessity")
    return render(request, "paperwork/necessity.html", {"visit": visit, "form": form})


# ---------------------------------------------------------------------------- a client


def _client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(Client.objects.for_practice(request.practice), pk=pk)


def _default_range(client: Client) -> tuple[dt.date, dt.date]:
    """The month of the client's latest visit (clients often file monthly)."""
    latest = Visit.objects.for_practice(client.practice).filter(client=client).first()
    return month_bounds(latest.date if latest else clock.today(client.practice))


@requires("paperwork.print")
def client_paperwork(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    start, end = _default_range(client)
    form = RangeForm(request.GET or None, initial={"start": start, "end": end})
    signed_only = False
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        signed_only = form.cleaned_data["signed_only"]
    visits = services.client_visits(client, start, end, signed_only=signed_only)
    payments = services.payments_for(visits)
    for visit in visits:
        visit.paid = payments[visit.pk].amount
    # One superbill per payer or case billed, each checked on its own.
    groups = [
        (group, *_check(request, list(group.visits), payments))
        for group in services.superbill_groups(visits)
    ]
    coverages = list(client.coverages.filter(deleted_at__isnull=True).select_related("payer"))
    latest = Visit.objects.for_practice(request.practice).filter(client=client).first()
    record(request, Action.VIEW, client, detail="paperwork")
    return render(
        request,
        "paperwork/client.html",
        {
            "client": client,
            "form": form,
            "start": start,
            "end": end,
            "visits": visits,
            "groups": groups,
            "coverages": coverages,
            "latest": latest,
            "cms_form": Cms1500Form(),
        },
    )


def _range_visits(request: HttpRequest, client: Client) -> tuple[list[Visit], RangeForm]:
    """The range's visits (only those billed to ``billed_to``, a payer or case key, when
    given); none when the form is invalid (the client page shows its errors)."""
    form = RangeForm(request.GET)
    if not form.is_valid():
        return [], form
    data = form.cleaned_data
    visits = services.client_visits(
        client, data["start"], data["end"], signed_only=data["signed_only"]
    )
    billed_to = request.GET.get("billed_to")
    if billed_to:
        visits = [v for v in visits if services.billed_to_key(v) == billed_to]
    return visits, form


def _back_to_client(request: HttpRequest, client: Client, form: RangeForm) -> HttpResponse:
    if form.is_valid():
        messages.error(request, "There is no visit in this date range.")
    else:
        messages.error(request, "Check the date range.")
    return redirect(f"{reverse('paperwork:client', args=[client.pk])}?{request.GET.urlencode()}")


@requires("paperwork.print")
def client_superbill(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    visits, form = _range_visits(request, client)
    if not visits:
        return _back_to_client(request, client, form)
    back = f"{reverse('paperwork:client', args=[client.pk])}?{request.GET.urlencode()}"
    payments = services.payments_for(visits)
    try:
        check = services.check_superbill(
            visits, issued_on=clock.today(request.practice), payments=payments
        )
        data = services.superbill_packet(check)
    except SuperbillBlocked:
        return _blocked(request, check, back=back)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(back)
    return pdf_response(
        request,
        data,
        name=f"superbill-{check.superbill.number}",
        obj=client,
        what=f"superbill of {len(visits)} visits",
    )


@requires("paperwork.print")
def client_cms1500(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    visits, form = _range_visits(request, client)
    if not visits:
        return _back_to_client(request, client, form)
    name = f"C{client.pk}-{form.cleaned_data['start']:%Y%m%d}-{form.cleaned_data['end']:%Y%m%d}"
    return _cms1500(request, visits, name, client)


def _coverage(request: HttpRequest, pk: int) -> Coverage:
    coverages = Coverage.objects.for_practice(request.practice).select_related(
        "client", "payer", "practice"
    )
    return get_object_or_404(coverages, pk=pk)


@requires("paperwork.print")
def coverage_kit(request: HttpRequest, pk: int) -> HttpResponse:
    coverage = _coverage(request, pk)
    try:
        data = services.kit_pdf(coverage, today=clock.today(request.practice))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("paperwork:client", pk=coverage.client_id)
    return pdf_response(
        request, data, name=f"reimbursement-kit-{coverage.pk}", obj=coverage, what="client kit"
    )


@requires("coverage.edit")
def coverage_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Type the insurer's answers from the kit's call script back into the coverage."""
    coverage = _coverage(request, pk)
    form = CallAnswersForm(request.POST or None, coverage=coverage)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_call_answers(coverage, form.answers(), request=request)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Call logged and the coverage's benefits updated.")
            return redirect("paperwork:client", pk=coverage.client_id)
    if request.method == "GET":
        record(request, Action.VIEW, coverage, detail="call answers form")
    try:
        expectation = services.reimbursement_kit(
            coverage, today=clock.today(request.practice)
        ).expectation
    except ValueError:
        expectation = ()
    return render(
        request,
        "paperwork/answers.html",
        {"coverage": coverage, "form": form, "expectation": expectation},
    )


# ---------------------------------------------------------------------------- batches


@requires("paperwork.batch")
def batches(request: HttpRequest) -> HttpResponse:
    today = clock.today(request.practice)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    form = MonthForm(request.POST or None, initial={"month": last_month})
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        job = start_batch(request.practice, month, user=request.user, issued_on=today)
        record(request, Action.CREATE, job)
        return redirect("paperwork:month", month=f"{month:%Y-%m}")
    record(request, Action.LIST, object_type="paperwork.batchjob")
    return render(
        request,
        "paperwork/batches.html",
        {
            "form": form,
            "jobs": _latest_first(BatchJob.objects.for_practice(request.practice)),
            "can_settings": allowed(request, "paperwork.settings"),
        },
    )


def _latest_first(jobs: models.QuerySet[BatchJob]) -> list[BatchJob]:
    """Recent jobs, newest first; ``is_latest`` marks the one a month's URLs lead to."""
    recent = list(jobs.defer("result")[:24])
    seen: set[dt.date] = set()
    for job in recent:
        job.is_latest = job.month not in seen
        seen.add(job.month)
    return recent


def _job(request: HttpRequest, month: str) -> BatchJob:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404("No such month.") from None
    jobs = BatchJob.objects.for_practice(request.practice).filter(month=first).defer("result")
    job = jobs.first()
    if job is None:
        raise Http404("No batch for this month yet.")
    return job


@requires("paperwork.batch")
def batch(request: HttpRequest, month: str) -> HttpResponse:
    job = _job(request, month)
    record(request, Action.VIEW, job)
    return render(request, "paperwork/batch.html", {"job": job, "month": month})


@requires("paperwork.batch")
def batch_progress(request: HttpRequest, month: str) -> HttpResponse:
    """htmx: the progress bar, polled until the job is finished."""
    job = _job(request, month)
    return render(request, "paperwork/_progress.html", {"job": job, "month": month})


@requires("paperwork.batch")
def batch_download(request: HttpRequest, month: str) -> HttpResponse:
    job = _job(request, month)
    data = BatchJob.objects.filter(pk=job.pk).values_list("result", flat=True).first()
    if not data:
        raise Http404("This batch has no file yet.")
    record(request, Action.EXPORT, job, detail=f"superbill batch ZIP, {job.issued} superbills")
    response = HttpResponse(bytes(data), content_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="superbills-{month}.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- settings


@requires("paperwork.settings")
def print_settings(request: HttpRequest) -> HttpResponse:
    """The practice's offsets for printing data-only CMS-1500s onto red forms."""
    current = services.print_settings(request.practice)
    form = PrintSettingsForm(request.POST or None, instance=current, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        creating = form.instance.pk is None
        saved = save_record(form.instance, user=request.user, practice=request.practice)
        record(
            request,
            Action.CREATE if creating else Action.UPDATE,
            saved,
            detail=changed_fields_detail(form.changed_data),
        )
        messages.success(request, "Printer offsets saved.")
        return redirect("paperwork:print_settings")
    return render(request, "paperwork/print_settings.html", {"form": form})
