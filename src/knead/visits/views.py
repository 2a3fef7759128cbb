"""Visit pages: the visit list, the one-page SOAP and services form, signing and amendments,
and the htmx fragments that recompute units and check diagnoses as the therapist types."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from knead.accounts.once import once_per_form
from knead.accounts.roles import allowed, requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.billing.claim import BillingMode
from knead.billing.codes.icd10 import describe, icd10_problem, with_dot
from knead.billing.codes.procedures import catalog
from knead.billing.errors import InvalidCode
from knead.billing.scrub import Finding, Purpose, scrub
from knead.clients.models import Case, Client, Coverage
from knead.practice import clock
from knead.practice.models import Payer, Provider
from knead.practice.rules import rules_for_practice
from knead.visits import corrections, services
from knead.visits.forms import (
    LINE_ROWS,
    AmendmentForm,
    CorrectionForm,
    ServiceLineFormSet,
    VisitForm,
    split_diagnoses,
)
from knead.visits.models import MAX_DIAGNOSES, NoteLocked, Visit
from knead.visits.selectors import line_coverage
from knead.visits.to_claim import claim_for_visit
from knead.web import PAGE_SIZE, search


def _visits(request: HttpRequest) -> QuerySet[Visit]:
    return Visit.objects.for_practice(request.practice)


@requires("visits.view")
def visit_list(request: HttpRequest) -> HttpResponse:
    visits = _visits(request).select_related("client", "provider")
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    provider = request.GET.get("provider", "")
    if query:
        # Match the (few) clients first, then their visits through the client index.
        clients = search(
            Client.objects.for_practice(request.practice), query, ("first_name", "last_name")
        )
        visits = visits.filter(client__in=clients.values("pk"))
    if status == "unsigned":
        visits = visits.filter(signed_at__isnull=True)
    elif status == "signed":
        visits = visits.filter(signed_at__isnull=False)
    if provider.isdigit():
        visits = visits.filter(provider_id=int(provider))
    for name, lookup in (("from", "date__gte"), ("to", "date__lte")):
        try:
            day = dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        visits = visits.filter(**{lookup: day})
    page = Paginator(
        visits.only(
            "id",
            "date",
            "start_time",
            "signed_at",
            "place_of_service",
            "client__first_name",
            "client__last_name",
            "provider__first_name",
            "provider__last_name",
            "provider__credentials",
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    record(request, Action.SEARCH if query else Action.LIST, object_type="visits.visit")
    return render(
        request,
        "visits/visit_list.html",
        {
            "page_obj": page,
            "query": query,
            "status": status,
            "provider": provider,
            "providers": Provider.objects.for_practice(request.practice),
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
        },
    )


def _line_initial(visit: Visit | None) -> list[dict[str, Any]]:
    lines = visit.active_lines if visit else []
    initial = [
        {
            "code": line.code,
            "modifiers": " ".join(line.modifiers),
            "minutes": line.minutes,
            "pointers": line.pointer_letters,
        }
        for line in lines
    ]
    return initial + [{}] * max(LINE_ROWS - len(initial), 2)


def _line_inputs(formset: ServiceLineFormSet) -> list[services.LineInput]:
    return [
        services.LineInput(
            code=form.cleaned_data["code"],
            minutes=form.cleaned_data.get("minutes") or 0,
            modifiers=tuple(form.cleaned_data["modifiers"]),
            pointers=tuple(form.cleaned_data["pointers"]),
        )
        for form in formset.forms
        if form.cleaned_data.get("code")
    ]


def _visit_form(request: HttpRequest, visit: Visit | None) -> HttpResponse:
    if visit is not None and visit.is_signed:
        messages.info(
            request,
            "This note is signed and locked. Correct the visit (date, codes, minutes, "
            "diagnoses), or add an amendment to the note.",
        )
        return redirect(visit)
    client = None
    if visit is None and request.GET.get("client", "").isdigit():
        client = get_object_or_404(
            Client.objects.for_practice(request.practice), pk=int(request.GET["client"])
        )
    instance = visit or Visit(date=clock.today(request.practice))
    if visit is None:
        instance.provider = (
            Provider.objects.for_practice(request.practice).filter(user=request.user).first()
        )
    form = VisitForm(
        request.POST or None, instance=instance, practice=request.practice, client=client
    )
    lines = ServiceLineFormSet(request.POST or None, initial=_line_initial(visit), prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        form.instance.diagnoses = form.cleaned_data["diagnosis_codes"]
        form.instance.body_regions = form.cleaned_data["body_regions"]
        creating = form.instance.pk is None
        try:
            saved = services.save_visit(
                form.instance,
                _line_inputs(lines),
                user=request.user,
                practice=request.practice,
                authorizations=list(form.cleaned_data["authorizations"]),
            )
        except (NoteLocked, InvalidCode) as error:
            messages.error(request, str(error))
        else:
            record(request, Action.CREATE if creating else Action.UPDATE, saved)
            messages.success(
                request,
                "Visit saved." + ("" if saved.is_signed else " Sign the note when it is complete."),
            )
            return redirect(saved)
    if visit is not None:
        record(request, Action.VIEW, visit)
    return render(
        request,
        "visits/visit_form.html",
        {
            "form": form,
            "lines": lines,
            "visit": visit,
            "procedures": catalog().procedures.values(),
        },
    )


@requires("visits.document")
@once_per_form
def visit_new(request: HttpRequest) -> HttpResponse:
    return _visit_form(request, None)


@requires("visits.document")
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_form(request, get_object_or_404(_visits(request), pk=pk))


@requires("visits.view")
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(
        _visits(request).select_related(
            "client",
            "provider",
            "coverage__payer",
            "case",
            "referral",
            "signed_by",
        ),
        pk=pk,
    )
    record(request, Action.VIEW, visit)
    diagnoses = [
        (letter, with_dot(code), describe(code))
        for letter, code in zip("ABCDEFGHIJKL", visit.diagnoses, strict=False)
    ]
    lines = visit.active_lines
    billed = visit.case_id is not None or visit.coverage_id is not None
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "lines": lines,
            "total": sum((line.charge for line in lines), start=services.Decimal("0")),
            "diagnoses": diagnoses,
            "amendments": visit.amendments.select_related("author"),
            "signing_problems": []
            if visit.is_signed
            else services.signing_problems(visit, request.user),
            "can_amend": visit.is_signed and allowed(request, "visits.document"),
            "amend_form": AmendmentForm(),
            "can_correct": visit.is_signed
            and allowed(request, "visits.document")
            and corrections.may_correct(visit, request.user),
            "corrections": [
                (c, c.as_core(_person(c.author), timezone.localtime(c.created)).changes())
                for c in visit.corrections.select_related("author")
            ],
            "line_coverage": line_coverage(visit),
            "unit_rule": services.unit_rule_for(services.billed_payer(visit)),
            "claim_check": visit_findings(visit, billed=billed) if lines else [],
            "claim_check_purpose": "claim" if billed else "superbill",
        },
    )


@require_POST
@requires("visits.document")
def visit_sign(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(_visits(request), pk=pk)
    try:
        services.sign_visit(visit, user=request.user)
    except services.SignatureRefused as error:
        messages.error(request, str(error))
    else:
        record(request, Action.SIGN, visit)
        messages.success(request, "Note signed and locked.")
    return redirect(visit)


@require_POST
@requires("visits.document")
def visit_amend(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(_visits(request), pk=pk)
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "An amendment needs both a reason and the text.")
        return redirect(visit)
    try:
        amendment = services.amend_visit(visit, user=request.user, **form.cleaned_data)
    except services.SignatureRefused as error:
        messages.error(request, str(error))
    else:
        record(request, Action.AMEND, visit, detail=f"amendment {amendment.pk}")
        messages.success(request, "Amendment added. The original note is kept.")
    return redirect(visit)


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


@requires("visits.document")
def visit_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """The corrected-visit form: the billed facts as they should be and why; on save, the
    visit is corrected and billed again (``knead.visits.corrections``)."""
    visit = get_object_or_404(
        _visits(request).select_related("client", "provider", "coverage__payer", "case__payer"),
        pk=pk,
    )
    problems = corrections.correction_problems(visit, request.user)
    form = CorrectionForm(request.POST or None, visit=visit)
    lines = ServiceLineFormSet(request.POST or None, initial=_line_initial(visit), prefix="lines")
    if request.method == "POST" and not problems and form.is_valid() and lines.is_valid():
        facts = corrections.CorrectedFacts(
            date=form.cleaned_data["date"],
            diagnoses=tuple(form.cleaned_data["diagnosis_codes"]),
            lines=tuple(_line_inputs(lines)),
        )
        try:
            correction = corrections.correct_visit(
                visit, facts, user=request.user, reason=form.cleaned_data["reason"]
            )
        except corrections.CorrectionRefused as error:
            messages.error(request, str(error))
        else:
            record(request, Action.AMEND, visit, detail=f"correction {correction.pk}")
            messages.success(
                request, f"Visit corrected; the original facts are kept. {correction.rebilling}"
            )
            return redirect(visit.get_absolute_url() + "#corrections")
    record(request, Action.VIEW, visit)
    return render(
        request,
        "visits/visit_correct.html",
        {
            "visit": visit,
            "form": form,
            "lines": lines,
            "problems": problems,
            "procedures": catalog().procedures.values(),
        },
    )


@require_POST
@requires("visits.view")
def units_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the units and charge of each line, recomputed under the billed payer's rule."""
    lines = ServiceLineFormSet(request.POST, prefix="lines")
    rows: list[dict[str, Any]] = [
        {"units": None, "charge": None} for _ in range(lines.total_form_count())
    ]
    inputs: list[tuple[int, services.LineInput]] = []
    for index, form in enumerate(lines.forms):
        code = (form.data.get(f"{form.prefix}-code") or "").strip().upper()
        minutes_text = form.data.get(f"{form.prefix}-minutes") or "0"
        if code in catalog() and minutes_text.isdigit():
            inputs.append((index, services.LineInput(code=code, minutes=int(minutes_text))))
    payer = _chosen_payer(request)
    rule = services.unit_rule_for(payer)
    try:
        priced = services.price_lines(
            [line for _, line in inputs], rule, services.fee_schedule(request.practice)
        )
    except InvalidCode:
        priced = []
    for (index, _), line in zip(inputs, priced, strict=False):
        rows[index] = {"units": line.units, "charge": line.charge}
    timed_minutes = sum(line.minutes for _, line in inputs if catalog().get(line.code).timed)
    return render(
        request,
        "visits/_units.html",
        {
            "rows": rows,
            "rule": rule,
            "payer": payer,
            "timed_minutes": timed_minutes,
            "total_units": sum(line.units for line in priced),
            "total_charge": sum((line.charge for line in priced), start=services.Decimal("0")),
        },
    )


