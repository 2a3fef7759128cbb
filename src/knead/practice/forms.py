from __future__ import annotations

from typing import Any

from django import forms

from knead.billing.units import UnitRule
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
        if data.get("kind") != PayerKind.MEDICARE:
            return data
        # What Medicare itself requires (billing-rules.md §3.1, §4.1, §11.1), not a setting.
        if data.get("unit_rule") == UnitRule.AMA.value:
            self.add_error(
                "unit_rule",
                "Medicare counts units from the total timed minutes "
                "(the CMS 8-minute rule): choose CMS total time.",
            )
        if not data.get("gp_required"):
            self.add_error(
                "gp_required",
                "Medicare requires the GP modifier on therapy codes: tick GP modifier required.",
            )
        if data.get("timely_filing_months") is None:
            data["timely_filing_months"] = 12  # 42 CFR 424.44: 12 months after the service
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
            "time_zone",
            "require_two_factor",
        ]
