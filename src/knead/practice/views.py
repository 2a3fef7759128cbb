"""Practice setup pages: providers and their credentialing, payers, the fee schedule."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from knead.accounts.roles import requires
from knead.audit.models import Action
from knead.audit.services import changed_fields_detail, record
from knead.practice.forms import (
    ContractRateForm,
    CredentialingForm,
    FeeForm,
    PayerForm,
    PracticeSettingsForm,
    ProviderForm,
)
from knead.practice.models import ContractRate, Credentialing, FeeScheduleEntry, Payer, Provider
from knead.practice.services import save_record
from knead.web import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView


class ProviderList(RecordListView):
    model = Provider
    permission = "providers.view"
    search_fields = ("first_name", "last_name", "npi", "licence_number")
    template_name = "practice/provider_list.html"


class ProviderDetail(RecordDetailView):
    model = Provider
    permission = "providers.view"
    template_name = "practice/provider_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["credentialings"] = (
            Credentialing.objects.for_practice(self.request.practice)
            .filter(provider=self.object)
            .select_related("payer")
        )
        return context


class ProviderCreate(RecordCreateView):
    model = Provider
    permission = "providers.edit"
    form_class = ProviderForm
    success_message = "Provider saved."


class ProviderUpdate(RecordUpdateView):
    model = Provider
    permission = "providers.edit"
    form_class = ProviderForm
    success_message = "Provider saved."


class CredentialingCreate(RecordCreateView):
    model = Credentialing
    permission = "providers.edit"
    form_class = CredentialingForm
    success_message = "Credentialing saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        self.provider = get_object_or_404(
            Provider.objects.for_practice(self.request.practice), pk=self.kwargs["provider"]
        )
        return super().get_form_kwargs()

    def prepare(self, instance: models.Model) -> None:
        instance.provider = self.provider

    def get_success_url(self) -> str:
        return self.object.provider.get_absolute_url()


class CredentialingUpdate(RecordUpdateView):
    model = Credentialing
    permission = "providers.edit"
    form_class = CredentialingForm
    success_message = "Credentialing saved."

    def get_success_url(self) -> str:
        return self.object.provider.get_absolute_url()


class PayerList(RecordListView):
    model = Payer
    permission = "payers.view"
    search_fields = ("name", "payer_id")
    template_name = "practice/payer_list.html"


class PayerDetail(RecordDetailView):
    model = Payer
    permission = "payers.view"
    template_name = "practice/payer_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["credentialings"] = (
            Credentialing.objects.for_practice(self.request.practice)
            .filter(payer=self.object)
            .select_related("provider")
        )
        context["coverage_count"] = self.object.coverages.filter(deleted_at__isnull=True).count()
        context["rates"] = ContractRate.objects.for_practice(self.request.practice).filter(
            payer=self.object
        )
        return context


class PayerCreate(RecordCreateView):
    model = Payer
    permission = "payers.edit"
    form_class = PayerForm
    success_message = "Payer saved."


class PayerUpdate(RecordUpdateView):
    model = Payer
    permission = "payers.edit"
    form_class = PayerForm
    success_message = "Payer saved."


class ContractRateCreate(RecordCreateView):
    model = ContractRate
    permission = "payers.edit"
    form_class = ContractRateForm
    success_message = "Contracted rate saved."

    @cached_property
    def payer(self) -> Payer:
        return get_object_or_404(
            Payer.objects.for_practice(self.request.practice), pk=self.kwargs["payer"]
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "payer": self.payer}

    def prepare(self, instance: models.Model) -> None:
        instance.payer = self.payer

    def title(self) -> str:
        return f"New contracted rate · {self.payer.name}"

    def cancel_url(self) -> str:
        return self.payer.get_absolute_url()


class ContractRateUpdate(RecordUpdateView):
    model = ContractRate
    permission = "payers.edit"
    form_class = ContractRateForm
    success_message = "Contracted rate saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "payer": self.object.payer}

    def title(self) -> str:
        return f"Edit contracted rate · {self.object.payer.name}"


@require_POST
@requires("payers.edit")
def contract_rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_object_or_404(ContractRate.objects.for_practice(request.practice), pk=pk)
    rate.soft_delete(request.user)
    record(request, Action.DELETE, rate)
    messages.success(request, f"The contracted rate for {rate.code} is removed.")
    return redirect(rate.payer)


class FeeList(RecordListView):
    model = FeeScheduleEntry
    permission = "payers.view"
    search_fields = ("code",)
    template_name = "practice/fee_list.html"
    paginate_by = 100


class FeeCreate(RecordCreateView):
    model = FeeScheduleEntry
    permission = "fees.edit"
    form_class = FeeForm
    success_message = "Fee saved."

    def get_success_url(self) -> str:
        return reverse("practice:fees")


class FeeUpdate(FeeCreate, RecordUpdateView):
    pass


@requires("providers.edit")
def practice_settings(request: HttpRequest) -> HttpResponse:
    form = PracticeSettingsForm(
        request.POST or None, instance=request.practice, practice=request.practice
    )
    if request.method == "POST" and form.is_valid():
        save_record(form.instance, user=request.user, practice=request.practice)
        record(
            request, Action.UPDATE, form.instance, detail=changed_fields_detail(form.changed_data)
        )
        messages.success(request, "Practice details saved.")
        return redirect("practice:settings")
    return render(
        request,
        "record_form.html",
        {"form": form, "title": "Practice details", "cancel_url": reverse("dashboard:home")},
    )