@require_POST
@requires("visits.view")
def diagnosis_check(request: HttpRequest) -> HttpResponse:
    """htmx: each typed ICD-10-CM code with its description, or why it cannot be billed."""
    codes = split_diagnoses(request.POST.get("diagnosis_codes", ""))
    results = []
    for position, code in enumerate(codes):
        problem = icd10_problem(code)
        results.append(
            {
                "letter": "ABCDEFGHIJKL"[position] if position < MAX_DIAGNOSES else "—",
                "code": with_dot(code),
                "problem": problem,
                "description": None if problem else describe(code),
            }
        )
    too_many = len(codes) > MAX_DIAGNOSES
    return render(
        request,
        "visits/_diagnoses.html",
        {"results": results, "too_many": too_many, "max": MAX_DIAGNOSES},
    )


def _chosen_payer(request: HttpRequest) -> Payer | None:
    """The payer of the injury case or coverage picked on the form, as the visit would be billed."""
    scoped = {"practice": request.practice, "deleted_at__isnull": True}
    case = (
        Case.objects.filter(pk=_int(request.POST.get("case")), **scoped)
        .select_related("payer")
        .first()
    )
    if case and case.payer:
        return case.payer
    coverage = (
        Coverage.objects.filter(pk=_int(request.POST.get("coverage")), **scoped)
        .select_related("payer")
        .first()
    )
    return coverage.payer if coverage else None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def visit_findings(visit: Visit, *, billed: bool) -> list[Finding]:
    """What the scrubber says about this visit's claim (or superbill, for a cash client) today."""
    mode, purpose = (
        (BillingMode.DIRECT, Purpose.CLAIM)
        if billed
        else (BillingMode.SUPERBILL, Purpose.SUPERBILL)
    )
    claim = claim_for_visit(visit, billing_mode=mode)
    return scrub(
        claim, rules_for_practice(visit.practice), clock.today(visit.practice), purpose=purpose
    )
