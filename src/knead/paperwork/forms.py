"""Paperwork forms: a superbill's dates, CMS-1500 mode, printer offsets, the LMN draft,
the insurer call's answers and the month of a batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from knead.billing.forms.render import FormMode
from knead.clients.models import Tristate
from knead.forms import PracticeForm
from knead.paperwork.models import PrintSettings
from knead.paperwork.services import CallAnswers, NecessityDraft

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_ANSWER = [("", "Not asked / no change"), *Tristate.choices]


class RangeForm(forms.Form):
    start = forms.DateField(label="From", widget=_DATE)
    end = forms.DateField(label="To", widget=_DATE)
    signed_only = forms.BooleanField(
        label="Leave out visits whose note is not signed yet",
        required=False,
        help_text="They can go on a later superbill once signed.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The range cannot end before it starts.")
        if start and end and (end - start).days > 366:
            self.add_error("end", "A superbill covers at most a year.")
        return data


class Cms1500Form(forms.Form):
    """How a client-filed CMS-1500 prints: a replica on plain paper, or data only."""

    mode = forms.ChoiceField(
        choices=[
            (FormMode.REPLICA.value, "Replica (plain paper)"),
            (FormMode.DATA_ONLY.value, "Data only (red pre-printed form)"),
        ],
        initial=FormMode.REPLICA.value,
        required=False,
    )


class PrintSettingsForm(PracticeForm):
    class Meta:
        model = PrintSettings
        fields = ["offset_x_mm", "offset_y_mm"]


class NecessityForm(forms.Form):
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    limitations = forms.CharField(
        label="Functional limitations", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    frequency = forms.CharField(max_length=60, help_text="e.g. once a week")
    duration = forms.CharField(max_length=60, help_text="e.g. 8 weeks")
    goals = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One goal a line."
    )
    text = forms.CharField(
        label="Letter", required=False, widget=forms.Textarea(attrs={"rows": 24})
    )

    @classmethod
    def initial_from(cls, draft: NecessityDraft) -> dict[str, str]:
        return {
            "findings": draft.findings,
            "limitations": draft.limitations,
            "frequency": draft.frequency,
            "duration": draft.duration,
            "goals": "\n".join(draft.goals),
        }

    def draft(self) -> NecessityDraft:
        data = self.cleaned_data
        return NecessityDraft(
            findings=data["findings"],
            limitations=data["limitations"],
            frequency=data["frequency"],
            duration=data["duration"],
            goals=tuple(g.strip() for g in data["goals"].splitlines() if g.strip()),
        )


class CallAnswersForm(forms.Form):
    """The kit's call script answers, typed back into the coverage."""

    called_on = forms.DateField(label="Call date", widget=_DATE, initial=dt.date.today)
    representative = forms.CharField(max_length=60, required=False)
    reference_number = forms.CharField(label="Call reference #", max_length=40, required=False)
    massage_covered = forms.ChoiceField(label="Massage covered?", choices=_ANSWER, required=False)
    covered_codes = forms.CharField(
        label="Codes accepted", max_length=120, required=False, help_text="e.g. 97124, 97140"
    )
    visits_per_year = forms.IntegerField(min_value=0, max_value=366, required=False)
    deductible = forms.DecimalField(min_value=0, decimal_places=2, required=False)
    deductible_met = forms.DecimalField(
        label="Deductible met", min_value=0, decimal_places=2, required=False
    )
    coinsurance_percent = forms.DecimalField(
        label="Coinsurance % (client pays)", min_value=0, max_value=100, required=False
    )
    copay = forms.DecimalField(min_value=0, decimal_places=2, required=False)
    out_of_network_percent = forms.DecimalField(
        label="Out-of-network reimbursement %", min_value=0, max_value=100, required=False
    )
    referral_required = forms.ChoiceField(label="Referral needed?", choices=_ANSWER, required=False)
    preauth_required = forms.ChoiceField(
        label="Pre-authorization needed?", choices=_ANSWER, required=False
    )
    notes = forms.CharField(label="What was said", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, coverage: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            on_file = getattr(coverage, name, None) if name not in ("notes",) else None
            if on_file in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField):
                labels = dict(Tristate.choices)
                field.choices = [("", f"No change (on file: {labels.get(on_file, on_file)})")] + [
                    choice for choice in field.choices if choice[0]
                ]
            else:
                field.widget.attrs["placeholder"] = f"on file: {on_file}"

    def answers(self) -> CallAnswers:
        data = self.cleaned_data
        return CallAnswers(
            called_on=data["called_on"],
            notes=data["notes"],
            representative=data["representative"],
            reference_number=data["reference_number"],
            massage_covered=data["massage_covered"] or None,
            covered_codes=data["covered_codes"] or None,
            visits_per_year=data["visits_per_year"],
            deductible=data["deductible"],
            deductible_met=data["deductible_met"],
            coinsurance_percent=data["coinsurance_percent"],
            copay=data["copay"],
            out_of_network_percent=data["out_of_network_percent"],
            referral_required=data["referral_required"] or None,
            preauth_required=data["preauth_required"] or None,
        )


class MonthForm(forms.Form):
    month = forms.DateField(
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="Every client seen that month gets one superbill.",
    )
