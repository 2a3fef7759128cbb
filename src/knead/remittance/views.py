"""Remittance pages: 835 upload and posting progress, the denial work queue and its actions,
appeals (the old client-ledger addresses lead to the ledger app), reports with charts and CSV,
the billing-service overview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from knead.accounts.roles import PERMISSIONS, allowed, requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.claims import eligibility
from knead.claims.models import Claim
from knead.claims.services import BillingRefused, import_acknowledgement
from knead.claims.states import ClaimState
from knead.claims.transport import transport_for
from knead.clients.models import Client
from knead.csv_export import csv_response
from knead.practice import clock
from knead.remittance import queue, reports, selectors
from knead.remittance.charts import bar_chart
from knead.remittance.documents import appeal_packet
from knead.remittance.imports import import_job, start_import
from knead.remittance.models import (
    Appeal,
    AppealStatus,
    Remittance,
    WorkItem,
    WorkKind,
    WorkStatus,
)
from knead.remittance.secondary import secondary_claim


def _pdf(request: HttpRequest, obj: object, data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    record(request, Action.EXPORT, obj)  # type: ignore[arg-type]
    return response


@requires("billing.view")
def remittance_list(request: HttpRequest) -> HttpResponse:
    record(request, Action.LIST, object_type="remittance.remittance")
    items = Remittance.objects.for_practice(request.practice).defer("content")
    return render(
        request,
        "remittance/remittance_list.html",
        {"page_obj": Paginator(items, 50).get_page(request.GET.get("page"))},
    )


@require_POST
@requires("billing.edit")
def remittance_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an 835 file.")
        return redirect("remittance:list")
    try:
        result = start_import(
            upload.read().decode("latin-1"),
            name=upload.name,
            user=request.user,
            practice=request.practice,
        )
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect("remittance:list")
    if result.already:
        messages.info(request, result.message)
    else:
        record(request, Action.CREATE, result.remittance)
        if result.job is not None:
            record(request, Action.CREATE, result.job)
    return redirect(result.remittance)


@requires("billing.view")
def remittance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = get_object_or_404(Remittance.objects.for_practice(request.practice), pk=pk)
    record(request, Action.VIEW, remittance)
    postings = remittance.postings.select_related("claim", "line").order_by("id")
    return render(
        request,
        "remittance/remittance_detail.html",
        {
            "r": remittance,
            "job": import_job(remittance),
            "postings": Paginator(postings, 200).get_page(request.GET.get("page")),
            "items": remittance.work_items.filter(status=WorkStatus.OPEN)[:200],
        },
    )


@requires("billing.view")
def remittance_progress(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = get_object_or_404(Remittance.objects.for_practice(request.practice), pk=pk)
    response = render(
        request, "remittance/_progress.html", {"r": remittance, "job": import_job(remittance)}
    )
    if remittance.status not in ("queued", "running"):
        response["HX-Refresh"] = "true"
    return response


@requires("billing.view")
def denial_queue(request: HttpRequest) -> HttpResponse:
    items = (
        WorkItem.objects.for_practice(request.practice)
        .filter(status=WorkStatus.OPEN)
        .select_related("claim__client", "claim__payer", "line", "remittance")
        .defer("remittance__content")
        .order_by("created", "id")
    )
    kind = request.GET.get("kind", "")
    if kind:
        items = items.filter(kind=kind)
    counts = selectors.open_queue_counts(request.practice)
    paginator = Paginator(items, 50)
    paginator.count = counts.get(kind, 0) if kind else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    record(request, Action.LIST, object_type="remittance.workitem")
    return render(
        request,
        "remittance/queue.html",
        {
            "page_obj": page,
            "rows": [(i, queue.explain(i)) for i in page],
            "kind": kind,
            "counts": [(k, dict(WorkKind.choices)[k], n) for k, n in counts.items()],
        },
    )


@requires("billing.view")
def work_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        WorkItem.objects.for_practice(request.practice)
        .select_related("remittance")
        .defer("remittance__content"),
        pk=pk,
    )
    record(request, Action.VIEW, item)
    lines = item.claim.lines.all() if item.claim else []
    return render(
        request,
        "remittance/work_item.html",
        {
            "item": item,
            "explanations": queue.explain(item),
            "lines": lines,
            "candidates": queue.claim_candidates(item),
            "appealable": queue.APPEALABLE,
        },
    )


@require_POST
@requires("billing.edit")
def act(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(WorkItem.objects.for_practice(request.practice), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "write_off":
            queue.write_off(item, reason=request.POST.get("reason", ""), user=request.user)
            messages.success(request, "Written off.")
        elif action == "bill_client":
            queue.bill_client(item, user=request.user, waiver=request.POST.get("waiver") == "on")
            messages.success(request, "Moved to the client's balance.")
        elif action == "resubmit":
            changes = {}
            for line in item.claim.lines.all() if item.claim else []:
                raw = request.POST.get(f"modifiers-{line.position}")
                if raw is not None:
                    changes[line.position] = [
                        m.strip().upper() for m in raw.split(",") if m.strip()
                    ][:4]
            new = queue.resubmit(item, user=request.user, modifiers=changes)
            record(request, Action.CREATE, new)
            return redirect(new)
        elif action == "post_to_claim":
            number = request.POST.get("claim", "").strip()
            claim = Claim.objects.for_practice(request.practice).filter(claim_id=number).first()
            if claim is None:
                raise BillingRefused(
                    f"No claim numbered “{number}” in this practice."
                    if number
                    else "Choose the claim this payment is for."
                )
            queue.post_to_claim(item, claim, user=request.user)
            record(request, Action.UPDATE, claim, detail="835 claim posted by hand")
            messages.success(request, f"Posted to claim {claim.claim_id}.")
            record(request, Action.UPDATE, item, detail=action)
            return redirect(claim)
        elif action == "dismiss":
            queue.dismiss(item, note=request.POST.get("note", ""), user=request.user)
            messages.success(request, "Marked done.")
        elif action == "appeal":
            appeal = queue.start_appeal(item.claim, user=request.user, item=item)
            record(request, Action.CREATE, appeal)
            return redirect(appeal)
        else:
            raise BillingRefused("Unknown action.")
    except (BillingRefused, ValueError) as error:
        messages.error(request, str(error))
        return redirect(item)
    record(request, Action.UPDATE, item, detail=action or "")
    return redirect("remittance:queue")


@require_POST
@requires("billing.edit")
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.for_practice(request.practice), pk=pk)
    try:
        appeal = queue.start_appeal(claim, user=request.user)
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect(claim)
    record(request, Action.CREATE, appeal)
    return redirect(appeal)


@requires("billing.view")
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.for_practice(request.practice), pk=pk)
    if request.method == "POST":
        if not allowed(request, "billing.edit"):
            raise PermissionDenied("Your role cannot do this (billing.edit).")
        what = request.POST.get("do")
        try:
            if what == "save":
                appeal.letter = request.POST.get("letter", appeal.letter)
                appeal.attach_notes = request.POST.get("attach_notes") == "on"
                appeal.attach_referral = request.POST.get("attach_referral") == "on"
                appeal.stamp(request.user)
                appeal.save()
            elif what == "sent":
                queue.mark_sent(appeal, user=request.user, sent_on=clock.today(request.practice))
            elif what == "outcome":
                queue.record_outcome(
                    appeal,
                    user=request.user,
                    status=request.POST.get("status", ""),
                    outcome=request.POST.get("outcome", ""),
                )
        except BillingRefused as error:
            messages.error(request, str(error))
        record(request, Action.UPDATE, appeal, detail=what or "")
        return redirect(appeal)
    record(request, Action.VIEW, appeal)
    return render(
        request,
        "remittance/appeal.html",
        {
            "appeal": appeal,
            "outcomes": [
                (AppealStatus.WON, "Won"),
                (AppealStatus.PARTLY_WON, "Partly won"),
                (AppealStatus.LOST, "Lost"),
            ],
        },
    )


@requires("billing.view")
def appeal_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.for_practice(request.practice), pk=pk)
    return _pdf(request, appeal, appeal_packet(appeal), f"appeal-{appeal.claim.claim_id}.pdf")


def _client_url(request: HttpRequest, pk: int, name: str) -> str:
    client = get_object_or_404(Client.objects.for_practice(request.practice), pk=pk)
    return reverse(name, args=[client.pk])


# The client ledger, its statement and its payments moved to the ledger app; the old
# addresses lead there.
@requires("billing.view")
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_client_url(request, pk, "ledger:client"))


@requires("billing.view")
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_client_url(request, pk, "ledger:client") + "#statements")


@require_POST
@requires("payments.take")
def payment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A payment posted to the old address goes on, still a POST, to the ledger's (307)."""
    response = HttpResponse(status=307)
    response["Location"] = _client_url(request, pk, "ledger:payment_new")
    return response


