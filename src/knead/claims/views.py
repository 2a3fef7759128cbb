"""Claim pages: the list, creating claims from signed visits, a claim with its findings and
history, batches and their files, acknowledgments, eligibility checks."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from knead.accounts.once import once_per_form
from knead.accounts.roles import requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.claims import eligibility
from knead.claims.models import AcknowledgementFile, Batch, Claim, EligibilityCheck
from knead.claims.services import (
    BillingRefused,
    allowed_actions,
    billable_visits,
    build_batch,
    core_claim,
    corrected_claim,
    create_claims,
    fix_link,
    import_acknowledgement,
    move_by_hand,
    recount_open,
    scrub_claim,
    sent_back_by_batching,
)
from knead.claims.states import LABELS, ClaimState, TransitionRefused, hand_moves
from knead.claims.transport import transport_for
from knead.clients.models import Coverage
from knead.practice import clock
from knead.visits.models import Visit

PAGE = 50


def _download(request: HttpRequest, obj: object, content: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    record(request, Action.EXPORT, obj)  # type: ignore[arg-type]
    return response


@requires("billing.view")
def claim_list(request: HttpRequest) -> HttpResponse:
    claims = Claim.objects.for_practice(request.practice).select_related("client", "payer")
    status = request.GET.get("status", "")
    if status in LABELS:
        claims = claims.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        for word in query.split()[:4]:
            claims = claims.filter(
                Q(claim_id__icontains=word)
                | Q(client__last_name__icontains=word)
                | Q(client__first_name__icontains=word)
                | Q(payer__name__icontains=word)
            )
    counts = recount_open(request.practice)
    paginator = Paginator(claims.order_by("-service_from", "-id"), PAGE)
    if not query:
        # The per-status counts are already there: no second COUNT over every claim.
        paginator.count = counts.get(status, 0) if status in LABELS else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    record(request, Action.SEARCH if query else Action.LIST, object_type="claims.claim")
    return render(
        request,
        "claims/claim_list.html",
        {
            "page_obj": page,
            "status": status,
            "query": query,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in LABELS.items()],
        },
    )


@requires("billing.edit")
@once_per_form
def claim_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("visit") if v.isdigit()]
        visits = list(Visit.objects.for_practice(request.practice).filter(pk__in=ids))
        try:
            made = create_claims(
                visits,
                user=request.user,
                practice=request.practice,
                group=request.POST.get("group") == "1",
            )
        except BillingRefused as error:
            messages.error(request, str(error))
            return redirect("claims:new")
        for claim in made:
            record(request, Action.CREATE, claim)
            scrub_claim(claim, user=request.user)
        messages.success(request, f"{len(made)} claim(s) created and scrubbed.")
        return redirect("claims:list")
    visits = billable_visits(request.practice)
    record(request, Action.LIST, object_type="visits.visit", detail="billable")
    return render(request, "claims/claim_new.html", {"visits": visits})


@requires("billing.view")
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(
        Claim.objects.for_practice(request.practice).select_related("client", "payer", "provider"),
        pk=pk,
    )
    record(request, Action.VIEW, claim)
    findings = [{**f, "link": fix_link(claim, f["rule"])} for f in claim.findings]
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "findings": findings,
            "lines": claim.lines.all(),
            "events": claim.events.select_related("user"),
            "postings": claim.postings.select_related("remittance", "line").order_by("id"),
            "items": claim.work_items.all(),
            "appeals": claim.appeals.all(),
            "offers": allowed_actions(claim),
            "held": bool(claim.errors) and ClaimState.READY in hand_moves(claim.state),
        },
    )


def _claim_action(request: HttpRequest, pk: int) -> Claim:
    return get_object_or_404(Claim.objects.for_practice(request.practice), pk=pk)


@require_POST
@requires("billing.edit")
def claim_scrub(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_action(request, pk)
    try:
        scrub_claim(claim, user=request.user)
        messages.success(request, "Scrubbed." if not claim.errors else "The scrubber found errors.")
    except BillingRefused as error:
        messages.error(request, str(error))
    record(request, Action.UPDATE, claim, detail="scrub")
    return redirect(claim)


@require_POST
@requires("billing.edit")
def claim_move(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_action(request, pk)
    wanted = request.POST.get("to", "")
    try:
        target = ClaimState(wanted)
    except ValueError:
        messages.error(request, f"“{wanted[:20]}” is not a claim state; nothing changed.")
        return redirect(claim)
    try:
        move_by_hand(claim, target, user=request.user, reason=request.POST.get("reason", "")[:500])
    except TransitionRefused as error:
        messages.error(request, str(error))
        return redirect(f"{claim.get_absolute_url()}#findings")
    record(request, Action.UPDATE, claim, detail=f"status {target.value}")
    messages.success(request, f"Moved to {target.value.upper()}.")
    return redirect(claim)


@require_POST
@requires("billing.edit")
def claim_correct(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_action(request, pk)
    try:
        new = corrected_claim(
            claim, user=request.user, frequency=request.POST.get("frequency", "7")
        )
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect(claim)
    record(request, Action.CREATE, new)
    return redirect(new)


@requires("billing.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    ready = (
        Claim.objects.for_practice(request.practice)
        .filter(status=ClaimState.READY)
        .values("payer_id", "payer__name")
        .order_by("payer__name")
    )
    per_payer: dict[int, dict] = {}
    for row in ready:
        per_payer.setdefault(
            row["payer_id"], {"id": row["payer_id"], "name": row["payer__name"], "n": 0}
        )["n"] += 1
    record(request, Action.LIST, object_type="claims.batch")
    return render(
        request,
        "claims/batch_list.html",
        {
            "batches": Batch.objects.for_practice(request.practice).select_related("payer")[:100],
            "ready": per_payer.values(),
            "sent_back": [
                {"claim": c, "findings": [f for f in c.findings if f.get("severity") == "error"]}
                for c in sent_back_by_batching(request.practice)
            ],
            "acks": AcknowledgementFile.objects.for_practice(request.practice)[:50],
            "inbound": transport_for(request.practice.pk).receive(),
        },
    )


@require_POST
@requires("billing.edit")
def batch_new(request: HttpRequest) -> HttpResponse:
    claims = Claim.objects.for_practice(request.practice).filter(
        status=ClaimState.READY, payer_id=request.POST.get("payer") or 0
    )
    try:
        result = build_batch(claims.order_by("id"), user=request.user, practice=request.practice)
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect("claims:batches")
    for claim in result.sent_back:
        record(request, Action.UPDATE, claim, detail="status draft (batch-day scrub)")
    if result.batch is None:
        messages.error(request, result.summary)
        return redirect(f"{reverse('claims:batches')}#sent-back")
    record(request, Action.CREATE, result.batch)
    if result.sent_back:
        messages.warning(request, result.summary)
        return redirect(f"{reverse('claims:batches')}#sent-back")
    messages.success(request, result.summary)
    return redirect(result.batch)


@requires("billing.view")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.for_practice(request.practice), pk=pk)
    record(request, Action.VIEW, batch)
    return render(
        request,
        "claims/batch_detail.html",
        {"batch": batch, "claims": batch.claims.select_related("client").order_by("id")},
    )


@requires("billing.view")
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.for_practice(request.practice), pk=pk)
    return _download(request, batch, batch.content, batch.file_name)


@require_POST
@requires("billing.edit")
def batch_send(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(Batch.objects.for_practice(request.practice), pk=pk)
    from django.utils import timezone

    batch.sent_to = transport_for(request.practice.pk).send(batch.file_name, batch.content)
    batch.sent_at = timezone.now()
    batch.save(update_fields=["sent_to", "sent_at"])
    record(request, Action.EXPORT, batch, detail="sent to the outbound folder")
    messages.success(request, "Placed in the outbound folder for the clearinghouse.")
    return redirect(batch)


@require_POST
@requires("billing.edit")
def ack_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a 999 or 277CA file.")
        return redirect("claims:batches")
    try:
        result = import_acknowledgement(
            upload.read().decode("latin-1"),
            name=upload.name,
            user=request.user,
            practice=request.practice,
        )
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect("claims:batches")
    record(request, Action.CREATE, result.record)
    messages.info(
        request,
        "This file was already imported; nothing changed."
        if result.already
        else result.record.summary,
    )
    return redirect(result.record)


@requires("billing.view")
def ack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ack = get_object_or_404(AcknowledgementFile.objects.for_practice(request.practice), pk=pk)
    record(request, Action.VIEW, ack)
    return render(request, "claims/ack_detail.html", {"ack": ack})


@require_POST
@requires("coverage.edit")
def eligibility_new(request: HttpRequest, pk: int) -> HttpResponse:
    coverage = get_object_or_404(Coverage.objects.for_practice(request.practice), pk=pk)
    try:
        check = eligibility.new_inquiry(
            coverage,
            user=request.user,
            day=clock.today(request.practice),
            send=request.POST.get("send") == "1",
        )
    except BillingRefused as error:
        messages.error(request, str(error))
        return redirect(coverage)
    record(request, Action.CREATE, check)
    return redirect(check)


@requires("billing.view")
def eligibility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(EligibilityCheck.objects.for_practice(request.practice), pk=pk)
    record(request, Action.VIEW, check)
    return render(request, "claims/eligibility_detail.html", {"check": check})


@requires("billing.view")
def eligibility_download(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(EligibilityCheck.objects.for_practice(request.practice), pk=pk)
    return _download(request, check, check.inquiry, f"270-{check.trace}.x12")


@require_POST
@requires("coverage.edit")
def eligibility_import(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(EligibilityCheck.objects.for_practice(request.practice), pk=pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise BillingRefused("Choose the 271 file.")
        eligibility.import_271(check, upload.read().decode("latin-1"), user=request.user)
    except BillingRefused as error:
        messages.error(request, str(error))
    record(request, Action.UPDATE, check, detail="271 imported")
    return redirect(check.coverage)


@requires("billing.view")
def claim_cms1500(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim as a CMS-1500 (replica, or data-only with the practice's printer offsets)."""
    from knead.billing.forms.render import FormMode
    from knead.paperwork.services import claims_cms1500_pdf
    from knead.paperwork.views import pdf_response

    claim = get_object_or_404(Claim.objects.for_practice(request.practice), pk=pk)
    mode = FormMode.DATA_ONLY if request.GET.get("mode") == "data" else FormMode.REPLICA
    data = claims_cms1500_pdf(
        [core_claim(claim)], request.practice, mode=mode, signed_on=clock.today(request.practice)
    )
    return pdf_response(
        request, data, name=f"cms1500-{claim.claim_id}.pdf", obj=claim, what="cms1500"
    )
