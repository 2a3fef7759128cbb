"""Client pages: the client list and record, coverages with their verification log, injury cases,
referrals and authorizations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from knead.accounts.roles import requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.clients import selectors
from knead.clients.forms import (
    AuthorizationForm,
    CaseForm,
    ClientForm,
    CoverageForm,
    ReferralForm,
    VerificationCallForm,
)
from knead.clients.models import Authorization, Case, Client, Coverage, Referral, VerificationCall
from knead.clients.services import archived_clients, restore_client
from knead.practice import clock
from knead.practice.services import save_record
from knead.visits.selectors import authorization_usages, coverage_usages, referral_usages
from knead.web import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView


class ClientList(RecordListView):
    model = Client
    permission = "clients.view"
    search_fields = (
        "first_name",
        "last_name",
        "preferred_name",
        "phone",
        "email",
        "coverages__member_id",
    )
    template_name = "clients/client_list.html"

    def get_queryset(self) -> models.QuerySet:
        return (
            super()
            .get_queryset()
            .only(
                "id", "first_name", "last_name", "preferred_name", "date_of_birth", "phone", "city"
            )
        )


class ClientDetail(RecordDetailView):
    model = Client
    permission = "clients.view"
    template_name = "clients/client_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        client = self.object
        live = {"deleted_at__isnull": True}
        coverages = list(client.coverages.filter(**live).select_related("payer"))
        years = coverage_usages(coverages, on=clock.today(client.practice))
        for coverage in coverages:
            coverage.last_verified = selectors.last_verified(coverage)
            coverage.usage = years[coverage.pk]
        referrals = list(client.referrals.filter(**live))
        used = referral_usages(referrals)
        for referral in referrals:
            referral.usage = used[referral.pk]
        authorizations = list(client.authorizations.filter(**live).select_related("payer"))
        usages = authorization_usages(authorizations)
        for authorization in authorizations:
            authorization.visit_usage = usages[authorization.pk].visits
            authorization.unit_usage = usages[authorization.pk].units
        context.update(
            coverages=coverages,
            cases=client.cases.filter(**live).select_related("payer"),
            referrals=referrals,
            authorizations=authorizations,
            visits=client.visits.filter(**live)
            .select_related("provider")
            .prefetch_related("lines")[:50],
        )
        return context


class ClientCreate(RecordCreateView):
    model = Client
    permission = "clients.edit"
    form_class = ClientForm
    success_message = "Client saved."


class ClientUpdate(RecordUpdateView):
    model = Client
    permission = "clients.edit"
    form_class = ClientForm
    success_message = "Client saved."


@require_POST
@requires("clients.delete")
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_practice(request.practice), pk=pk)
    client.soft_delete(request.user)
    record(request, Action.DELETE, client)
    messages.success(
        request,
        "Client removed. The practice owner can restore them from Archived clients.",
    )
    return redirect("clients:list")


@requires("clients.restore")
def archived_list(request: HttpRequest) -> HttpResponse:
    """The removed clients, each with a Restore button (owners only)."""
    clients = archived_clients(request.practice).only(
        "id", "first_name", "last_name", "date_of_birth", "deleted_at"
    )
    record(request, Action.LIST, object_type="clients.client", detail="archived")
    return render(request, "clients/archived_list.html", {"clients": clients})


@require_POST
@requires("clients.restore")
def client_restore(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(archived_clients(request.practice), pk=pk)
    restore_client(client, user=request.user)
    record(request, Action.RESTORE, client)
    messages.success(request, "Client restored, with their visits, claims and documents.")
    return redirect(client)


class ClientChildMixin:
    """Views of a record that belongs to one client of the current practice."""

    request: HttpRequest
    kwargs: dict[str, Any]
    object: models.Model

    def client(self) -> Client:
        if not hasattr(self, "_client"):
            if "client" in self.kwargs:
                self._client = get_object_or_404(
                    Client.objects.for_practice(self.request.practice), pk=self.kwargs["client"]
                )
            else:
                self._client = self.get_object().client  # type: ignore[attr-defined]
        return self._client

    def prepare(self, instance: models.Model) -> None:
        instance.client = self.client()

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["client"] = self.client()
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["client"] = self.client()
        context["cancel_url"] = self.client().get_absolute_url()
        return context

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()  # type: ignore[attr-defined]


def _child_views(model: type[models.Model], form: type, noun: str) -> tuple[type, type]:
    """Create and edit views for a client's coverage, case, referral or authorization."""
    attrs = {
        "model": model,
        "permission": "coverage.edit",
        "form_class": form,
        "success_message": f"{noun} saved.",
    }
    create = type(f"{model.__name__}Create", (ClientChildMixin, RecordCreateView), attrs)
    update = type(f"{model.__name__}Update", (ClientChildMixin, RecordUpdateView), attrs)
    return create, update


CoverageCreate, CoverageUpdate = _child_views(Coverage, CoverageForm, "Coverage")
CaseCreate, CaseUpdate = _child_views(Case, CaseForm, "Case")
ReferralCreate, ReferralUpdate = _child_views(Referral, ReferralForm, "Referral")
AuthorizationCreate, AuthorizationUpdate = _child_views(
    Authorization, AuthorizationForm, "Authorization"
)


class CoverageDetail(RecordDetailView):
    model = Coverage
    permission = "clients.view"
    template_name = "clients/coverage_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["client"] = self.object.client
        context["calls"] = self.object.verifications.filter(deleted_at__isnull=True)
        context["call_form"] = kwargs.get("call_form") or VerificationCallForm(
            practice=self.request.practice,
            initial={"called_on": clock.today(self.request.practice)},
        )
        return context


@require_POST
@requires("coverage.edit")
def coverage_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a benefits verification call on a coverage."""
    coverage = get_object_or_404(Coverage.objects.for_practice(request.practice), pk=pk)
    form = VerificationCallForm(
        request.POST, practice=request.practice, instance=VerificationCall(coverage=coverage)
    )
    if form.is_valid():
        call = save_record(form.instance, user=request.user, practice=request.practice)
        record(request, Action.CREATE, call)
        messages.success(request, "Verification call logged.")
        return redirect(coverage)
    view = CoverageDetail.as_view()
    request.method = "GET"
    return view(request, pk=pk, call_form=form)


@requires("clients.view")
def referral_document(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(Referral.objects.for_practice(request.practice), pk=pk)
    if not referral.document:
        raise Http404("This referral has no document.")
    record(request, Action.EXPORT, referral, detail="referral document")
    response = FileResponse(referral.document.open("rb"), as_attachment=True)
    response.headers["Cache-Control"] = "no-store"
    return response