def _report_query(request: HttpRequest) -> reports.ReportQuery:
    return reports.report_query(
        start=request.GET.get("from"),
        end=request.GET.get("to"),
        as_of=request.GET.get("as_of"),
        today=clock.today(request.practice),
    )


@requires("billing.view")
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports, with one period and one as-of date carried into every link."""
    record(request, Action.LIST, object_type="report")
    try:
        query, error = _report_query(request), ""
    except reports.ReportInputError as problem:
        query = reports.report_query(
            start="", end="", as_of="", today=clock.today(request.practice)
        )
        error = str(problem)
    return render(
        request,
        "remittance/reports.html",
        {"reports": reports.REPORTS.values(), "query": query, "error": error},
        status=400 if error else 200,
    )


@requires("billing.view")
def report(request: HttpRequest, name: str) -> HttpResponse:
    """One report as a page (chart and table) or, with ``?format=csv``, as its CSV."""
    if name not in reports.REPORTS:
        raise Http404
    spec = reports.REPORTS[name]
    today = clock.today(request.practice)
    try:
        query = _report_query(request)
    except reports.ReportInputError as problem:
        if request.GET.get("format") == "csv":
            return HttpResponse(str(problem), status=400, content_type="text/plain; charset=utf-8")
        return render(
            request,
            "remittance/report.html",
            {"spec": spec, "error": str(problem), "values": request.GET},
            status=400,
        )
    data = reports.build_report(request.practice, name, query, today)
    if request.GET.get("format") == "csv":
        record(request, Action.EXPORT, object_type="report", detail=name)
        return csv_response(reports.report_csv(data), reports.csv_filename(name, query, today))
    record(request, Action.VIEW, object_type="report", detail=name)
    return render(
        request,
        "remittance/report.html",
        {
            "spec": spec,
            "report": data,
            "query": query,
            "chart": mark_safe(bar_chart(data.chart, label=data.chart_label)),
        },
    )


@requires("billing.view")
def service_overview(request: HttpRequest) -> HttpResponse:
    """Every practice the user bills for, with its queue counts (counted per practice)."""
    rows = []
    for membership in request.memberships:
        if membership.role not in PERMISSIONS["billing.view"]:
            continue
        practice = membership.practice
        counts = selectors.open_queue_counts(practice)
        claims = Claim.objects.filter(practice=practice, deleted_at__isnull=True)
        rows.append(
            {
                "practice": practice,
                "role": membership.get_role_display(),
                "drafts": claims.filter(status=ClaimState.DRAFT).count(),
                "ready": claims.filter(status=ClaimState.READY).count(),
                "rejected": claims.filter(status=ClaimState.REJECTED).count(),
                "queue": sum(counts.values()),
                "current": practice.pk == request.practice.pk,
            }
        )
    record(request, Action.LIST, object_type="practice.practice", detail="billing service")
    return render(request, "remittance/service.html", {"rows": rows})


# --- the next payer, and the inbound folder (claims and remittance meet here) ------------


@require_POST
@requires("billing.edit")
def claim_secondary(request: HttpRequest, pk: int) -> HttpResponse:
    """Bill the next payer: a secondary claim with the primary's adjudication."""
    claim = get_object_or_404(Claim.objects.for_practice(request.practice), pk=pk)
    try:
        new = secondary_claim(claim, user=request.user)
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect(claim)
    record(request, Action.CREATE, new)
    return redirect(new)


@require_POST
@requires("billing.edit")
def inbound_pickup(request: HttpRequest) -> HttpResponse:
    """Import every file waiting in the inbound folder (835, 999, 277CA, 271)."""
    transport = transport_for(request.practice.pk)
    done = []
    for file in transport.receive():
        try:
            if "*835*" in file.content[:400]:
                start_import(
                    file.content, name=file.name, user=request.user, practice=request.practice
                )
            elif "*271*" in file.content[:400]:
                eligibility.import_271_anywhere(
                    file.content, practice=request.practice, user=request.user
                )
            else:
                import_acknowledgement(
                    file.content, name=file.name, user=request.user, practice=request.practice
                )
        except BillingRefused as error:
            messages.error(request, f"{file.name}: {error}")
            continue
        transport.done(file.name)
        done.append(file.name)
    messages.success(request, f"Imported {len(done)} file(s) from the inbound folder.")
    return redirect(request.POST.get("next") or "claims:batches")
