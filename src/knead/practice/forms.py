from __future__ import annotations

from typing import Any

from django import forms

from knead.forms import PracticeForm
from knead.practice.models import (
    ContractRate,
    Credentialing,
    FeeScheduleEntry,
    Payer,
    PayerKind,
    Practice,
    Provider,
)


class ProviderForm(PracticeForm):
    class Meta:
        model = Provider
        fields = [
            "first_name",
            "last_name",
            "credentials",
            "npi",
            "licence_state",
            "licence_number",
            "licence_expires",
            "taxonomy",
            "tax_id_kind",
            "tax_id",
            "email",
            "phone",
            "is_active",
        ]


class PayerForm(PracticeForm):
    class Meta:
        model = Payer
        fields = [
            "name",
            "payer_id",
            "kind",
            "claim_filing_indicator",
            "unit_rule",
            "gp_required",
            "timely_filing_days",
            "timely_filing_months",
            "appeal_window_days",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "zip_code",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # 42 CFR 424.44: Medicare's limit is 12 months after the date of service.
        if data.get("kind") == PayerKind.MEDICARE and data.get("timely_filing_months") is None:
            data["timely_filing_months"] = 12
        return data


class CredentialingForm(PracticeForm):
    class Meta:
        model = Credentialing
        fields = ["payer", "status", "applied_on", "effective_on", "denied_on", "notes"]


class FeeForm(PracticeForm):
    class Meta:
        model = FeeScheduleEntry
        fields = ["code", "charge"]


class ContractRateForm(PracticeForm):
    class Meta:
        model = ContractRate
        fields = ["code", "allowed"]

    def __init__(self, *args: Any, payer: Payer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payer = payer

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        taken = ContractRate.objects.for_practice(self.practice).filter(payer=self.payer, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"{self.payer.name} already has a rate for {code}; edit that one."
            )
        return code


class PracticeSettingsForm(PracticeForm):
    class Meta:
        model = Practice
        fields = [
            "name",
            "npi",
            "tax_id_kind",
            "tax_id",
            "taxonomy",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "zip_code",
        ]
